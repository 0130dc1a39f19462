package io.vexfs.core.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The distance kernels behind {@link VectorKernels}. Every implementation sums in one fixed
 * order, so all of them return bitwise-identical floats for the same input:
 * <ol>
 *   <li>The elements below {@code dim - dim % lanes} are split into {@code lanes} lanes
 *       (element {@code i} belongs to lane {@code i % lanes}) and four accumulators: while a
 *       whole stride of {@code 4 * lanes} elements remains, element {@code i} goes to
 *       accumulator {@code (i % (4 * lanes)) / lanes}; the remaining whole groups of
 *       {@code lanes} elements go to accumulator 0. Each accumulator lane is a chain of fused
 *       multiply-adds in increasing {@code i}, starting from +0.</li>
 *   <li>Per lane the accumulators combine as {@code (acc0 + acc1) + (acc2 + acc3)}.</li>
 *   <li>The lanes combine by halving: lane {@code l} adds lane {@code l + h} for
 *       {@code h = lanes/2, lanes/4, ..., 1}; lane 0 holds the result.</li>
 *   <li>The last {@code dim % lanes} elements are fused-multiply-added onto it in order.</li>
 * </ol>
 * The kernels over stored rows read them from a {@link MemorySegment}: a row is {@code dim}
 * float32 values, little-endian, at a byte offset (no alignment needed), and each gives exactly
 * what its float[] twin gives for the same values. The multi-row kernels compare one query with
 * {@code count} consecutive rows from byte {@code rowsOffset}, and give for row r exactly what the
 * single-row kernel gives for the row at {@code rowsOffset + r * dim * 4}.
 *
 * <p>The tile kernels, for batches, compare a panel of queries with {@link #TILE_ROWS} rows at
 * once and sum in another order: each (query, row) dot product is one chain of fused
 * multiply-adds over the elements in increasing order, starting from +0, whatever the lane
 * count. Their results differ from the single-row kernels' in the last bits, and are the same
 * bits in every implementation. A panel holds {@code width * lanes} queries interleaved by
 * element: query {@code c} of the panel has element {@code i} at
 * {@code panelOffset + i * width * lanes + c}.
 */
interface Kernels {

    /** Lanes per vector register; part of the summation order above. A power of two. */
    int lanes();

    float dot(float[] a, int aOffset, float[] b, int bOffset, int dim);

    float squaredL2(float[] a, int aOffset, float[] b, int bOffset, int dim);

    float squaredNorm(float[] a, int aOffset, int dim);

    float dot(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim);

    float squaredL2(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim);

    float squaredNorm(MemorySegment rows, long rowOffset, int dim);

    /** {@link #dot(float[], int, MemorySegment, long, int)} with the first vector a stored row too: bitwise the same. */
    float dot(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim);

    /** {@link #squaredL2(float[], int, MemorySegment, long, int)} with the first vector a stored row too: bitwise the same. */
    float squaredL2(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim);

    /** out[r] = squaredL2(query, queryOffset, rows, rowsOffset + r * dim * 4, dim) for r in [0, count). */
    void squaredL2Rows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out);

    /** out[r] = dot(query, queryOffset, rows, rowsOffset + r * dim * 4, dim) for r in [0, count). */
    void dotRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out);

    /** {@link #dotRows} into dots and, from the same pass, each row's squaredNorm into squaredNorms. */
    void dotAndSquaredNormRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count,
                               float[] dots, float[] squaredNorms);

    /**
     * out[r] = squaredL2(query, queryOffset, rows_r, offset_r, dim) for the three rows r = 0, 1, 2,
     * each anywhere in its own segment: one pass over the three, so their cache misses overlap
     * (what a graph walk scores are a node's neighbours, scattered over the stored rows).
     */
    void squaredL2Three(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1, long offset1,
                        MemorySegment rows2, long offset2, int dim, float[] out);

    /** out[r] = dot(query, queryOffset, rows_r, offset_r, dim) for r = 0, 1, 2, as {@link #squaredL2Three}. */
    void dotThree(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1, long offset1,
                  MemorySegment rows2, long offset2, int dim, float[] out);

    /**
     * The squared distance between a query's codes, query[0, dim), widened to shorts, and a row
     * of byte codes, codes[offset, offset + dim), every code in [0, 127]: exact, an int in any
     * order of summing (two dimensions add at most 2 x 127^2, which a 16-bit lane holds before it
     * is widened).
     */
    int squaredDistanceCodes(short[] query, byte[] codes, int offset, int dim);

    /** The dot product of a query's codes and a row of byte codes, every code in [-127, 127]: exact, as {@link #squaredDistanceCodes}. */
    int dotCodes(short[] query, byte[] codes, int offset, int dim);

    /** out[r] = squaredDistanceCodes(query, codes_r, offset_r, dim) for r = 0, 1, 2, in one pass (as {@link #squaredL2Three}). */
    void squaredDistanceCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2, int offset2,
                                   int dim, int[] out);

    /** out[r] = dotCodes(query, codes_r, offset_r, dim) for r = 0, 1, 2, in one pass. */
    void dotCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2, int offset2, int dim,
                       int[] out);

    /** Rows per tile: the SIMD tile kernel keeps width x TILE_ROWS vector accumulators in registers. */
    int TILE_ROWS = 6;

    /** Query vectors per panel, at most: 4 x 6 accumulators fill most of AVX-512's 32 registers. */
    int MAX_PANEL_WIDTH = 4;

    /**
     * The dot products of the {@code width * lanes} queries of a panel with rows
     * [rowsOffset + t * dim, + dim) of {@code rows}, t in [0, TILE_ROWS): query c of the panel
     * with row t into out[t * width * lanes + c].
     */
    void dotTile(float[] panel, int panelOffset, int width, float[] rows, int rowsOffset, int dim, float[] out);

    /**
     * The candidates of a tile from {@link #dotTile}: for t in [0, rowCount) and c in
     * [0, width * lanes), with q = queryOffset + c, r = rowOffset + t and d = tile[t * width * lanes + c],
     * whether {@code fma(d, queryScale[q] * rowScale[r], queryShift[q] + rowShift[r]) <= limit[q]}
     * (in float, in that order). Writes the tile indices that pass to passed[0, n), ordered by
     * vector of lanes queries (c / lanes), then t, then c, and returns n.
     */
    int selectTile(float[] tile, int width, int rowCount, float[] queryScale, float[] queryShift, float[] limit, int queryOffset,
                   float[] rowScale, float[] rowShift, int rowOffset, int[] passed);
}
