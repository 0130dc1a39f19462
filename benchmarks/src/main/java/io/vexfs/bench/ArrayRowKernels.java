package io.vexfs.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The baseline KernelBench compares the segment kernels with: the SIMD multi-row kernels over a
 * float[] of rows, as vexcore's PanamaKernels had them before stored rows became MemorySegments
 * (commit 9cfe3a7), kept unchanged here so one run shows whether reading rows from a segment
 * costs anything.
 */
final class ArrayRowKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final int STRIDE = 4 * LANES;
    /** HALVINGS[j] brings lane l + lanes/2^(j+1) onto lane l: the fixed cross-lane order of {@link Kernels}. */
    private static final VectorShuffle<Float>[] HALVINGS = halvings();
    /** The merge of two single-row vectors (h = lanes/2): rows end up in the lower and upper halves. */
    private static final Merge MERGE_HALVES = new Merge(LANES / 2);
    /** The merge of two two-row vectors (h = lanes/4): x's rows end up in quarters 0 and 2, y's in 1 and 3. */
    private static final Merge MERGE_QUARTERS = new Merge(LANES / 4);
    /**
     * Where the sums end up after MERGE_QUARTERS.apply(x, y) and {@link #sumQuarters}: what was
     * in the lower half of x in lane X_LOWER, and so on.
     */
    private static final int X_LOWER = 0;
    private static final int X_UPPER = LANES / 2;
    private static final int Y_LOWER = LANES / 4;
    private static final int Y_UPPER = 3 * LANES / 4;

    private static float dot(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            acc0 = load(a, aOffset + i).fma(load(b, bOffset + i), acc0);
            acc1 = load(a, aOffset + i + LANES).fma(load(b, bOffset + i + LANES), acc1);
            acc2 = load(a, aOffset + i + 2 * LANES).fma(load(b, bOffset + i + 2 * LANES), acc2);
            acc3 = load(a, aOffset + i + 3 * LANES).fma(load(b, bOffset + i + 3 * LANES), acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            acc0 = load(a, aOffset + i).fma(load(b, bOffset + i), acc0);
        }
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < dim; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    private static float squaredL2(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector d0 = load(a, aOffset + i).sub(load(b, bOffset + i));
            FloatVector d1 = load(a, aOffset + i + LANES).sub(load(b, bOffset + i + LANES));
            FloatVector d2 = load(a, aOffset + i + 2 * LANES).sub(load(b, bOffset + i + 2 * LANES));
            FloatVector d3 = load(a, aOffset + i + 3 * LANES).sub(load(b, bOffset + i + 3 * LANES));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector d = load(a, aOffset + i).sub(load(b, bOffset + i));
            acc0 = d.fma(d, acc0);
        }
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < dim; i++) {
            float d = a[aOffset + i] - b[bOffset + i];
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    static void squaredL2Rows(float[] query, int queryOffset, float[] values, int rowsOffset, int dim, int count, float[] out) {
        int strided = dim - dim % STRIDE;
        int vectorized = dim - dim % LANES;
        FloatVector previousPair = FloatVector.zero(SPECIES);
        int pairs = count / 2;
        for (int r = 0; r < pairs; r++) {
            int row0 = rowsOffset + r * dim;
            int row1 = row0 + pairs * dim;
            FloatVector acc00 = FloatVector.zero(SPECIES);
            FloatVector acc01 = FloatVector.zero(SPECIES);
            FloatVector acc02 = FloatVector.zero(SPECIES);
            FloatVector acc03 = FloatVector.zero(SPECIES);
            FloatVector acc10 = FloatVector.zero(SPECIES);
            FloatVector acc11 = FloatVector.zero(SPECIES);
            FloatVector acc12 = FloatVector.zero(SPECIES);
            FloatVector acc13 = FloatVector.zero(SPECIES);
            int i = 0;
            for (; i < strided; i += STRIDE) {
                FloatVector q0 = load(query, queryOffset + i);
                FloatVector q1 = load(query, queryOffset + i + LANES);
                FloatVector q2 = load(query, queryOffset + i + 2 * LANES);
                FloatVector q3 = load(query, queryOffset + i + 3 * LANES);
                FloatVector d00 = q0.sub(load(values, row0 + i));
                FloatVector d01 = q1.sub(load(values, row0 + i + LANES));
                FloatVector d02 = q2.sub(load(values, row0 + i + 2 * LANES));
                FloatVector d03 = q3.sub(load(values, row0 + i + 3 * LANES));
                FloatVector d10 = q0.sub(load(values, row1 + i));
                FloatVector d11 = q1.sub(load(values, row1 + i + LANES));
                FloatVector d12 = q2.sub(load(values, row1 + i + 2 * LANES));
                FloatVector d13 = q3.sub(load(values, row1 + i + 3 * LANES));
                acc00 = d00.fma(d00, acc00);
                acc01 = d01.fma(d01, acc01);
                acc02 = d02.fma(d02, acc02);
                acc03 = d03.fma(d03, acc03);
                acc10 = d10.fma(d10, acc10);
                acc11 = d11.fma(d11, acc11);
                acc12 = d12.fma(d12, acc12);
                acc13 = d13.fma(d13, acc13);
            }
            for (; i < vectorized; i += LANES) {
                FloatVector q = load(query, queryOffset + i);
                FloatVector d0 = q.sub(load(values, row0 + i));
                FloatVector d1 = q.sub(load(values, row1 + i));
                acc00 = d0.fma(d0, acc00);
                acc10 = d1.fma(d1, acc10);
            }
            FloatVector pair = MERGE_HALVES.apply(acc00.add(acc01).add(acc02.add(acc03)), acc10.add(acc11).add(acc12.add(acc13)));
            if (r % 2 == 0 && r + 2 <= pairs) {
                previousPair = pair;
                continue;
            }
            boolean partnered = r % 2 == 1;
            FloatVector sums = sumQuarters(MERGE_QUARTERS.apply(partnered ? previousPair : pair, pair));
            out[r] = squaredL2Tail(query, queryOffset, values, row0, vectorized, dim, sums.lane(Y_LOWER));
            out[r + pairs] = squaredL2Tail(query, queryOffset, values, row1, vectorized, dim, sums.lane(Y_UPPER));
            if (partnered) {
                out[r - 1] = squaredL2Tail(query, queryOffset, values, row0 - dim, vectorized, dim, sums.lane(X_LOWER));
                out[r - 1 + pairs] = squaredL2Tail(query, queryOffset, values, row1 - dim, vectorized, dim, sums.lane(X_UPPER));
            }
        }
        if (count % 2 == 1) {
            out[count - 1] = squaredL2(query, queryOffset, values, rowsOffset + (count - 1) * dim, dim);
        }
    }

    static void dotRows(float[] query, int queryOffset, float[] values, int rowsOffset, int dim, int count, float[] out) {
        int strided = dim - dim % STRIDE;
        int vectorized = dim - dim % LANES;
        FloatVector previousPair = FloatVector.zero(SPECIES);
        int pairs = count / 2;
        for (int r = 0; r < pairs; r++) {
            int row0 = rowsOffset + r * dim;
            int row1 = row0 + pairs * dim;
            FloatVector acc00 = FloatVector.zero(SPECIES);
            FloatVector acc01 = FloatVector.zero(SPECIES);
            FloatVector acc02 = FloatVector.zero(SPECIES);
            FloatVector acc03 = FloatVector.zero(SPECIES);
            FloatVector acc10 = FloatVector.zero(SPECIES);
            FloatVector acc11 = FloatVector.zero(SPECIES);
            FloatVector acc12 = FloatVector.zero(SPECIES);
            FloatVector acc13 = FloatVector.zero(SPECIES);
            int i = 0;
            for (; i < strided; i += STRIDE) {
                FloatVector q0 = load(query, queryOffset + i);
                FloatVector q1 = load(query, queryOffset + i + LANES);
                FloatVector q2 = load(query, queryOffset + i + 2 * LANES);
                FloatVector q3 = load(query, queryOffset + i + 3 * LANES);
                acc00 = q0.fma(load(values, row0 + i), acc00);
                acc01 = q1.fma(load(values, row0 + i + LANES), acc01);
                acc02 = q2.fma(load(values, row0 + i + 2 * LANES), acc02);
                acc03 = q3.fma(load(values, row0 + i + 3 * LANES), acc03);
                acc10 = q0.fma(load(values, row1 + i), acc10);
                acc11 = q1.fma(load(values, row1 + i + LANES), acc11);
                acc12 = q2.fma(load(values, row1 + i + 2 * LANES), acc12);
                acc13 = q3.fma(load(values, row1 + i + 3 * LANES), acc13);
            }
            for (; i < vectorized; i += LANES) {
                FloatVector q = load(query, queryOffset + i);
                acc00 = q.fma(load(values, row0 + i), acc00);
                acc10 = q.fma(load(values, row1 + i), acc10);
            }
            FloatVector pair = MERGE_HALVES.apply(acc00.add(acc01).add(acc02.add(acc03)), acc10.add(acc11).add(acc12.add(acc13)));
            if (r % 2 == 0 && r + 2 <= pairs) {
                previousPair = pair;
                continue;
            }
            boolean partnered = r % 2 == 1;
            FloatVector sums = sumQuarters(MERGE_QUARTERS.apply(partnered ? previousPair : pair, pair));
            out[r] = dotTail(query, queryOffset, values, row0, vectorized, dim, sums.lane(Y_LOWER));
            out[r + pairs] = dotTail(query, queryOffset, values, row1, vectorized, dim, sums.lane(Y_UPPER));
            if (partnered) {
                out[r - 1] = dotTail(query, queryOffset, values, row0 - dim, vectorized, dim, sums.lane(X_LOWER));
                out[r - 1 + pairs] = dotTail(query, queryOffset, values, row1 - dim, vectorized, dim, sums.lane(X_UPPER));
            }
        }
        if (count % 2 == 1) {
            out[count - 1] = dot(query, queryOffset, values, rowsOffset + (count - 1) * dim, dim);
        }
    }

    /** The scalar tail of {@link #squaredL2}: elements [vectorized, dim) onto the lane sum. */
    private static float squaredL2Tail(float[] a, int aOffset, float[] b, int bOffset, int vectorized, int dim, float laneSum) {
        float sum = laneSum;
        for (int i = vectorized; i < dim; i++) {
            float d = a[aOffset + i] - b[bOffset + i];
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    /** The scalar tail of {@link #dot}, and of {@link #squaredNorm} with a and b the same: elements [vectorized, dim) onto the lane sum. */
    private static float dotTail(float[] a, int aOffset, float[] b, int bOffset, int vectorized, int dim, float laneSum) {
        float sum = laneSum;
        for (int i = vectorized; i < dim; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    /** The halvings left after the two merges, h = lanes/8 down to 1, within each quarter. */
    private static FloatVector sumQuarters(FloatVector merged) {
        FloatVector sum = merged;
        for (int j = 2; j < HALVINGS.length; j++) {
            sum = sum.add(sum.rearrange(HALVINGS[j]));
        }
        return sum;
    }

    /**
     * One halving step (h) for two vectors, each holding rows in blocks of 2h lanes: counting
     * lanes from the block's start, lane l < h gets x[l] + x[l + h] and lane l + h gets
     * y[l] + y[l + h], so the result holds twice as many rows in blocks of h lanes. Lower lane
     * first, as in {@link PanamaKernels#sumLanes}.
     */
    private record Merge(VectorShuffle<Float> down, VectorShuffle<Float> up, VectorMask<Float> upperHalves) {
        Merge(int h) {
            this(VectorShuffle.iota(SPECIES, h, 1, true), VectorShuffle.iota(SPECIES, LANES - h, 1, true), upperHalves(h));
        }

        FloatVector apply(FloatVector x, FloatVector y) {
            FloatVector lower = x.blend(y.rearrange(up), upperHalves);
            FloatVector upper = x.rearrange(down).blend(y, upperHalves);
            return lower.add(upper);
        }

        private static VectorMask<Float> upperHalves(int h) {
            boolean[] upper = new boolean[LANES];
            for (int lane = 0; lane < LANES; lane++) {
                upper[lane] = (lane & h) != 0;
            }
            return VectorMask.fromArray(SPECIES, upper, 0);
        }
    }

    private static FloatVector load(float[] array, int offset) {
        return FloatVector.fromArray(SPECIES, array, offset);
    }

    /** Not reduceLanes: its order is unspecified, and the scalar kernels must reproduce ours exactly. */
    private static float sumLanes(FloatVector v) {
        FloatVector sum = v;
        for (VectorShuffle<Float> halving : HALVINGS) {
            sum = sum.add(sum.rearrange(halving));
        }
        return sum.lane(0);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static VectorShuffle<Float>[] halvings() {
        int steps = Integer.numberOfTrailingZeros(LANES);
        VectorShuffle<Float>[] shuffles = new VectorShuffle[steps];
        for (int j = 0; j < steps; j++) {
            shuffles[j] = VectorShuffle.iota(SPECIES, LANES >> (j + 1), 1, true);
        }
        return shuffles;
    }

    private ArrayRowKernels() {
    }
}
