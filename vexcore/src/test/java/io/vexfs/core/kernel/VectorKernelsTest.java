package io.vexfs.core.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vexfs.core.search.StoredRows;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VectorKernelsTest {
    private static final int[] DIMS = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 127, 128, 129, 784, 1536};
    private static final int[] MULTI_ROW_DIMS = {1, 3, 7, 8, 9, 15, 16, 17, 127, 128, 129, 784, 1536};
    private static final int MAX_ROWS = 9;
    private static final double UNIT_ROUNDOFF = 0x1p-24;

    @AfterEach
    void restoreDefault() {
        VectorKernels.setSimd(VectorKernels.isSimdAvailable());
    }

    static IntStream dims() {
        return IntStream.of(DIMS);
    }

    @ParameterizedTest
    @MethodSource("dims")
    void simdAndScalarAreBitwiseIdentical(int dim) {
        assertTrue(VectorKernels.isSimdAvailable(), "these tests run with the Vector API");
        Kernels simd = new PanamaKernels();
        Kernels scalar = new ScalarKernels(simd.lanes());
        Random random = new Random(dim);
        for (int trial = 0; trial < 50; trial++) {
            int aOffset = random.nextInt(5);
            int bOffset = random.nextInt(5);
            float[] a = randomArray(random, aOffset + dim + random.nextInt(3), trial);
            float[] b = randomArray(random, bOffset + dim + random.nextInt(3), trial);
            assertBitwise(simd.dot(a, aOffset, b, bOffset, dim), scalar.dot(a, aOffset, b, bOffset, dim), "dot", dim);
            assertBitwise(simd.squaredL2(a, aOffset, b, bOffset, dim), scalar.squaredL2(a, aOffset, b, bOffset, dim), "squaredL2", dim);
            assertBitwise(simd.squaredNorm(a, aOffset, dim), scalar.squaredNorm(a, aOffset, dim), "squaredNorm", dim);
        }
    }

    static IntStream multiRowDims() {
        return IntStream.of(MULTI_ROW_DIMS);
    }

    /**
     * Every kernel over stored rows, SIMD and scalar, in every kind of memory and at every byte
     * offset, gives each row what the float[] single-row kernel gives it, to the bit.
     */
    @ParameterizedTest
    @MethodSource("multiRowDims")
    void segmentKernelsEqualTheArrayOnes(int dim) {
        Kernels simd = new PanamaKernels();
        Kernels scalar = new ScalarKernels(simd.lanes());
        Random random = new Random(17L * dim);
        for (StoredRows kind : StoredRows.values()) {
            for (int count = 1; count <= MAX_ROWS; count++) {
                for (int trial = 0; trial < 4; trial++) {
                    int queryOffset = random.nextInt(5);
                    int rowsOffset = random.nextInt(5);
                    float[] query = randomArray(random, queryOffset + dim + random.nextInt(3), trial);
                    float[] values = randomArray(random, rowsOffset + count * dim + random.nextInt(3), trial);
                    MemorySegment rows = kind.of(values);
                    long rowsByte = (long) rowsOffset * Float.BYTES;
                    for (Kernels kernels : new Kernels[] {simd, scalar}) {
                        String where = kind + " " + (kernels == simd ? "simd" : "scalar") + " rows " + count + " dim " + dim;
                        float[] squaredL2s = new float[count];
                        float[] dots = new float[count];
                        float[] fusedDots = new float[count];
                        float[] fusedNorms = new float[count];
                        kernels.squaredL2Rows(query, queryOffset, rows, rowsByte, dim, count, squaredL2s);
                        kernels.dotRows(query, queryOffset, rows, rowsByte, dim, count, dots);
                        kernels.dotAndSquaredNormRows(query, queryOffset, rows, rowsByte, dim, count, fusedDots, fusedNorms);
                        for (int r = 0; r < count; r++) {
                            int row = rowsOffset + r * dim;
                            long rowByte = (long) row * Float.BYTES;
                            String which = where + " row " + r;
                            float squaredL2 = scalar.squaredL2(query, queryOffset, values, row, dim);
                            float dot = scalar.dot(query, queryOffset, values, row, dim);
                            float norm = scalar.squaredNorm(values, row, dim);
                            assertBitwise(squaredL2, squaredL2s[r], "squaredL2Rows " + which, dim);
                            assertBitwise(dot, dots[r], "dotRows " + which, dim);
                            assertBitwise(dot, fusedDots[r], "fused dot " + which, dim);
                            assertBitwise(norm, fusedNorms[r], "fused norm " + which, dim);
                            assertBitwise(squaredL2, kernels.squaredL2(query, queryOffset, rows, rowByte, dim), "squaredL2 " + which, dim);
                            assertBitwise(dot, kernels.dot(query, queryOffset, rows, rowByte, dim), "dot " + which, dim);
                            assertBitwise(norm, kernels.squaredNorm(rows, rowByte, dim), "squaredNorm " + which, dim);
                            assertBitwise(simd.squaredL2(query, queryOffset, values, row, dim), squaredL2, "array squaredL2 " + which, dim);
                            // The query as a stored row too (node to node in the graph build): at any byte offset, in native memory.
                            MemorySegment stored = Arena.ofAuto().allocate((long) (dim + 1) * Float.BYTES + 3);
                            long storedByte = 1 + random.nextInt(3);
                            MemorySegment.copy(query, queryOffset, stored, VectorKernels.FLOAT_LE, storedByte, dim);
                            assertBitwise(squaredL2, kernels.squaredL2(stored, storedByte, rows, rowByte, dim), "row-to-row squaredL2 " + which, dim);
                            assertBitwise(dot, kernels.dot(stored, storedByte, rows, rowByte, dim), "row-to-row dot " + which, dim);
                        }
                    }
                }
            }
        }
    }

    /**
     * The three-row kernels a graph walk scores neighbours with: each row in a segment of its own
     * (of every kind of memory, at any byte offset), SIMD and scalar, gives what the single-row
     * kernel gives it, to the bit, so a walk ranks alike whichever way it scores.
     */
    @ParameterizedTest
    @MethodSource("multiRowDims")
    void threeRowKernelsEqualTheSingleRowOnes(int dim) {
        Kernels simd = new PanamaKernels();
        Kernels scalar = new ScalarKernels(simd.lanes());
        StoredRows[] kinds = StoredRows.values();
        Random random = new Random(31L * dim);
        for (int trial = 0; trial < 12; trial++) {
            int queryOffset = random.nextInt(5);
            float[] query = randomArray(random, queryOffset + dim + random.nextInt(3), trial);
            MemorySegment[] rows = new MemorySegment[3];
            long[] offsets = new long[3];
            for (int r = 0; r < 3; r++) {
                int before = random.nextInt(4);
                float[] values = randomArray(random, before + dim + random.nextInt(3), trial + r);
                rows[r] = kinds[(trial + r) % kinds.length].of(values);
                offsets[r] = (long) before * Float.BYTES;
            }
            for (Kernels kernels : new Kernels[] {simd, scalar}) {
                float[] squaredL2s = {Float.NaN, Float.NaN, Float.NaN, 7f};
                float[] dots = {Float.NaN, Float.NaN, Float.NaN, 7f};
                kernels.squaredL2Three(query, queryOffset, rows[0], offsets[0], rows[1], offsets[1], rows[2], offsets[2], dim, squaredL2s);
                kernels.dotThree(query, queryOffset, rows[0], offsets[0], rows[1], offsets[1], rows[2], offsets[2], dim, dots);
                for (int r = 0; r < 3; r++) {
                    String which = (kernels == simd ? "simd" : "scalar") + " trial " + trial + " row " + r;
                    assertBitwise(scalar.squaredL2(query, queryOffset, rows[r], offsets[r], dim), squaredL2s[r], "squaredL2Three " + which, dim);
                    assertBitwise(scalar.dot(query, queryOffset, rows[r], offsets[r], dim), dots[r], "dotThree " + which, dim);
                }
                assertEquals(7f, squaredL2s[3], "writes three results, no more");
                assertEquals(7f, dots[3], "writes three results, no more");
            }
        }
    }

    /** Rows at every byte offset, not only whole floats from an aligned base: a segment file need not align them. */
    @Test
    void rowsAtAnyByteOffset() {
        Random random = new Random(5);
        int dim = 37;
        int count = 5;
        float[] query = randomArray(random, dim, 1);
        float[] values = randomArray(random, count * dim, 1);
        for (int shift = 0; shift < 8; shift++) {
            MemorySegment rows = Arena.ofAuto().allocate(values.length * Float.BYTES + 8L, 64);
            MemorySegment.copy(values, 0, rows, VectorKernels.FLOAT_LE, shift, values.length);
            for (boolean simd : new boolean[] {true, false}) {
                VectorKernels.setSimd(simd);
                float[] squaredL2s = new float[count];
                float[] dots = new float[count];
                float[] norms = new float[count];
                VectorKernels.squaredL2Rows(query, 0, rows, shift, dim, count, squaredL2s);
                VectorKernels.dotAndSquaredNormRows(query, 0, rows, shift, dim, count, dots, norms);
                for (int r = 0; r < count; r++) {
                    String where = "shift " + shift + (simd ? " simd" : " scalar") + " row " + r;
                    assertBitwise(VectorKernels.squaredL2(query, 0, values, r * dim, dim), squaredL2s[r], where, dim);
                    assertBitwise(VectorKernels.dot(query, 0, values, r * dim, dim), dots[r], where, dim);
                    assertBitwise(VectorKernels.squaredNorm(values, r * dim, dim), norms[r], where, dim);
                }
            }
        }
    }

    @Test
    void facadeMultiRowKernelsFollowTheToggle() {
        Random random = new Random(3);
        float[] query = randomArray(random, 130, 1);
        float[] values = randomArray(random, 7 * 129, 1);
        MemorySegment rows = StoredRows.NATIVE.of(values);
        float[][] results = new float[2][];
        for (boolean simd : new boolean[] {true, false}) {
            VectorKernels.setSimd(simd);
            float[] squaredL2s = new float[7];
            float[] dots = new float[7];
            float[] fusedDots = new float[7];
            float[] norms = new float[7];
            VectorKernels.squaredL2Rows(query, 1, rows, 0, 129, 7, squaredL2s);
            VectorKernels.dotRows(query, 1, rows, 0, 129, 7, dots);
            VectorKernels.dotAndSquaredNormRows(query, 1, rows, 0, 129, 7, fusedDots, norms);
            for (int r = 0; r < 7; r++) {
                assertBitwise(VectorKernels.squaredL2(query, 1, values, r * 129, 129), squaredL2s[r], "squaredL2Rows", 129);
                assertBitwise(VectorKernels.dot(query, 1, values, r * 129, 129), dots[r], "dotRows", 129);
                assertBitwise(dots[r], fusedDots[r], "fused dot", 129);
                assertBitwise(VectorKernels.squaredNorm(values, r * 129, 129), norms[r], "fused norm", 129);
            }
            results[simd ? 0 : 1] = squaredL2s;
        }
        for (int r = 0; r < 7; r++) {
            assertBitwise(results[0][r], results[1][r], "squaredL2Rows simd vs scalar", 129);
        }
    }

    /**
     * The tile kernel: SIMD and scalar bitwise equal, each entry one fma chain in element order
     * (checked against such a chain), for every panel width and dimensions around the lanes.
     */
    @ParameterizedTest
    @MethodSource("multiRowDims")
    void tileKernelIsOneChainPerPair(int dim) {
        Kernels simd = new PanamaKernels();
        Kernels scalar = new ScalarKernels(simd.lanes());
        int lanes = simd.lanes();
        Random random = new Random(41L * dim);
        for (int width = 1; width <= Kernels.MAX_PANEL_WIDTH; width++) {
            int columns = width * lanes;
            int panelOffset = random.nextInt(7);
            int rowsOffset = random.nextInt(7);
            float[] panel = randomArray(random, panelOffset + columns * dim, 1);
            float[] rows = randomArray(random, rowsOffset + Kernels.TILE_ROWS * dim, 1);
            float[] simdOut = new float[Kernels.TILE_ROWS * columns];
            float[] scalarOut = new float[Kernels.TILE_ROWS * columns];
            simd.dotTile(panel, panelOffset, width, rows, rowsOffset, dim, simdOut);
            scalar.dotTile(panel, panelOffset, width, rows, rowsOffset, dim, scalarOut);
            for (int t = 0; t < Kernels.TILE_ROWS; t++) {
                for (int c = 0; c < columns; c++) {
                    float chain = 0f;
                    for (int i = 0; i < dim; i++) {
                        chain = Math.fma(panel[panelOffset + i * columns + c], rows[rowsOffset + t * dim + i], chain);
                    }
                    String where = "width " + width + " row " + t + " column " + c;
                    assertBitwise(chain, scalarOut[t * columns + c], "scalar tile " + where, dim);
                    assertBitwise(chain, simdOut[t * columns + c], "simd tile " + where, dim);
                }
            }
        }
    }

    /** The candidate test lists the same tile entries with SIMD and scalar, exactly those the formula passes, by query vector, then row. */
    @Test
    void selectTileFollowsItsFormula() {
        Kernels simd = new PanamaKernels();
        Kernels scalar = new ScalarKernels(simd.lanes());
        int lanes = simd.lanes();
        Random random = new Random(9);
        int totalPassed = 0;
        int totalEntries = 0;
        for (int width = 1; width <= Kernels.MAX_PANEL_WIDTH; width++) {
            int columns = width * lanes;
            for (int rowCount = 0; rowCount <= Kernels.TILE_ROWS; rowCount++) {
                int queryOffset = random.nextInt(5);
                int rowOffset = random.nextInt(5);
                float[] tile = randomArray(random, Kernels.TILE_ROWS * columns, 0);
                float[] queryScale = randomArray(random, queryOffset + columns, 0);
                float[] queryShift = randomArray(random, queryOffset + columns, 0);
                float[] limit = randomArray(random, queryOffset + columns, 0);
                limit[queryOffset] = Float.NEGATIVE_INFINITY;
                limit[queryOffset + columns - 1] = Float.POSITIVE_INFINITY;
                float[] rowScale = randomArray(random, rowOffset + Kernels.TILE_ROWS, 0);
                float[] rowShift = randomArray(random, rowOffset + Kernels.TILE_ROWS, 0);
                rowShift[rowOffset] = Float.NaN;
                int[] expected = new int[Kernels.TILE_ROWS * columns];
                int n = 0;
                for (int v = 0; v < width; v++) {
                    for (int t = 0; t < rowCount; t++) {
                        for (int c = v * lanes; c < (v + 1) * lanes; c++) {
                            int q = queryOffset + c;
                            int r = rowOffset + t;
                            int j = t * columns + c;
                            if (Math.fma(tile[j], queryScale[q] * rowScale[r], queryShift[q] + rowShift[r]) <= limit[q]) {
                                expected[n++] = j;
                            }
                        }
                    }
                }
                totalPassed += n;
                totalEntries += rowCount * columns;
                for (Kernels kernels : new Kernels[] {simd, scalar}) {
                    int[] passed = new int[Kernels.TILE_ROWS * columns];
                    int count = kernels.selectTile(tile, width, rowCount, queryScale, queryShift, limit, queryOffset, rowScale, rowShift,
                            rowOffset, passed);
                    String where = (kernels == simd ? "simd" : "scalar") + " width " + width + " rows " + rowCount;
                    assertEquals(n, count, where);
                    assertEquals(Arrays.toString(Arrays.copyOf(expected, n)), Arrays.toString(Arrays.copyOf(passed, count)), where);
                }
            }
        }
        assertTrue(totalPassed > 0 && totalPassed < totalEntries, totalPassed + " of " + totalEntries + " pass: both outcomes are tested");
    }

    @Test
    void tileKernelsRefuseBadShapes() {
        int columns = Kernels.MAX_PANEL_WIDTH * VectorKernels.lanes();
        float[] panel = new float[columns * 8];
        float[] rows = new float[Kernels.TILE_ROWS * 8];
        float[] out = new float[Kernels.TILE_ROWS * columns];
        assertThrows(IllegalArgumentException.class, () -> VectorKernels.dotTile(panel, 0, Kernels.MAX_PANEL_WIDTH + 1, rows, 0, 8, out));
        assertThrows(IllegalArgumentException.class, () -> VectorKernels.dotTile(panel, 0, 0, rows, 0, 8, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotTile(panel, 0, 1, rows, 1, 8, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotTile(panel, 1, Kernels.MAX_PANEL_WIDTH, rows, 0, 8, out));
        int[] passed = new int[Kernels.TILE_ROWS * columns];
        float[] perQuery = new float[columns];
        assertThrows(IllegalArgumentException.class,
                () -> VectorKernels.selectTile(out, 1, Kernels.TILE_ROWS + 1, perQuery, perQuery, perQuery, 0, rows, rows, 0, passed));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.selectTile(out, Kernels.MAX_PANEL_WIDTH, Kernels.TILE_ROWS,
                perQuery, perQuery, perQuery, 1, rows, rows, 0, passed));
    }

    /**
     * Against double precision: a float sum of n terms errs by at most about n * u * sum|term|
     * (u = 2^-24), whatever the order; ours chains at most dim / lanes + log2(lanes) + 2 additions,
     * so n = dim + 8 with one more u for the rounded differences of L2 is a safe, still tight bound.
     */
    @ParameterizedTest
    @MethodSource("dims")
    void everyLaneCountMatchesDoublePrecision(int dim) {
        Random random = new Random(31L * dim);
        for (int lanes : new int[] {1, 2, 4, 8, 16, 64}) {
            Kernels scalar = new ScalarKernels(lanes);
            for (int trial = 0; trial < 20; trial++) {
                float[] a = randomArray(random, dim + 2, trial);
                float[] b = randomArray(random, dim + 1, trial);
                double dot = 0;
                double dotMagnitude = 0;
                double l2 = 0;
                double norm = 0;
                for (int i = 0; i < dim; i++) {
                    double x = a[i + 2];
                    double y = b[i + 1];
                    dot += x * y;
                    dotMagnitude += Math.abs(x * y);
                    l2 += (x - y) * (x - y);
                    norm += x * x;
                }
                double bound = (dim + 10) * UNIT_ROUNDOFF;
                assertEquals(dot, scalar.dot(a, 2, b, 1, dim), bound * dotMagnitude + Float.MIN_VALUE, "dot dim " + dim + " lanes " + lanes);
                assertEquals(l2, scalar.squaredL2(a, 2, b, 1, dim), bound * l2 + Float.MIN_VALUE, "l2 dim " + dim + " lanes " + lanes);
                assertEquals(norm, scalar.squaredNorm(a, 2, dim), bound * norm + Float.MIN_VALUE, "norm dim " + dim + " lanes " + lanes);
            }
        }
    }

    @Test
    void facadeSwitchesImplementationLive() {
        float[] a = randomArray(new Random(1), 300, 0);
        float[] b = randomArray(new Random(2), 300, 0);
        VectorKernels.setSimd(true);
        assertTrue(VectorKernels.isSimd());
        assertTrue(VectorKernels.describe().startsWith("simd"));
        float simdDot = VectorKernels.dot(a, 1, b, 0, 299);
        float simdL2 = VectorKernels.squaredL2(a, 1, b, 0, 299);
        VectorKernels.setSimd(false);
        assertTrue(!VectorKernels.isSimd());
        assertTrue(VectorKernels.describe().startsWith("scalar"));
        assertBitwise(simdDot, VectorKernels.dot(a, 1, b, 0, 299), "dot", 299);
        assertBitwise(simdL2, VectorKernels.squaredL2(a, 1, b, 0, 299), "squaredL2", 299);
    }

    @Test
    void smallExactValues() {
        float[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        float[] b = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        for (boolean simd : new boolean[] {true, false}) {
            VectorKernels.setSimd(simd);
            assertEquals(66f, VectorKernels.dot(a, 0, b, 1, 11));
            assertEquals(506f, VectorKernels.squaredNorm(a, 0, 11));
            assertEquals(386f, VectorKernels.squaredL2(a, 0, b, 0, 11));
            assertEquals(0f, VectorKernels.dot(a, 0, b, 0, 0));
        }
    }

    @Test
    void rangesOutsideTheArraysAreRefused() {
        float[] a = new float[16];
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dot(a, 1, a, 0, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2(a, 0, a, -1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredNorm(a, 8, 9));
        assertThrows(IllegalArgumentException.class, () -> new ScalarKernels(6));
        float[] out = new float[4];
        MemorySegment rows = MemorySegment.ofArray(a);
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2Rows(a, 0, rows, 16, 4, 4, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2Rows(a, 0, rows, 1, 4, 4, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotRows(a, 0, rows, 0, 4, 5, new float[5]));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotRows(a, 0, rows, 0, 4, 4, new float[3]));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotRows(a, 13, rows, 0, 4, 1, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotRows(a, 0, rows, -4, 4, 1, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotAndSquaredNormRows(a, 0, rows, 0, 4, 4, out, new float[2]));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2Rows(a, 0, rows, 0, 1 << 16, 1 << 16, out));
        MemorySegment small = MemorySegment.ofArray(new float[3]);
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2Three(a, 0, rows, 0, rows, 48, small, 0, 4, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2Three(a, 0, rows, 0, rows, 52, rows, 0, 4, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotThree(a, 13, rows, 0, rows, 0, rows, 0, 4, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotThree(a, 0, rows, 0, rows, 0, rows, 0, 4, new float[2]));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dot(a, 0, rows, 4, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredL2(a, 0, rows, 60, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredNorm(rows, 0, 17));
    }

    /**
     * The code kernels at the ends of their ranges (every code 0 against 127, -127 against 127 and
     * -127 against -127, where a 16-bit lane holds two products, 2 x 127^2 = 32,258, and no more)
     * and on random codes, one and three rows at a time, SIMD and scalar, against sums in long
     * arithmetic, at every length (a remainder past the last pair of vector steps included).
     */
    @ParameterizedTest
    @MethodSource("dims")
    void codeKernelsAreExactAtTheEndsOfTheirRanges(int dim) {
        Kernels simd = new PanamaKernels();
        Kernels scalar = new ScalarKernels(simd.lanes());
        Random random = new Random(dim);
        byte[][] l2Rows = {filled(dim, 0), filled(dim, 127), random7Bit(random, dim), random7Bit(random, dim)};
        byte[][] dotRows = {filled(dim, -127), filled(dim, 127), randomSigned(random, dim), randomSigned(random, dim)};
        for (Kernels k : new Kernels[] {simd, scalar}) {
            for (byte[] a : l2Rows) {
                for (byte[] b : l2Rows) {
                    long expected = 0;
                    for (int i = 0; i < dim; i++) {
                        expected += (long) (a[i] - b[i]) * (a[i] - b[i]);
                    }
                    assertEquals(expected, k.squaredDistanceCodes(widened(a), b, 0, dim), "l2 dim " + dim);
                }
            }
            for (byte[] a : dotRows) {
                for (byte[] b : dotRows) {
                    long expected = 0;
                    for (int i = 0; i < dim; i++) {
                        expected += (long) a[i] * b[i];
                    }
                    assertEquals(expected, k.dotCodes(widened(a), b, 0, dim), "dot dim " + dim);
                }
            }
        }
        // Three rows at offsets within larger arrays: each what the single-row kernel gives it.
        short[] query = widened(random7Bit(random, dim));
        byte[] rows = random7Bit(random, 5 * dim + 3);
        short[] signedQuery = widened(randomSigned(random, dim));
        byte[] signedRows = randomSigned(random, 5 * dim + 3);
        int[] offsets = {3, 2 * dim + 1, 4 * dim + 3};
        for (Kernels k : new Kernels[] {simd, scalar}) {
            int[] out = new int[3];
            k.squaredDistanceCodesThree(query, rows, offsets[0], rows, offsets[1], rows, offsets[2], dim, out);
            for (int r = 0; r < 3; r++) {
                assertEquals(scalar.squaredDistanceCodes(query, rows, offsets[r], dim), out[r], "l2 three, row " + r + ", dim " + dim);
            }
            k.dotCodesThree(signedQuery, signedRows, offsets[0], signedRows, offsets[1], signedRows, offsets[2], dim, out);
            for (int r = 0; r < 3; r++) {
                assertEquals(scalar.dotCodes(signedQuery, signedRows, offsets[r], dim), out[r], "dot three, row " + r + ", dim " + dim);
            }
        }
    }

    @Test
    void codeKernelsRefuseRangesOutsideTheArrays() {
        byte[] a = new byte[16];
        short[] q = new short[16];
        int[] out = new int[3];
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredDistanceCodes(q, a, 1, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotCodes(q, a, -1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotCodes(new short[3], a, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.squaredDistanceCodesThree(q, a, 0, a, 13, a, 0, 4, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotCodesThree(q, a, 0, a, 0, a, 0, 17, out));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dotCodesThree(q, a, 0, a, 0, a, 0, 4, new int[2]));
    }

    private static short[] widened(byte[] codes) {
        short[] query = new short[codes.length];
        for (int i = 0; i < codes.length; i++) {
            query[i] = codes[i];
        }
        return query;
    }

    private static byte[] filled(int length, int code) {
        byte[] codes = new byte[length];
        Arrays.fill(codes, (byte) code);
        return codes;
    }

    private static byte[] random7Bit(Random random, int length) {
        byte[] codes = new byte[length];
        for (int i = 0; i < length; i++) {
            codes[i] = (byte) random.nextInt(128);
        }
        return codes;
    }

    private static byte[] randomSigned(Random random, int length) {
        byte[] codes = new byte[length];
        for (int i = 0; i < length; i++) {
            codes[i] = (byte) (random.nextInt(255) - 127);
        }
        return codes;
    }

    private static void assertBitwise(float expected, float actual, String kernel, int dim) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                kernel + " dim " + dim + ": simd " + expected + " vs scalar " + actual);
    }

    /** Mixed magnitudes and signs on odd trials, so the summation order shows in the low bits. */
    private static float[] randomArray(Random random, int length, int trial) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            float v = (float) random.nextGaussian();
            values[i] = trial % 2 == 1 ? v * (float) Math.pow(10, random.nextInt(7) - 3) : v;
        }
        return values;
    }
}
