package io.vexfs.core.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels on the Vector API: four independent accumulators hide the latency of the FMA.
 *
 * <p>The multi-row kernels run two rows' accumulators side by side (eight FMA chains, the query
 * loaded once for both; for cosine one row's dot and norm) and reduce several rows' lane sums
 * together: a merge step performs one halving for two vectors at once and packs both results
 * into one vector, so four rows need three merges and log2(lanes) - 2 plain halvings instead of
 * 4 * log2(lanes) halvings. Each row's lanes still add in exactly the halving order of
 * {@link Kernels}, so every row gets the single-row kernel's result to the bit.
 */
final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final int STRIDE = 4 * LANES;
    /** HALVINGS[j] brings lane l + lanes/2^(j+1) onto lane l: the fixed cross-lane order of {@link Kernels}. */
    private static final VectorShuffle<Float>[] HALVINGS = halvings();
    /*
     * A merge is one halving step (h) for two vectors x and y, each holding rows in blocks of 2h
     * lanes: counting lanes from the block's start, lane l < h gets x[l] + x[l + h] and lane l + h
     * gets y[l] + y[l + h], so the result holds twice as many rows in blocks of h lanes, lower
     * lane first as in sumLanes:
     *     x.blend(y.rearrange(UP), UPPER).add(x.rearrange(DOWN).blend(y, UPPER))
     * The multi-row kernels spell it out rather than call a helper: C2 stops inlining our own
     * methods once a kernel's graph is large, and a vector passed to a method it did not inline
     * is boxed on the heap (segment loads make the graphs large).
     */
    /** The merge of two single-row vectors (h = lanes/2): rows end up in the lower and upper halves. */
    private static final VectorShuffle<Float> HALVES_DOWN = VectorShuffle.iota(SPECIES, LANES / 2, 1, true);
    private static final VectorShuffle<Float> HALVES_UP = VectorShuffle.iota(SPECIES, LANES - LANES / 2, 1, true);
    private static final VectorMask<Float> HALVES_UPPER = upperBlocks(LANES / 2);
    /** The merge of two two-row vectors (h = lanes/4): x's rows end up in quarters 0 and 2, y's in 1 and 3. */
    private static final VectorShuffle<Float> QUARTERS_DOWN = VectorShuffle.iota(SPECIES, LANES / 4, 1, true);
    private static final VectorShuffle<Float> QUARTERS_UP = VectorShuffle.iota(SPECIES, LANES - LANES / 4, 1, true);
    private static final VectorMask<Float> QUARTERS_UPPER = upperBlocks(LANES / 4);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /**
     * The code kernels: ints of the preferred width accumulate, codes are loaded as bytes half
     * that width and widened to shorts of the full width (a product of two codes fits a short).
     */
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, INTS.vectorShape());
    private static final VectorSpecies<Byte> CODE_BYTES = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(INTS.vectorBitSize() / 2));
    /** Codes a step of the code kernels. */
    private static final int CODE_STEP = SHORTS.length();
    /**
     * Where the sums end up after the quarters merge of x and y and the halvings HALVINGS[2..]:
     * what was in the lower half of x in lane X_LOWER, and so on.
     */
    private static final int X_LOWER = 0;
    private static final int X_UPPER = LANES / 2;
    private static final int Y_LOWER = LANES / 4;
    private static final int Y_UPPER = 3 * LANES / 4;

    /** The multi-row reduction packs four results into one vector, so it needs at least 4 lanes. */
    static final int MIN_LANES = 4;

    /** The lanes this JVM's preferred species has; below {@link #MIN_LANES} these kernels cannot be used. */
    static int preferredLanes() {
        return LANES;
    }

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

    @Override
    public float dot(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            acc0 = load(query, queryOffset + i).fma(load(rows, rowOffset, i), acc0);
            acc1 = load(query, queryOffset + i + LANES).fma(load(rows, rowOffset, i + LANES), acc1);
            acc2 = load(query, queryOffset + i + 2 * LANES).fma(load(rows, rowOffset, i + 2 * LANES), acc2);
            acc3 = load(query, queryOffset + i + 3 * LANES).fma(load(rows, rowOffset, i + 3 * LANES), acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            acc0 = load(query, queryOffset + i).fma(load(rows, rowOffset, i), acc0);
        }
        return dotTail(query, queryOffset, rows, rowOffset, vectorized, dim, sumLanes(acc0.add(acc1).add(acc2.add(acc3))));
    }

    @Override
    public float squaredL2(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector d0 = load(query, queryOffset + i).sub(load(rows, rowOffset, i));
            FloatVector d1 = load(query, queryOffset + i + LANES).sub(load(rows, rowOffset, i + LANES));
            FloatVector d2 = load(query, queryOffset + i + 2 * LANES).sub(load(rows, rowOffset, i + 2 * LANES));
            FloatVector d3 = load(query, queryOffset + i + 3 * LANES).sub(load(rows, rowOffset, i + 3 * LANES));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector d = load(query, queryOffset + i).sub(load(rows, rowOffset, i));
            acc0 = d.fma(d, acc0);
        }
        return squaredL2Tail(query, queryOffset, rows, rowOffset, vectorized, dim, sumLanes(acc0.add(acc1).add(acc2.add(acc3))));
    }

    /** As the query-to-row kernel, element for element in the same order, with the first vector read where it is stored. */
    @Override
    public float dot(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            acc0 = load(a, aOffset, i).fma(load(rows, rowOffset, i), acc0);
            acc1 = load(a, aOffset, i + LANES).fma(load(rows, rowOffset, i + LANES), acc1);
            acc2 = load(a, aOffset, i + 2 * LANES).fma(load(rows, rowOffset, i + 2 * LANES), acc2);
            acc3 = load(a, aOffset, i + 3 * LANES).fma(load(rows, rowOffset, i + 3 * LANES), acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            acc0 = load(a, aOffset, i).fma(load(rows, rowOffset, i), acc0);
        }
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < dim; i++) {
            sum = Math.fma(element(a, aOffset, i), element(rows, rowOffset, i), sum);
        }
        return sum;
    }

    /** As the query-to-row kernel, element for element in the same order, with the first vector read where it is stored. */
    @Override
    public float squaredL2(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector d0 = load(a, aOffset, i).sub(load(rows, rowOffset, i));
            FloatVector d1 = load(a, aOffset, i + LANES).sub(load(rows, rowOffset, i + LANES));
            FloatVector d2 = load(a, aOffset, i + 2 * LANES).sub(load(rows, rowOffset, i + 2 * LANES));
            FloatVector d3 = load(a, aOffset, i + 3 * LANES).sub(load(rows, rowOffset, i + 3 * LANES));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector d = load(a, aOffset, i).sub(load(rows, rowOffset, i));
            acc0 = d.fma(d, acc0);
        }
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < dim; i++) {
            float d = element(a, aOffset, i) - element(rows, rowOffset, i);
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    @Override
    public float squaredNorm(MemorySegment rows, long rowOffset, int dim) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector v0 = load(rows, rowOffset, i);
            FloatVector v1 = load(rows, rowOffset, i + LANES);
            FloatVector v2 = load(rows, rowOffset, i + 2 * LANES);
            FloatVector v3 = load(rows, rowOffset, i + 3 * LANES);
            acc0 = v0.fma(v0, acc0);
            acc1 = v1.fma(v1, acc1);
            acc2 = v2.fma(v2, acc2);
            acc3 = v3.fma(v3, acc3);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector v = load(rows, rowOffset, i);
            acc0 = v.fma(v, acc0);
        }
        return squaredNormTail(rows, rowOffset, vectorized, dim, sumLanes(acc0.add(acc1).add(acc2.add(acc3))));
    }

    @Override
    public void dotTile(float[] panel, int panelOffset, int width, float[] rows, int rowsOffset, int dim, float[] out) {
        switch (width) {
            case 1 -> dotTile1(panel, panelOffset, rows, rowsOffset, dim, out);
            case 2 -> dotTile2(panel, panelOffset, rows, rowsOffset, dim, out);
            case 3 -> dotTile3(panel, panelOffset, rows, rowsOffset, dim, out);
            case 4 -> dotTile4(panel, panelOffset, rows, rowsOffset, dim, out);
            default -> throw new IllegalArgumentException("panel width " + width + " is not 1 to " + MAX_PANEL_WIDTH);
        }
    }

    /** {@link #dotTile} for a panel of 4 query vectors: 24 accumulators. */
    private static void dotTile4(float[] panel, int panelOffset, float[] rows, int rowsOffset, int dim, float[] out) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = FloatVector.zero(SPECIES);
        FloatVector a02 = FloatVector.zero(SPECIES);
        FloatVector a03 = FloatVector.zero(SPECIES);
        FloatVector a10 = FloatVector.zero(SPECIES);
        FloatVector a11 = FloatVector.zero(SPECIES);
        FloatVector a12 = FloatVector.zero(SPECIES);
        FloatVector a13 = FloatVector.zero(SPECIES);
        FloatVector a20 = FloatVector.zero(SPECIES);
        FloatVector a21 = FloatVector.zero(SPECIES);
        FloatVector a22 = FloatVector.zero(SPECIES);
        FloatVector a23 = FloatVector.zero(SPECIES);
        FloatVector a30 = FloatVector.zero(SPECIES);
        FloatVector a31 = FloatVector.zero(SPECIES);
        FloatVector a32 = FloatVector.zero(SPECIES);
        FloatVector a33 = FloatVector.zero(SPECIES);
        FloatVector a40 = FloatVector.zero(SPECIES);
        FloatVector a41 = FloatVector.zero(SPECIES);
        FloatVector a42 = FloatVector.zero(SPECIES);
        FloatVector a43 = FloatVector.zero(SPECIES);
        FloatVector a50 = FloatVector.zero(SPECIES);
        FloatVector a51 = FloatVector.zero(SPECIES);
        FloatVector a52 = FloatVector.zero(SPECIES);
        FloatVector a53 = FloatVector.zero(SPECIES);
        int r0 = rowsOffset;
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        for (int i = 0, p = panelOffset; i < dim; i++, p += 4 * LANES) {
            FloatVector q0 = FloatVector.fromArray(SPECIES, panel, p);
            FloatVector q1 = FloatVector.fromArray(SPECIES, panel, p + LANES);
            FloatVector q2 = FloatVector.fromArray(SPECIES, panel, p + 2 * LANES);
            FloatVector q3 = FloatVector.fromArray(SPECIES, panel, p + 3 * LANES);
            FloatVector b0 = FloatVector.broadcast(SPECIES, rows[r0 + i]);
            a00 = q0.fma(b0, a00);
            a01 = q1.fma(b0, a01);
            a02 = q2.fma(b0, a02);
            a03 = q3.fma(b0, a03);
            FloatVector b1 = FloatVector.broadcast(SPECIES, rows[r1 + i]);
            a10 = q0.fma(b1, a10);
            a11 = q1.fma(b1, a11);
            a12 = q2.fma(b1, a12);
            a13 = q3.fma(b1, a13);
            FloatVector b2 = FloatVector.broadcast(SPECIES, rows[r2 + i]);
            a20 = q0.fma(b2, a20);
            a21 = q1.fma(b2, a21);
            a22 = q2.fma(b2, a22);
            a23 = q3.fma(b2, a23);
            FloatVector b3 = FloatVector.broadcast(SPECIES, rows[r3 + i]);
            a30 = q0.fma(b3, a30);
            a31 = q1.fma(b3, a31);
            a32 = q2.fma(b3, a32);
            a33 = q3.fma(b3, a33);
            FloatVector b4 = FloatVector.broadcast(SPECIES, rows[r4 + i]);
            a40 = q0.fma(b4, a40);
            a41 = q1.fma(b4, a41);
            a42 = q2.fma(b4, a42);
            a43 = q3.fma(b4, a43);
            FloatVector b5 = FloatVector.broadcast(SPECIES, rows[r5 + i]);
            a50 = q0.fma(b5, a50);
            a51 = q1.fma(b5, a51);
            a52 = q2.fma(b5, a52);
            a53 = q3.fma(b5, a53);
        }
        a00.intoArray(out, 0);
        a01.intoArray(out, LANES);
        a02.intoArray(out, 2 * LANES);
        a03.intoArray(out, 3 * LANES);
        a10.intoArray(out, 4 * LANES);
        a11.intoArray(out, 5 * LANES);
        a12.intoArray(out, 6 * LANES);
        a13.intoArray(out, 7 * LANES);
        a20.intoArray(out, 8 * LANES);
        a21.intoArray(out, 9 * LANES);
        a22.intoArray(out, 10 * LANES);
        a23.intoArray(out, 11 * LANES);
        a30.intoArray(out, 12 * LANES);
        a31.intoArray(out, 13 * LANES);
        a32.intoArray(out, 14 * LANES);
        a33.intoArray(out, 15 * LANES);
        a40.intoArray(out, 16 * LANES);
        a41.intoArray(out, 17 * LANES);
        a42.intoArray(out, 18 * LANES);
        a43.intoArray(out, 19 * LANES);
        a50.intoArray(out, 20 * LANES);
        a51.intoArray(out, 21 * LANES);
        a52.intoArray(out, 22 * LANES);
        a53.intoArray(out, 23 * LANES);
    }

    /** {@link #dotTile} for a panel of 3 query vectors: 18 accumulators. */
    private static void dotTile3(float[] panel, int panelOffset, float[] rows, int rowsOffset, int dim, float[] out) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = FloatVector.zero(SPECIES);
        FloatVector a02 = FloatVector.zero(SPECIES);
        FloatVector a10 = FloatVector.zero(SPECIES);
        FloatVector a11 = FloatVector.zero(SPECIES);
        FloatVector a12 = FloatVector.zero(SPECIES);
        FloatVector a20 = FloatVector.zero(SPECIES);
        FloatVector a21 = FloatVector.zero(SPECIES);
        FloatVector a22 = FloatVector.zero(SPECIES);
        FloatVector a30 = FloatVector.zero(SPECIES);
        FloatVector a31 = FloatVector.zero(SPECIES);
        FloatVector a32 = FloatVector.zero(SPECIES);
        FloatVector a40 = FloatVector.zero(SPECIES);
        FloatVector a41 = FloatVector.zero(SPECIES);
        FloatVector a42 = FloatVector.zero(SPECIES);
        FloatVector a50 = FloatVector.zero(SPECIES);
        FloatVector a51 = FloatVector.zero(SPECIES);
        FloatVector a52 = FloatVector.zero(SPECIES);
        int r0 = rowsOffset;
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        for (int i = 0, p = panelOffset; i < dim; i++, p += 3 * LANES) {
            FloatVector q0 = FloatVector.fromArray(SPECIES, panel, p);
            FloatVector q1 = FloatVector.fromArray(SPECIES, panel, p + LANES);
            FloatVector q2 = FloatVector.fromArray(SPECIES, panel, p + 2 * LANES);
            FloatVector b0 = FloatVector.broadcast(SPECIES, rows[r0 + i]);
            a00 = q0.fma(b0, a00);
            a01 = q1.fma(b0, a01);
            a02 = q2.fma(b0, a02);
            FloatVector b1 = FloatVector.broadcast(SPECIES, rows[r1 + i]);
            a10 = q0.fma(b1, a10);
            a11 = q1.fma(b1, a11);
            a12 = q2.fma(b1, a12);
            FloatVector b2 = FloatVector.broadcast(SPECIES, rows[r2 + i]);
            a20 = q0.fma(b2, a20);
            a21 = q1.fma(b2, a21);
            a22 = q2.fma(b2, a22);
            FloatVector b3 = FloatVector.broadcast(SPECIES, rows[r3 + i]);
            a30 = q0.fma(b3, a30);
            a31 = q1.fma(b3, a31);
            a32 = q2.fma(b3, a32);
            FloatVector b4 = FloatVector.broadcast(SPECIES, rows[r4 + i]);
            a40 = q0.fma(b4, a40);
            a41 = q1.fma(b4, a41);
            a42 = q2.fma(b4, a42);
            FloatVector b5 = FloatVector.broadcast(SPECIES, rows[r5 + i]);
            a50 = q0.fma(b5, a50);
            a51 = q1.fma(b5, a51);
            a52 = q2.fma(b5, a52);
        }
        a00.intoArray(out, 0);
        a01.intoArray(out, LANES);
        a02.intoArray(out, 2 * LANES);
        a10.intoArray(out, 3 * LANES);
        a11.intoArray(out, 4 * LANES);
        a12.intoArray(out, 5 * LANES);
        a20.intoArray(out, 6 * LANES);
        a21.intoArray(out, 7 * LANES);
        a22.intoArray(out, 8 * LANES);
        a30.intoArray(out, 9 * LANES);
        a31.intoArray(out, 10 * LANES);
        a32.intoArray(out, 11 * LANES);
        a40.intoArray(out, 12 * LANES);
        a41.intoArray(out, 13 * LANES);
        a42.intoArray(out, 14 * LANES);
        a50.intoArray(out, 15 * LANES);
        a51.intoArray(out, 16 * LANES);
        a52.intoArray(out, 17 * LANES);
    }

    /** {@link #dotTile} for a panel of 2 query vectors: 12 accumulators. */
    private static void dotTile2(float[] panel, int panelOffset, float[] rows, int rowsOffset, int dim, float[] out) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = FloatVector.zero(SPECIES);
        FloatVector a10 = FloatVector.zero(SPECIES);
        FloatVector a11 = FloatVector.zero(SPECIES);
        FloatVector a20 = FloatVector.zero(SPECIES);
        FloatVector a21 = FloatVector.zero(SPECIES);
        FloatVector a30 = FloatVector.zero(SPECIES);
        FloatVector a31 = FloatVector.zero(SPECIES);
        FloatVector a40 = FloatVector.zero(SPECIES);
        FloatVector a41 = FloatVector.zero(SPECIES);
        FloatVector a50 = FloatVector.zero(SPECIES);
        FloatVector a51 = FloatVector.zero(SPECIES);
        int r0 = rowsOffset;
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        for (int i = 0, p = panelOffset; i < dim; i++, p += 2 * LANES) {
            FloatVector q0 = FloatVector.fromArray(SPECIES, panel, p);
            FloatVector q1 = FloatVector.fromArray(SPECIES, panel, p + LANES);
            FloatVector b0 = FloatVector.broadcast(SPECIES, rows[r0 + i]);
            a00 = q0.fma(b0, a00);
            a01 = q1.fma(b0, a01);
            FloatVector b1 = FloatVector.broadcast(SPECIES, rows[r1 + i]);
            a10 = q0.fma(b1, a10);
            a11 = q1.fma(b1, a11);
            FloatVector b2 = FloatVector.broadcast(SPECIES, rows[r2 + i]);
            a20 = q0.fma(b2, a20);
            a21 = q1.fma(b2, a21);
            FloatVector b3 = FloatVector.broadcast(SPECIES, rows[r3 + i]);
            a30 = q0.fma(b3, a30);
            a31 = q1.fma(b3, a31);
            FloatVector b4 = FloatVector.broadcast(SPECIES, rows[r4 + i]);
            a40 = q0.fma(b4, a40);
            a41 = q1.fma(b4, a41);
            FloatVector b5 = FloatVector.broadcast(SPECIES, rows[r5 + i]);
            a50 = q0.fma(b5, a50);
            a51 = q1.fma(b5, a51);
        }
        a00.intoArray(out, 0);
        a01.intoArray(out, LANES);
        a10.intoArray(out, 2 * LANES);
        a11.intoArray(out, 3 * LANES);
        a20.intoArray(out, 4 * LANES);
        a21.intoArray(out, 5 * LANES);
        a30.intoArray(out, 6 * LANES);
        a31.intoArray(out, 7 * LANES);
        a40.intoArray(out, 8 * LANES);
        a41.intoArray(out, 9 * LANES);
        a50.intoArray(out, 10 * LANES);
        a51.intoArray(out, 11 * LANES);
    }

    /** {@link #dotTile} for a panel of 1 query vector: 6 accumulators. */
    private static void dotTile1(float[] panel, int panelOffset, float[] rows, int rowsOffset, int dim, float[] out) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a10 = FloatVector.zero(SPECIES);
        FloatVector a20 = FloatVector.zero(SPECIES);
        FloatVector a30 = FloatVector.zero(SPECIES);
        FloatVector a40 = FloatVector.zero(SPECIES);
        FloatVector a50 = FloatVector.zero(SPECIES);
        int r0 = rowsOffset;
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        for (int i = 0, p = panelOffset; i < dim; i++, p += LANES) {
            FloatVector q0 = FloatVector.fromArray(SPECIES, panel, p);
            FloatVector b0 = FloatVector.broadcast(SPECIES, rows[r0 + i]);
            a00 = q0.fma(b0, a00);
            FloatVector b1 = FloatVector.broadcast(SPECIES, rows[r1 + i]);
            a10 = q0.fma(b1, a10);
            FloatVector b2 = FloatVector.broadcast(SPECIES, rows[r2 + i]);
            a20 = q0.fma(b2, a20);
            FloatVector b3 = FloatVector.broadcast(SPECIES, rows[r3 + i]);
            a30 = q0.fma(b3, a30);
            FloatVector b4 = FloatVector.broadcast(SPECIES, rows[r4 + i]);
            a40 = q0.fma(b4, a40);
            FloatVector b5 = FloatVector.broadcast(SPECIES, rows[r5 + i]);
            a50 = q0.fma(b5, a50);
        }
        a00.intoArray(out, 0);
        a10.intoArray(out, LANES);
        a20.intoArray(out, 2 * LANES);
        a30.intoArray(out, 3 * LANES);
        a40.intoArray(out, 4 * LANES);
        a50.intoArray(out, 5 * LANES);
    }

    /**
     * Per query vector (its scales, shifts and limits loaded once) and tile row, the candidate
     * test on {@code lanes} queries at once; the lanes that pass (rare once the limits have
     * settled) are listed from the mask's bits.
     */
    @Override
    public int selectTile(float[] tile, int width, int rowCount, float[] queryScale, float[] queryShift, float[] limit, int queryOffset,
                          float[] rowScale, float[] rowShift, int rowOffset, int[] passed) {
        int columns = width * LANES;
        int n = 0;
        for (int m = 0; m < columns; m += LANES) {
            int q = queryOffset + m;
            FloatVector scales = FloatVector.fromArray(SPECIES, queryScale, q);
            FloatVector shifts = FloatVector.fromArray(SPECIES, queryShift, q);
            FloatVector limits = FloatVector.fromArray(SPECIES, limit, q);
            for (int t = 0; t < rowCount; t++) {
                int at = t * columns + m;
                FloatVector keys = FloatVector.fromArray(SPECIES, tile, at)
                        .fma(scales.mul(rowScale[rowOffset + t]), shifts.add(rowShift[rowOffset + t]));
                long bits = keys.compare(VectorOperators.LE, limits).toLong();
                while (bits != 0) {
                    passed[n++] = at + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                }
            }
        }
        return n;
    }

    /**
     * Rows two at a time, r and r + count/2: the pairs walk two sequential streams, which the
     * hardware prefetchers follow far better than two adjacent rows (a new stream every pair).
     * Every second pair merges with the one before (three merges per four rows). The body stays
     * in this one method because a vector passed between methods C2 does not inline is boxed;
     * the scalar tails are calls C2 may not inline either, so they are skipped when empty.
     */
    @Override
    public void squaredL2Rows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out) {
        int strided = dim - dim % STRIDE;
        int vectorized = dim - dim % LANES;
        long rowBytes = (long) dim * Float.BYTES;
        FloatVector previousPair = FloatVector.zero(SPECIES);
        int pairs = count / 2;
        for (int r = 0; r < pairs; r++) {
            long row0 = rowsOffset + r * rowBytes;
            long row1 = row0 + pairs * rowBytes;
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
                FloatVector q0 = FloatVector.fromArray(SPECIES, query, queryOffset + i);
                FloatVector q1 = FloatVector.fromArray(SPECIES, query, queryOffset + i + LANES);
                FloatVector q2 = FloatVector.fromArray(SPECIES, query, queryOffset + i + 2 * LANES);
                FloatVector q3 = FloatVector.fromArray(SPECIES, query, queryOffset + i + 3 * LANES);
                FloatVector d00 = q0.sub(FloatVector.fromMemorySegment(SPECIES, rows, row0 + i * 4L, LE));
                FloatVector d01 = q1.sub(FloatVector.fromMemorySegment(SPECIES, rows, row0 + (i + LANES) * 4L, LE));
                FloatVector d02 = q2.sub(FloatVector.fromMemorySegment(SPECIES, rows, row0 + (i + 2 * LANES) * 4L, LE));
                FloatVector d03 = q3.sub(FloatVector.fromMemorySegment(SPECIES, rows, row0 + (i + 3 * LANES) * 4L, LE));
                FloatVector d10 = q0.sub(FloatVector.fromMemorySegment(SPECIES, rows, row1 + i * 4L, LE));
                FloatVector d11 = q1.sub(FloatVector.fromMemorySegment(SPECIES, rows, row1 + (i + LANES) * 4L, LE));
                FloatVector d12 = q2.sub(FloatVector.fromMemorySegment(SPECIES, rows, row1 + (i + 2 * LANES) * 4L, LE));
                FloatVector d13 = q3.sub(FloatVector.fromMemorySegment(SPECIES, rows, row1 + (i + 3 * LANES) * 4L, LE));
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
                FloatVector q = FloatVector.fromArray(SPECIES, query, queryOffset + i);
                FloatVector d0 = q.sub(FloatVector.fromMemorySegment(SPECIES, rows, row0 + i * 4L, LE));
                FloatVector d1 = q.sub(FloatVector.fromMemorySegment(SPECIES, rows, row1 + i * 4L, LE));
                acc00 = d0.fma(d0, acc00);
                acc10 = d1.fma(d1, acc10);
            }
            FloatVector x = acc00.add(acc01).add(acc02.add(acc03));
            FloatVector y = acc10.add(acc11).add(acc12.add(acc13));
            FloatVector pair = x.blend(y.rearrange(HALVES_UP), HALVES_UPPER).add(x.rearrange(HALVES_DOWN).blend(y, HALVES_UPPER));
            if (r % 2 == 0 && r + 2 <= pairs) {
                previousPair = pair;
                continue;
            }
            boolean partnered = r % 2 == 1;
            FloatVector first = partnered ? previousPair : pair;
            FloatVector sums = first.blend(pair.rearrange(QUARTERS_UP), QUARTERS_UPPER)
                    .add(first.rearrange(QUARTERS_DOWN).blend(pair, QUARTERS_UPPER));
            for (int h = 2; h < HALVINGS.length; h++) {
                sums = sums.add(sums.rearrange(HALVINGS[h]));
            }
            out[r] = vectorized == dim ? sums.lane(Y_LOWER)
                    : squaredL2Tail(query, queryOffset, rows, row0, vectorized, dim, sums.lane(Y_LOWER));
            out[r + pairs] = vectorized == dim ? sums.lane(Y_UPPER)
                    : squaredL2Tail(query, queryOffset, rows, row1, vectorized, dim, sums.lane(Y_UPPER));
            if (partnered) {
                out[r - 1] = vectorized == dim ? sums.lane(X_LOWER)
                        : squaredL2Tail(query, queryOffset, rows, row0 - rowBytes, vectorized, dim, sums.lane(X_LOWER));
                out[r - 1 + pairs] = vectorized == dim ? sums.lane(X_UPPER)
                        : squaredL2Tail(query, queryOffset, rows, row1 - rowBytes, vectorized, dim, sums.lane(X_UPPER));
            }
        }
        if (count % 2 == 1) {
            out[count - 1] = squaredL2(query, queryOffset, rows, rowsOffset + (count - 1) * rowBytes, dim);
        }
    }

    /** As {@link #squaredL2Rows}, with the dot product's arithmetic. */
    @Override
    public void dotRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out) {
        int strided = dim - dim % STRIDE;
        int vectorized = dim - dim % LANES;
        long rowBytes = (long) dim * Float.BYTES;
        FloatVector previousPair = FloatVector.zero(SPECIES);
        int pairs = count / 2;
        for (int r = 0; r < pairs; r++) {
            long row0 = rowsOffset + r * rowBytes;
            long row1 = row0 + pairs * rowBytes;
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
                FloatVector q0 = FloatVector.fromArray(SPECIES, query, queryOffset + i);
                FloatVector q1 = FloatVector.fromArray(SPECIES, query, queryOffset + i + LANES);
                FloatVector q2 = FloatVector.fromArray(SPECIES, query, queryOffset + i + 2 * LANES);
                FloatVector q3 = FloatVector.fromArray(SPECIES, query, queryOffset + i + 3 * LANES);
                acc00 = q0.fma(FloatVector.fromMemorySegment(SPECIES, rows, row0 + i * 4L, LE), acc00);
                acc01 = q1.fma(FloatVector.fromMemorySegment(SPECIES, rows, row0 + (i + LANES) * 4L, LE), acc01);
                acc02 = q2.fma(FloatVector.fromMemorySegment(SPECIES, rows, row0 + (i + 2 * LANES) * 4L, LE), acc02);
                acc03 = q3.fma(FloatVector.fromMemorySegment(SPECIES, rows, row0 + (i + 3 * LANES) * 4L, LE), acc03);
                acc10 = q0.fma(FloatVector.fromMemorySegment(SPECIES, rows, row1 + i * 4L, LE), acc10);
                acc11 = q1.fma(FloatVector.fromMemorySegment(SPECIES, rows, row1 + (i + LANES) * 4L, LE), acc11);
                acc12 = q2.fma(FloatVector.fromMemorySegment(SPECIES, rows, row1 + (i + 2 * LANES) * 4L, LE), acc12);
                acc13 = q3.fma(FloatVector.fromMemorySegment(SPECIES, rows, row1 + (i + 3 * LANES) * 4L, LE), acc13);
            }
            for (; i < vectorized; i += LANES) {
                FloatVector q = FloatVector.fromArray(SPECIES, query, queryOffset + i);
                acc00 = q.fma(FloatVector.fromMemorySegment(SPECIES, rows, row0 + i * 4L, LE), acc00);
                acc10 = q.fma(FloatVector.fromMemorySegment(SPECIES, rows, row1 + i * 4L, LE), acc10);
            }
            FloatVector x = acc00.add(acc01).add(acc02.add(acc03));
            FloatVector y = acc10.add(acc11).add(acc12.add(acc13));
            FloatVector pair = x.blend(y.rearrange(HALVES_UP), HALVES_UPPER).add(x.rearrange(HALVES_DOWN).blend(y, HALVES_UPPER));
            if (r % 2 == 0 && r + 2 <= pairs) {
                previousPair = pair;
                continue;
            }
            boolean partnered = r % 2 == 1;
            FloatVector first = partnered ? previousPair : pair;
            FloatVector sums = first.blend(pair.rearrange(QUARTERS_UP), QUARTERS_UPPER)
                    .add(first.rearrange(QUARTERS_DOWN).blend(pair, QUARTERS_UPPER));
            for (int h = 2; h < HALVINGS.length; h++) {
                sums = sums.add(sums.rearrange(HALVINGS[h]));
            }
            out[r] = vectorized == dim ? sums.lane(Y_LOWER)
                    : dotTail(query, queryOffset, rows, row0, vectorized, dim, sums.lane(Y_LOWER));
            out[r + pairs] = vectorized == dim ? sums.lane(Y_UPPER)
                    : dotTail(query, queryOffset, rows, row1, vectorized, dim, sums.lane(Y_UPPER));
            if (partnered) {
                out[r - 1] = vectorized == dim ? sums.lane(X_LOWER)
                        : dotTail(query, queryOffset, rows, row0 - rowBytes, vectorized, dim, sums.lane(X_LOWER));
                out[r - 1 + pairs] = vectorized == dim ? sums.lane(X_UPPER)
                        : dotTail(query, queryOffset, rows, row1 - rowBytes, vectorized, dim, sums.lane(X_UPPER));
            }
        }
        if (count % 2 == 1) {
            out[count - 1] = dot(query, queryOffset, rows, rowsOffset + (count - 1) * rowBytes, dim);
        }
    }

    /**
     * One row at a time with eight chains, its dot and its norm from the same loads, merged into
     * one vector (dot in the lower half); rows alternate between r and r + count/2, two
     * sequential streams as in {@link #squaredL2Rows}, and each merges with the one before.
     */
    @Override
    public void dotAndSquaredNormRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count,
                                      float[] dots, float[] squaredNorms) {
        int strided = dim - dim % STRIDE;
        int vectorized = dim - dim % LANES;
        long rowBytes = (long) dim * Float.BYTES;
        FloatVector previousRow = FloatVector.zero(SPECIES);
        int pairs = count / 2;
        for (int j = 0; j < count; j++) {
            int r = j < 2 * pairs ? j / 2 + j % 2 * pairs : j;
            long row = rowsOffset + r * rowBytes;
            FloatVector dot0 = FloatVector.zero(SPECIES);
            FloatVector dot1 = FloatVector.zero(SPECIES);
            FloatVector dot2 = FloatVector.zero(SPECIES);
            FloatVector dot3 = FloatVector.zero(SPECIES);
            FloatVector norm0 = FloatVector.zero(SPECIES);
            FloatVector norm1 = FloatVector.zero(SPECIES);
            FloatVector norm2 = FloatVector.zero(SPECIES);
            FloatVector norm3 = FloatVector.zero(SPECIES);
            int i = 0;
            for (; i < strided; i += STRIDE) {
                FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, rows, row + i * 4L, LE);
                FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, rows, row + (i + LANES) * 4L, LE);
                FloatVector v2 = FloatVector.fromMemorySegment(SPECIES, rows, row + (i + 2 * LANES) * 4L, LE);
                FloatVector v3 = FloatVector.fromMemorySegment(SPECIES, rows, row + (i + 3 * LANES) * 4L, LE);
                dot0 = FloatVector.fromArray(SPECIES, query, queryOffset + i).fma(v0, dot0);
                dot1 = FloatVector.fromArray(SPECIES, query, queryOffset + i + LANES).fma(v1, dot1);
                dot2 = FloatVector.fromArray(SPECIES, query, queryOffset + i + 2 * LANES).fma(v2, dot2);
                dot3 = FloatVector.fromArray(SPECIES, query, queryOffset + i + 3 * LANES).fma(v3, dot3);
                norm0 = v0.fma(v0, norm0);
                norm1 = v1.fma(v1, norm1);
                norm2 = v2.fma(v2, norm2);
                norm3 = v3.fma(v3, norm3);
            }
            for (; i < vectorized; i += LANES) {
                FloatVector v = FloatVector.fromMemorySegment(SPECIES, rows, row + i * 4L, LE);
                dot0 = FloatVector.fromArray(SPECIES, query, queryOffset + i).fma(v, dot0);
                norm0 = v.fma(v, norm0);
            }
            FloatVector x = dot0.add(dot1).add(dot2.add(dot3));
            FloatVector y = norm0.add(norm1).add(norm2.add(norm3));
            FloatVector both = x.blend(y.rearrange(HALVES_UP), HALVES_UPPER).add(x.rearrange(HALVES_DOWN).blend(y, HALVES_UPPER));
            if (j % 2 == 0 && j + 1 < count) {
                previousRow = both;
                continue;
            }
            boolean partnered = j % 2 == 1;
            FloatVector first = partnered ? previousRow : both;
            FloatVector sums = first.blend(both.rearrange(QUARTERS_UP), QUARTERS_UPPER)
                    .add(first.rearrange(QUARTERS_DOWN).blend(both, QUARTERS_UPPER));
            for (int h = 2; h < HALVINGS.length; h++) {
                sums = sums.add(sums.rearrange(HALVINGS[h]));
            }
            dots[r] = vectorized == dim ? sums.lane(Y_LOWER)
                    : dotTail(query, queryOffset, rows, row, vectorized, dim, sums.lane(Y_LOWER));
            squaredNorms[r] = vectorized == dim ? sums.lane(Y_UPPER)
                    : squaredNormTail(rows, row, vectorized, dim, sums.lane(Y_UPPER));
            if (partnered) {
                long partner = row - pairs * rowBytes;
                dots[r - pairs] = vectorized == dim ? sums.lane(X_LOWER)
                        : dotTail(query, queryOffset, rows, partner, vectorized, dim, sums.lane(X_LOWER));
                squaredNorms[r - pairs] = vectorized == dim ? sums.lane(X_UPPER)
                        : squaredNormTail(rows, partner, vectorized, dim, sums.lane(X_UPPER));
            }
        }
    }

    /**
     * Three rows, each with the single-row kernel's four accumulators (twelve registers, so all
     * stay in registers on AVX2's sixteen; a fourth row would spill them), and the single-row
     * reduction done as {@link #squaredL2Rows} does it for two pairs, the fourth row a zero.
     */
    @Override
    public void squaredL2Three(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1, long offset1,
                               MemorySegment rows2, long offset2, int dim, float[] out) {
        FloatVector acc00 = FloatVector.zero(SPECIES);
        FloatVector acc01 = FloatVector.zero(SPECIES);
        FloatVector acc02 = FloatVector.zero(SPECIES);
        FloatVector acc03 = FloatVector.zero(SPECIES);
        FloatVector acc10 = FloatVector.zero(SPECIES);
        FloatVector acc11 = FloatVector.zero(SPECIES);
        FloatVector acc12 = FloatVector.zero(SPECIES);
        FloatVector acc13 = FloatVector.zero(SPECIES);
        FloatVector acc20 = FloatVector.zero(SPECIES);
        FloatVector acc21 = FloatVector.zero(SPECIES);
        FloatVector acc22 = FloatVector.zero(SPECIES);
        FloatVector acc23 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector q0 = load(query, queryOffset + i);
            FloatVector d00 = q0.sub(load(rows0, offset0, i));
            FloatVector d10 = q0.sub(load(rows1, offset1, i));
            FloatVector d20 = q0.sub(load(rows2, offset2, i));
            acc00 = d00.fma(d00, acc00);
            acc10 = d10.fma(d10, acc10);
            acc20 = d20.fma(d20, acc20);
            FloatVector q1 = load(query, queryOffset + i + LANES);
            FloatVector d01 = q1.sub(load(rows0, offset0, i + LANES));
            FloatVector d11 = q1.sub(load(rows1, offset1, i + LANES));
            FloatVector d21 = q1.sub(load(rows2, offset2, i + LANES));
            acc01 = d01.fma(d01, acc01);
            acc11 = d11.fma(d11, acc11);
            acc21 = d21.fma(d21, acc21);
            FloatVector q2 = load(query, queryOffset + i + 2 * LANES);
            FloatVector d02 = q2.sub(load(rows0, offset0, i + 2 * LANES));
            FloatVector d12 = q2.sub(load(rows1, offset1, i + 2 * LANES));
            FloatVector d22 = q2.sub(load(rows2, offset2, i + 2 * LANES));
            acc02 = d02.fma(d02, acc02);
            acc12 = d12.fma(d12, acc12);
            acc22 = d22.fma(d22, acc22);
            FloatVector q3 = load(query, queryOffset + i + 3 * LANES);
            FloatVector d03 = q3.sub(load(rows0, offset0, i + 3 * LANES));
            FloatVector d13 = q3.sub(load(rows1, offset1, i + 3 * LANES));
            FloatVector d23 = q3.sub(load(rows2, offset2, i + 3 * LANES));
            acc03 = d03.fma(d03, acc03);
            acc13 = d13.fma(d13, acc13);
            acc23 = d23.fma(d23, acc23);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector q = load(query, queryOffset + i);
            FloatVector d0 = q.sub(load(rows0, offset0, i));
            FloatVector d1 = q.sub(load(rows1, offset1, i));
            FloatVector d2 = q.sub(load(rows2, offset2, i));
            acc00 = d0.fma(d0, acc00);
            acc10 = d1.fma(d1, acc10);
            acc20 = d2.fma(d2, acc20);
        }
        FloatVector x = acc00.add(acc01).add(acc02.add(acc03));
        FloatVector y = acc10.add(acc11).add(acc12.add(acc13));
        FloatVector z = acc20.add(acc21).add(acc22.add(acc23));
        FloatVector none = FloatVector.zero(SPECIES);
        FloatVector first = x.blend(y.rearrange(HALVES_UP), HALVES_UPPER).add(x.rearrange(HALVES_DOWN).blend(y, HALVES_UPPER));
        // The merge of z with a zero row: its upper half's lanes are zeros to begin with.
        FloatVector second = z.blend(none, HALVES_UPPER).add(z.rearrange(HALVES_DOWN).blend(none, HALVES_UPPER));
        FloatVector sums = first.blend(second.rearrange(QUARTERS_UP), QUARTERS_UPPER)
                .add(first.rearrange(QUARTERS_DOWN).blend(second, QUARTERS_UPPER));
        for (int h = 2; h < HALVINGS.length; h++) {
            sums = sums.add(sums.rearrange(HALVINGS[h]));
        }
        out[0] = vectorized == dim ? sums.lane(X_LOWER) : squaredL2Tail(query, queryOffset, rows0, offset0, vectorized, dim, sums.lane(X_LOWER));
        out[1] = vectorized == dim ? sums.lane(X_UPPER) : squaredL2Tail(query, queryOffset, rows1, offset1, vectorized, dim, sums.lane(X_UPPER));
        out[2] = vectorized == dim ? sums.lane(Y_LOWER) : squaredL2Tail(query, queryOffset, rows2, offset2, vectorized, dim, sums.lane(Y_LOWER));
    }

    /** As {@link #squaredL2Three}, with the single-row dot kernel's chains. */
    @Override
    public void dotThree(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1, long offset1,
                         MemorySegment rows2, long offset2, int dim, float[] out) {
        FloatVector acc00 = FloatVector.zero(SPECIES);
        FloatVector acc01 = FloatVector.zero(SPECIES);
        FloatVector acc02 = FloatVector.zero(SPECIES);
        FloatVector acc03 = FloatVector.zero(SPECIES);
        FloatVector acc10 = FloatVector.zero(SPECIES);
        FloatVector acc11 = FloatVector.zero(SPECIES);
        FloatVector acc12 = FloatVector.zero(SPECIES);
        FloatVector acc13 = FloatVector.zero(SPECIES);
        FloatVector acc20 = FloatVector.zero(SPECIES);
        FloatVector acc21 = FloatVector.zero(SPECIES);
        FloatVector acc22 = FloatVector.zero(SPECIES);
        FloatVector acc23 = FloatVector.zero(SPECIES);
        int strided = dim - dim % STRIDE;
        int i = 0;
        for (; i < strided; i += STRIDE) {
            FloatVector q0 = load(query, queryOffset + i);
            acc00 = q0.fma(load(rows0, offset0, i), acc00);
            acc10 = q0.fma(load(rows1, offset1, i), acc10);
            acc20 = q0.fma(load(rows2, offset2, i), acc20);
            FloatVector q1 = load(query, queryOffset + i + LANES);
            acc01 = q1.fma(load(rows0, offset0, i + LANES), acc01);
            acc11 = q1.fma(load(rows1, offset1, i + LANES), acc11);
            acc21 = q1.fma(load(rows2, offset2, i + LANES), acc21);
            FloatVector q2 = load(query, queryOffset + i + 2 * LANES);
            acc02 = q2.fma(load(rows0, offset0, i + 2 * LANES), acc02);
            acc12 = q2.fma(load(rows1, offset1, i + 2 * LANES), acc12);
            acc22 = q2.fma(load(rows2, offset2, i + 2 * LANES), acc22);
            FloatVector q3 = load(query, queryOffset + i + 3 * LANES);
            acc03 = q3.fma(load(rows0, offset0, i + 3 * LANES), acc03);
            acc13 = q3.fma(load(rows1, offset1, i + 3 * LANES), acc13);
            acc23 = q3.fma(load(rows2, offset2, i + 3 * LANES), acc23);
        }
        int vectorized = dim - dim % LANES;
        for (; i < vectorized; i += LANES) {
            FloatVector q = load(query, queryOffset + i);
            acc00 = q.fma(load(rows0, offset0, i), acc00);
            acc10 = q.fma(load(rows1, offset1, i), acc10);
            acc20 = q.fma(load(rows2, offset2, i), acc20);
        }
        FloatVector x = acc00.add(acc01).add(acc02.add(acc03));
        FloatVector y = acc10.add(acc11).add(acc12.add(acc13));
        FloatVector z = acc20.add(acc21).add(acc22.add(acc23));
        FloatVector none = FloatVector.zero(SPECIES);
        FloatVector first = x.blend(y.rearrange(HALVES_UP), HALVES_UPPER).add(x.rearrange(HALVES_DOWN).blend(y, HALVES_UPPER));
        // The merge of z with a zero row: its upper half's lanes are zeros to begin with.
        FloatVector second = z.blend(none, HALVES_UPPER).add(z.rearrange(HALVES_DOWN).blend(none, HALVES_UPPER));
        FloatVector sums = first.blend(second.rearrange(QUARTERS_UP), QUARTERS_UPPER)
                .add(first.rearrange(QUARTERS_DOWN).blend(second, QUARTERS_UPPER));
        for (int h = 2; h < HALVINGS.length; h++) {
            sums = sums.add(sums.rearrange(HALVINGS[h]));
        }
        out[0] = vectorized == dim ? sums.lane(X_LOWER) : dotTail(query, queryOffset, rows0, offset0, vectorized, dim, sums.lane(X_LOWER));
        out[1] = vectorized == dim ? sums.lane(X_UPPER) : dotTail(query, queryOffset, rows1, offset1, vectorized, dim, sums.lane(X_UPPER));
        out[2] = vectorized == dim ? sums.lane(Y_LOWER) : dotTail(query, queryOffset, rows2, offset2, vectorized, dim, sums.lane(Y_LOWER));
    }

    /** The scalar tail of {@link #squaredL2}: elements [vectorized, dim) onto the lane sum. */
    private static float squaredL2Tail(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int vectorized, int dim,
                                       float laneSum) {
        float sum = laneSum;
        for (int i = vectorized; i < dim; i++) {
            float d = query[queryOffset + i] - element(rows, rowOffset, i);
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    /** The scalar tail of {@link #dot}: elements [vectorized, dim) onto the lane sum. */
    private static float dotTail(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int vectorized, int dim, float laneSum) {
        float sum = laneSum;
        for (int i = vectorized; i < dim; i++) {
            sum = Math.fma(query[queryOffset + i], element(rows, rowOffset, i), sum);
        }
        return sum;
    }

    /** The scalar tail of {@link #squaredNorm}: elements [vectorized, dim) onto the lane sum. */
    private static float squaredNormTail(MemorySegment rows, long rowOffset, int vectorized, int dim, float laneSum) {
        float sum = laneSum;
        for (int i = vectorized; i < dim; i++) {
            float v = element(rows, rowOffset, i);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    /** The lanes l with bit h set: the upper half of every block of 2h lanes. */
    private static VectorMask<Float> upperBlocks(int h) {
        boolean[] upper = new boolean[LANES];
        for (int lane = 0; lane < LANES; lane++) {
            upper[lane] = (lane & h) != 0;
        }
        return VectorMask.fromArray(SPECIES, upper, 0);
    }

    private static FloatVector load(float[] array, int offset) {
        return FloatVector.fromArray(SPECIES, array, offset);
    }

    // The code kernels take two steps of codes at a time: two products of codes (each at most
    // 127^2 in size) still fit a 16-bit lane once added, and the sum is widened to ints by reading
    // each pair of shorts as one int (and, shift, add), which costs less than converting shapes.
    // The query comes widened to shorts already. What is left after the last pair of steps is
    // added one code at a time: one more vector step for it cost more than the whole loop
    // (throwaway probe, three rows in cache: 64-198 ns a row at 784 dimensions, 40-44 at 768
    // without it), and int8 rows are padded so that nothing is left (ScalarCodes).

    @Override
    public int squaredDistanceCodes(short[] query, byte[] codes, int offset, int dim) {
        IntVector sum = IntVector.zero(INTS);
        int i = 0;
        for (; i <= dim - 2 * CODE_STEP; i += 2 * CODE_STEP) {
            int j = i + CODE_STEP;
            ShortVector d = queryCodes(query, i).sub(codes(codes, offset + i));
            ShortVector e = queryCodes(query, j).sub(codes(codes, offset + j));
            sum = addNonNegative(sum, d.mul(d).add(e.mul(e)));
        }
        int result = sum.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            int d = query[i] - codes[offset + i];
            result += d * d;
        }
        return result;
    }

    @Override
    public int dotCodes(short[] query, byte[] codes, int offset, int dim) {
        IntVector sum = IntVector.zero(INTS);
        int i = 0;
        for (; i <= dim - 2 * CODE_STEP; i += 2 * CODE_STEP) {
            int j = i + CODE_STEP;
            sum = addSigned(sum, queryCodes(query, i).mul(codes(codes, offset + i))
                    .add(queryCodes(query, j).mul(codes(codes, offset + j))));
        }
        int result = sum.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            result += query[i] * codes[offset + i];
        }
        return result;
    }

    @Override
    public void squaredDistanceCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2,
                                          int offset2, int dim, int[] out) {
        IntVector sum0 = IntVector.zero(INTS);
        IntVector sum1 = IntVector.zero(INTS);
        IntVector sum2 = IntVector.zero(INTS);
        int i = 0;
        for (; i <= dim - 2 * CODE_STEP; i += 2 * CODE_STEP) {
            int j = i + CODE_STEP;
            ShortVector q = queryCodes(query, i);
            ShortVector r = queryCodes(query, j);
            ShortVector d0 = q.sub(codes(codes0, offset0 + i));
            ShortVector d1 = q.sub(codes(codes1, offset1 + i));
            ShortVector d2 = q.sub(codes(codes2, offset2 + i));
            ShortVector e0 = r.sub(codes(codes0, offset0 + j));
            ShortVector e1 = r.sub(codes(codes1, offset1 + j));
            ShortVector e2 = r.sub(codes(codes2, offset2 + j));
            sum0 = addNonNegative(sum0, d0.mul(d0).add(e0.mul(e0)));
            sum1 = addNonNegative(sum1, d1.mul(d1).add(e1.mul(e1)));
            sum2 = addNonNegative(sum2, d2.mul(d2).add(e2.mul(e2)));
        }
        int result0 = sum0.reduceLanes(VectorOperators.ADD);
        int result1 = sum1.reduceLanes(VectorOperators.ADD);
        int result2 = sum2.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            int d0 = query[i] - codes0[offset0 + i];
            int d1 = query[i] - codes1[offset1 + i];
            int d2 = query[i] - codes2[offset2 + i];
            result0 += d0 * d0;
            result1 += d1 * d1;
            result2 += d2 * d2;
        }
        out[0] = result0;
        out[1] = result1;
        out[2] = result2;
    }

    @Override
    public void dotCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2, int offset2,
                              int dim, int[] out) {
        IntVector sum0 = IntVector.zero(INTS);
        IntVector sum1 = IntVector.zero(INTS);
        IntVector sum2 = IntVector.zero(INTS);
        int i = 0;
        for (; i <= dim - 2 * CODE_STEP; i += 2 * CODE_STEP) {
            int j = i + CODE_STEP;
            ShortVector q = queryCodes(query, i);
            ShortVector r = queryCodes(query, j);
            sum0 = addSigned(sum0, q.mul(codes(codes0, offset0 + i)).add(r.mul(codes(codes0, offset0 + j))));
            sum1 = addSigned(sum1, q.mul(codes(codes1, offset1 + i)).add(r.mul(codes(codes1, offset1 + j))));
            sum2 = addSigned(sum2, q.mul(codes(codes2, offset2 + i)).add(r.mul(codes(codes2, offset2 + j))));
        }
        int result0 = sum0.reduceLanes(VectorOperators.ADD);
        int result1 = sum1.reduceLanes(VectorOperators.ADD);
        int result2 = sum2.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            result0 += query[i] * codes0[offset0 + i];
            result1 += query[i] * codes1[offset1 + i];
            result2 += query[i] * codes2[offset2 + i];
        }
        out[0] = result0;
        out[1] = result1;
        out[2] = result2;
    }

    /** CODE_STEP query codes from {@code offset}. */
    private static ShortVector queryCodes(short[] query, int offset) {
        return ShortVector.fromArray(SHORTS, query, offset);
    }

    /** CODE_STEP codes from {@code offset}, widened to shorts (whose products of two codes cannot overflow). */
    private static ShortVector codes(byte[] codes, int offset) {
        return (ShortVector) ByteVector.fromArray(CODE_BYTES, codes, offset).convertShape(VectorOperators.B2S, SHORTS, 0);
    }

    /** {@code sum} plus every lane of {@code shorts}, each 0 to 32,767: a pair of lanes read as one int is low + high * 2^16. */
    private static IntVector addNonNegative(IntVector sum, ShortVector shorts) {
        IntVector pairs = shorts.reinterpretAsInts();
        return sum.add(pairs.and(0xFFFF)).add(pairs.lanewise(VectorOperators.LSHR, 16));
    }

    /** {@code sum} plus every lane of {@code shorts}, signed: each half of a pair read as one int, sign-extended by shifts. */
    private static IntVector addSigned(IntVector sum, ShortVector shorts) {
        IntVector pairs = shorts.reinterpretAsInts();
        return sum.add(pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                .add(pairs.lanewise(VectorOperators.ASHR, 16));
    }

    /** The lanes from float {@code index} of the row at byte {@code rowOffset}. */
    private static FloatVector load(MemorySegment rows, long rowOffset, int index) {
        return FloatVector.fromMemorySegment(SPECIES, rows, rowOffset + (long) index * Float.BYTES, LE);
    }

    private static float element(MemorySegment rows, long rowOffset, int index) {
        return rows.get(VectorKernels.FLOAT_LE, rowOffset + (long) index * Float.BYTES);
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
