package io.vexfs.core.kernel;

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
 * The multi-row kernels compare one query with {@code count} consecutive rows of {@code dim}
 * values from {@code rowsOffset}, and give for row r exactly what the single-row kernel gives
 * for the query and {@code rowsOffset + r * dim}.
 */
interface Kernels {

    /** Lanes per vector register; part of the summation order above. A power of two. */
    int lanes();

    float dot(float[] a, int aOffset, float[] b, int bOffset, int dim);

    float squaredL2(float[] a, int aOffset, float[] b, int bOffset, int dim);

    float squaredNorm(float[] a, int aOffset, int dim);

    /** out[r] = squaredL2(query, queryOffset, values, rowsOffset + r * dim, dim) for r in [0, count). */
    void squaredL2Rows(float[] query, int queryOffset, float[] values, int rowsOffset, int dim, int count, float[] out);

    /** out[r] = dot(query, queryOffset, values, rowsOffset + r * dim, dim) for r in [0, count). */
    void dotRows(float[] query, int queryOffset, float[] values, int rowsOffset, int dim, int count, float[] out);

    /** {@link #dotRows} into dots and, from the same pass, each row's squaredNorm into squaredNorms. */
    void dotAndSquaredNormRows(float[] query, int queryOffset, float[] values, int rowsOffset, int dim, int count,
                               float[] dots, float[] squaredNorms);
}
