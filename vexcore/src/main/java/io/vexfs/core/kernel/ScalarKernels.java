package io.vexfs.core.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The kernels in plain Java, summing in exactly the order of {@link PanamaKernels} (see
 * {@link Kernels}) so that switching SIMD off changes no result, not even in the last bit.
 * Each lane is a stride over the vector with its four accumulators as independent FMA
 * chains; the cross-lane halving becomes a recursion over lanes, so nothing is allocated.
 */
final class ScalarKernels implements Kernels {
    private final int lanes;
    private final int stride;

    ScalarKernels(int lanes) {
        if (lanes < 1 || Integer.bitCount(lanes) != 1) {
            throw new IllegalArgumentException("lanes must be a power of two, got " + lanes);
        }
        this.lanes = lanes;
        this.stride = 4 * lanes;
    }

    @Override
    public int lanes() {
        return lanes;
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        int strided = dim - dim % stride;
        int vectorized = dim - dim % lanes;
        float sum = dotLanes(a, aOffset, b, bOffset, strided, vectorized, 0, 1);
        for (int i = vectorized; i < dim; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    @Override
    public float squaredL2(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        int strided = dim - dim % stride;
        int vectorized = dim - dim % lanes;
        float sum = squaredL2Lanes(a, aOffset, b, bOffset, strided, vectorized, 0, 1);
        for (int i = vectorized; i < dim; i++) {
            float d = a[aOffset + i] - b[bOffset + i];
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    @Override
    public float squaredNorm(float[] a, int aOffset, int dim) {
        int strided = dim - dim % stride;
        int vectorized = dim - dim % lanes;
        float sum = squaredNormLanes(a, aOffset, strided, vectorized, 0, 1);
        for (int i = vectorized; i < dim; i++) {
            sum = Math.fma(a[aOffset + i], a[aOffset + i], sum);
        }
        return sum;
    }

    @Override
    public float dot(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        int strided = dim - dim % stride;
        int vectorized = dim - dim % lanes;
        float sum = dotLanes(query, queryOffset, rows, rowOffset, strided, vectorized, 0, 1);
        for (int i = vectorized; i < dim; i++) {
            sum = Math.fma(query[queryOffset + i], element(rows, rowOffset, i), sum);
        }
        return sum;
    }

    @Override
    public float squaredL2(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        int strided = dim - dim % stride;
        int vectorized = dim - dim % lanes;
        float sum = squaredL2Lanes(query, queryOffset, rows, rowOffset, strided, vectorized, 0, 1);
        for (int i = vectorized; i < dim; i++) {
            float d = query[queryOffset + i] - element(rows, rowOffset, i);
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    /** The fallback's: a copy of the first row, then the kernel above (so bitwise its result). */
    @Override
    public float dot(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim) {
        return dot(a.asSlice(aOffset, (long) dim * Float.BYTES).toArray(VectorKernels.FLOAT_LE), 0, rows, rowOffset, dim);
    }

    /** The fallback's: a copy of the first row, then the kernel above (so bitwise its result). */
    @Override
    public float squaredL2(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim) {
        return squaredL2(a.asSlice(aOffset, (long) dim * Float.BYTES).toArray(VectorKernels.FLOAT_LE), 0, rows, rowOffset, dim);
    }

    @Override
    public float squaredNorm(MemorySegment rows, long rowOffset, int dim) {
        int strided = dim - dim % stride;
        int vectorized = dim - dim % lanes;
        float sum = squaredNormLanes(rows, rowOffset, strided, vectorized, 0, 1);
        for (int i = vectorized; i < dim; i++) {
            float v = element(rows, rowOffset, i);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    @Override
    public void squaredL2Rows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out) {
        long rowBytes = (long) dim * Float.BYTES;
        for (int r = 0; r < count; r++) {
            out[r] = squaredL2(query, queryOffset, rows, rowsOffset + r * rowBytes, dim);
        }
    }

    @Override
    public void dotRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out) {
        long rowBytes = (long) dim * Float.BYTES;
        for (int r = 0; r < count; r++) {
            out[r] = dot(query, queryOffset, rows, rowsOffset + r * rowBytes, dim);
        }
    }

    @Override
    public void squaredL2Three(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1, long offset1,
                               MemorySegment rows2, long offset2, int dim, float[] out) {
        out[0] = squaredL2(query, queryOffset, rows0, offset0, dim);
        out[1] = squaredL2(query, queryOffset, rows1, offset1, dim);
        out[2] = squaredL2(query, queryOffset, rows2, offset2, dim);
    }

    @Override
    public void dotThree(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1, long offset1,
                         MemorySegment rows2, long offset2, int dim, float[] out) {
        out[0] = dot(query, queryOffset, rows0, offset0, dim);
        out[1] = dot(query, queryOffset, rows1, offset1, dim);
        out[2] = dot(query, queryOffset, rows2, offset2, dim);
    }

    @Override
    public void dotAndSquaredNormRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count,
                                      float[] dots, float[] squaredNorms) {
        long rowBytes = (long) dim * Float.BYTES;
        for (int r = 0; r < count; r++) {
            dots[r] = dot(query, queryOffset, rows, rowsOffset + r * rowBytes, dim);
            squaredNorms[r] = squaredNorm(rows, rowsOffset + r * rowBytes, dim);
        }
    }

    /**
     * Each panel query against the six rows as six independent chains (the chains of one query
     * interleave, so the multiply-adds overlap instead of waiting on each other); each chain
     * adds its elements in increasing order, as the SIMD tile does per lane.
     */
    @Override
    public void dotTile(float[] panel, int panelOffset, int width, float[] rows, int rowsOffset, int dim, float[] out) {
        int columns = width * lanes;
        int r0 = rowsOffset;
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        for (int c = 0; c < columns; c++) {
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            float a4 = 0f;
            float a5 = 0f;
            for (int i = 0, p = panelOffset + c; i < dim; i++, p += columns) {
                float q = panel[p];
                a0 = Math.fma(q, rows[r0 + i], a0);
                a1 = Math.fma(q, rows[r1 + i], a1);
                a2 = Math.fma(q, rows[r2 + i], a2);
                a3 = Math.fma(q, rows[r3 + i], a3);
                a4 = Math.fma(q, rows[r4 + i], a4);
                a5 = Math.fma(q, rows[r5 + i], a5);
            }
            out[c] = a0;
            out[columns + c] = a1;
            out[2 * columns + c] = a2;
            out[3 * columns + c] = a3;
            out[4 * columns + c] = a4;
            out[5 * columns + c] = a5;
        }
    }

    @Override
    public int selectTile(float[] tile, int width, int rowCount, float[] queryScale, float[] queryShift, float[] limit, int queryOffset,
                          float[] rowScale, float[] rowShift, int rowOffset, int[] passed) {
        int columns = width * lanes;
        int n = 0;
        for (int m = 0; m < columns; m += lanes) {
            for (int t = 0; t < rowCount; t++) {
                float scale = rowScale[rowOffset + t];
                float shift = rowShift[rowOffset + t];
                for (int c = m; c < m + lanes; c++) {
                    int q = queryOffset + c;
                    int j = t * columns + c;
                    if (Math.fma(tile[j], queryScale[q] * scale, queryShift[q] + shift) <= limit[q]) {
                        passed[n++] = j;
                    }
                }
            }
        }
        return n;
    }

    /**
     * The sum of lanes {@code lane, lane + spacing, lane + 2 * spacing, ...} in halving order:
     * the last halving step (h = 1) adds the odd lanes' subtotal to the even lanes' one, and so on down.
     */
    private float dotLanes(float[] a, int aOffset, float[] b, int bOffset, int strided, int vectorized, int lane, int spacing) {
        if (spacing == lanes) {
            return dotLane(a, aOffset, b, bOffset, strided, vectorized, lane);
        }
        return dotLanes(a, aOffset, b, bOffset, strided, vectorized, lane, 2 * spacing)
                + dotLanes(a, aOffset, b, bOffset, strided, vectorized, lane + spacing, 2 * spacing);
    }

    private float dotLane(float[] a, int aOffset, float[] b, int bOffset, int strided, int vectorized, int lane) {
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int i = lane;
        for (; i < strided; i += stride) {
            acc0 = Math.fma(a[aOffset + i], b[bOffset + i], acc0);
            acc1 = Math.fma(a[aOffset + i + lanes], b[bOffset + i + lanes], acc1);
            acc2 = Math.fma(a[aOffset + i + 2 * lanes], b[bOffset + i + 2 * lanes], acc2);
            acc3 = Math.fma(a[aOffset + i + 3 * lanes], b[bOffset + i + 3 * lanes], acc3);
        }
        for (; i < vectorized; i += lanes) {
            acc0 = Math.fma(a[aOffset + i], b[bOffset + i], acc0);
        }
        return (acc0 + acc1) + (acc2 + acc3);
    }

    private float squaredL2Lanes(float[] a, int aOffset, float[] b, int bOffset, int strided, int vectorized, int lane, int spacing) {
        if (spacing == lanes) {
            return squaredL2Lane(a, aOffset, b, bOffset, strided, vectorized, lane);
        }
        return squaredL2Lanes(a, aOffset, b, bOffset, strided, vectorized, lane, 2 * spacing)
                + squaredL2Lanes(a, aOffset, b, bOffset, strided, vectorized, lane + spacing, 2 * spacing);
    }

    private float squaredL2Lane(float[] a, int aOffset, float[] b, int bOffset, int strided, int vectorized, int lane) {
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int i = lane;
        for (; i < strided; i += stride) {
            float d0 = a[aOffset + i] - b[bOffset + i];
            float d1 = a[aOffset + i + lanes] - b[bOffset + i + lanes];
            float d2 = a[aOffset + i + 2 * lanes] - b[bOffset + i + 2 * lanes];
            float d3 = a[aOffset + i + 3 * lanes] - b[bOffset + i + 3 * lanes];
            acc0 = Math.fma(d0, d0, acc0);
            acc1 = Math.fma(d1, d1, acc1);
            acc2 = Math.fma(d2, d2, acc2);
            acc3 = Math.fma(d3, d3, acc3);
        }
        for (; i < vectorized; i += lanes) {
            float d = a[aOffset + i] - b[bOffset + i];
            acc0 = Math.fma(d, d, acc0);
        }
        return (acc0 + acc1) + (acc2 + acc3);
    }

    private float squaredNormLanes(float[] a, int aOffset, int strided, int vectorized, int lane, int spacing) {
        if (spacing == lanes) {
            return squaredNormLane(a, aOffset, strided, vectorized, lane);
        }
        return squaredNormLanes(a, aOffset, strided, vectorized, lane, 2 * spacing)
                + squaredNormLanes(a, aOffset, strided, vectorized, lane + spacing, 2 * spacing);
    }

    private float squaredNormLane(float[] a, int aOffset, int strided, int vectorized, int lane) {
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int i = lane;
        for (; i < strided; i += stride) {
            float v0 = a[aOffset + i];
            float v1 = a[aOffset + i + lanes];
            float v2 = a[aOffset + i + 2 * lanes];
            float v3 = a[aOffset + i + 3 * lanes];
            acc0 = Math.fma(v0, v0, acc0);
            acc1 = Math.fma(v1, v1, acc1);
            acc2 = Math.fma(v2, v2, acc2);
            acc3 = Math.fma(v3, v3, acc3);
        }
        for (; i < vectorized; i += lanes) {
            acc0 = Math.fma(a[aOffset + i], a[aOffset + i], acc0);
        }
        return (acc0 + acc1) + (acc2 + acc3);
    }

    /** {@link #dotLanes} with b a stored row. */
    private float dotLanes(float[] a, int aOffset, MemorySegment b, long bOffset, int strided, int vectorized, int lane, int spacing) {
        if (spacing == lanes) {
            return dotLane(a, aOffset, b, bOffset, strided, vectorized, lane);
        }
        return dotLanes(a, aOffset, b, bOffset, strided, vectorized, lane, 2 * spacing)
                + dotLanes(a, aOffset, b, bOffset, strided, vectorized, lane + spacing, 2 * spacing);
    }

    private float dotLane(float[] a, int aOffset, MemorySegment b, long bOffset, int strided, int vectorized, int lane) {
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int i = lane;
        for (; i < strided; i += stride) {
            acc0 = Math.fma(a[aOffset + i], element(b, bOffset, i), acc0);
            acc1 = Math.fma(a[aOffset + i + lanes], element(b, bOffset, i + lanes), acc1);
            acc2 = Math.fma(a[aOffset + i + 2 * lanes], element(b, bOffset, i + 2 * lanes), acc2);
            acc3 = Math.fma(a[aOffset + i + 3 * lanes], element(b, bOffset, i + 3 * lanes), acc3);
        }
        for (; i < vectorized; i += lanes) {
            acc0 = Math.fma(a[aOffset + i], element(b, bOffset, i), acc0);
        }
        return (acc0 + acc1) + (acc2 + acc3);
    }

    private float squaredL2Lanes(float[] a, int aOffset, MemorySegment b, long bOffset, int strided, int vectorized, int lane, int spacing) {
        if (spacing == lanes) {
            return squaredL2Lane(a, aOffset, b, bOffset, strided, vectorized, lane);
        }
        return squaredL2Lanes(a, aOffset, b, bOffset, strided, vectorized, lane, 2 * spacing)
                + squaredL2Lanes(a, aOffset, b, bOffset, strided, vectorized, lane + spacing, 2 * spacing);
    }

    private float squaredL2Lane(float[] a, int aOffset, MemorySegment b, long bOffset, int strided, int vectorized, int lane) {
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int i = lane;
        for (; i < strided; i += stride) {
            float d0 = a[aOffset + i] - element(b, bOffset, i);
            float d1 = a[aOffset + i + lanes] - element(b, bOffset, i + lanes);
            float d2 = a[aOffset + i + 2 * lanes] - element(b, bOffset, i + 2 * lanes);
            float d3 = a[aOffset + i + 3 * lanes] - element(b, bOffset, i + 3 * lanes);
            acc0 = Math.fma(d0, d0, acc0);
            acc1 = Math.fma(d1, d1, acc1);
            acc2 = Math.fma(d2, d2, acc2);
            acc3 = Math.fma(d3, d3, acc3);
        }
        for (; i < vectorized; i += lanes) {
            float d = a[aOffset + i] - element(b, bOffset, i);
            acc0 = Math.fma(d, d, acc0);
        }
        return (acc0 + acc1) + (acc2 + acc3);
    }

    private float squaredNormLanes(MemorySegment a, long aOffset, int strided, int vectorized, int lane, int spacing) {
        if (spacing == lanes) {
            return squaredNormLane(a, aOffset, strided, vectorized, lane);
        }
        return squaredNormLanes(a, aOffset, strided, vectorized, lane, 2 * spacing)
                + squaredNormLanes(a, aOffset, strided, vectorized, lane + spacing, 2 * spacing);
    }

    private float squaredNormLane(MemorySegment a, long aOffset, int strided, int vectorized, int lane) {
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int i = lane;
        for (; i < strided; i += stride) {
            float v0 = element(a, aOffset, i);
            float v1 = element(a, aOffset, i + lanes);
            float v2 = element(a, aOffset, i + 2 * lanes);
            float v3 = element(a, aOffset, i + 3 * lanes);
            acc0 = Math.fma(v0, v0, acc0);
            acc1 = Math.fma(v1, v1, acc1);
            acc2 = Math.fma(v2, v2, acc2);
            acc3 = Math.fma(v3, v3, acc3);
        }
        for (; i < vectorized; i += lanes) {
            float v = element(a, aOffset, i);
            acc0 = Math.fma(v, v, acc0);
        }
        return (acc0 + acc1) + (acc2 + acc3);
    }

    private static float element(MemorySegment rows, long rowOffset, int index) {
        return rows.get(VectorKernels.FLOAT_LE, rowOffset + (long) index * Float.BYTES);
    }

    @Override
    public int squaredDistanceCodes(short[] query, byte[] codes, int offset, int dim) {
        int sum = 0;
        for (int i = 0; i < dim; i++) {
            int d = query[i] - codes[offset + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public int dotCodes(short[] query, byte[] codes, int offset, int dim) {
        int sum = 0;
        for (int i = 0; i < dim; i++) {
            sum += query[i] * codes[offset + i];
        }
        return sum;
    }

    @Override
    public void squaredDistanceCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2,
                                          int offset2, int dim, int[] out) {
        out[0] = squaredDistanceCodes(query, codes0, offset0, dim);
        out[1] = squaredDistanceCodes(query, codes1, offset1, dim);
        out[2] = squaredDistanceCodes(query, codes2, offset2, dim);
    }

    @Override
    public void dotCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2, int offset2,
                              int dim, int[] out) {
        out[0] = dotCodes(query, codes0, offset0, dim);
        out[1] = dotCodes(query, codes1, offset1, dim);
        out[2] = dotCodes(query, codes2, offset2, dim);
    }
}
