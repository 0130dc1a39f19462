package io.vexfs.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** The kernels on the Vector API: four independent accumulators hide the latency of the FMA. */
final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final int STRIDE = 4 * LANES;
    /** HALVINGS[j] brings lane l + lanes/2^(j+1) onto lane l: the fixed cross-lane order of {@link Kernels}. */
    private static final VectorShuffle<Float>[] HALVINGS = halvings();

    @Override
    public int lanes() {
        return LANES;
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int dim) {
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

    @Override
    public float squaredL2(float[] a, int aOffset, float[] b, int bOffset, int dim) {
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

    @Override
    public float squaredNorm(float[] a, int aOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector v0 = load(a, aOffset + i);
            FloatVector v1 = load(a, aOffset + i + LANES);
            FloatVector v2 = load(a, aOffset + i + 2 * LANES);
            FloatVector v3 = load(a, aOffset + i + 3 * LANES);
            acc0 = v0.fma(v0, acc0);
            acc1 = v1.fma(v1, acc1);
            acc2 = v2.fma(v2, acc2);
            acc3 = v3.fma(v3, acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector v = load(a, aOffset + i);
            acc0 = v.fma(v, acc0);
        }
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < dim; i++) {
            sum = Math.fma(a[aOffset + i], a[aOffset + i], sum);
        }
        return sum;
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
}
