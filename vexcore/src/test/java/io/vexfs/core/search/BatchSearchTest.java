package io.vexfs.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vexfs.core.kernel.VectorKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batches of queries take the tiled scan (tile kernel, candidate bounds, per-row re-ranking);
 * a single query takes the per-row scan. Every test here holds the batch to the per-row answer
 * of each of its queries: the same hits, distances bit for bit, the same order of ties.
 */
class BatchSearchTest {
    private static final int[] DIMS = {1, 3, 8, 15, 16, 17, 100, 128, 129, 784};
    private static final ForkJoinPool POOL = new ForkJoinPool(3);

    @AfterEach
    void restoreKernels() {
        VectorKernels.setSimd(VectorKernels.isSimdAvailable());
    }

    @AfterAll
    static void stopPool() {
        POOL.shutdown();
    }

    static Stream<Arguments> dimsAndMetrics() {
        return Arrays.stream(DIMS).boxed().flatMap(dim -> Arrays.stream(Metric.values()).map(m -> Arguments.of(dim, m)));
    }

    @ParameterizedTest
    @MethodSource("dimsAndMetrics")
    void aBatchGivesEachQueryItsPerRowAnswer(int dim, Metric metric) {
        Random random = new Random(dim * 7L + metric.ordinal());
        List<SearchEntry> entries = StoredRows.randomCollection(random, dim, 700);
        int queryCount = 37;
        float[] queries = StoredRows.gaussian(random, queryCount * dim);
        SearchResult batch = FlatSearch.search(metric, dim, queries, queryCount, 10, entries, SearchOptions.CALLER_THREAD);
        assertPerRow(metric, dim, queries, 10, entries, batch.hits());
        VectorKernels.setSimd(false);
        assertEquals(batch.hits(), FlatSearch.search(metric, dim, queries, queryCount, 10, entries, SearchOptions.CALLER_THREAD).hits(),
                "simd off");
        VectorKernels.setSimd(true);
        assertEquals(batch.hits(), FlatSearch.search(metric, dim, queries, queryCount, 10, entries,
                new SearchOptions(POOL, 3, true, BatchSplit.ROWS)).hits(), "rows split into three parts");
        assertEquals(batch.hits(), FlatSearch.search(metric, dim, queries, queryCount, 10, entries,
                new SearchOptions(POOL, 3, true, BatchSplit.QUERIES)).hits(), "queries split among three threads");
    }

    /**
     * Far from the origin and close together, the norm expansion |q|^2 + |r|^2 - 2 q.r cancels
     * almost every bit: in float it cannot even order these rows, as the test shows first. The
     * batch must still find exactly what the direct per-row kernel finds, and that must be the
     * true nearest by double precision.
     */
    @Test
    void largeCloseVectorsKeepTheirTrueNearest() {
        int dim = 64;
        int rows = 3000;
        Random random = new Random(77);
        float[] base = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < dim; i++) {
                base[r * dim + i] = 10_000f + (float) random.nextGaussian() * 0.05f;
            }
        }
        int queryCount = 24;
        float[] queries = new float[queryCount * dim];
        for (int q = 0; q < queryCount; q++) {
            int near = random.nextInt(rows);
            for (int i = 0; i < dim; i++) {
                queries[q * dim + i] = base[near * dim + i] + (float) random.nextGaussian() * 0.004f;
            }
        }
        List<SearchEntry> entries = List.of(StoredRows.entry("base.fvecs", base, rows, true));
        int naiveMisses = 0;
        for (int k : new int[] {1, 10}) {
            SearchResult batch = FlatSearch.search(Metric.L2, dim, queries, queryCount, k, entries, SearchOptions.CALLER_THREAD);
            assertPerRow(Metric.L2, dim, queries, k, entries, batch.hits());
            for (int q = 0; q < queryCount; q++) {
                int truth = nearestInDouble(base, rows, queries, q, dim);
                assertEquals(truth, batch.hits().get(q).get(0).row(), "query " + q + " k " + k);
                naiveMisses += naiveExpansionNearest(base, rows, queries, q, dim) == truth ? 0 : 1;
            }
        }
        assertTrue(naiveMisses > 0, "the float norm expansion alone gets these wrong, so the test means something");
    }

    /** Many exact ties across files and rows: the batch breaks them by path, then row, as the per-row scan does. */
    @ParameterizedTest
    @EnumSource(Metric.class)
    void tiesOrderAsInThePerRowScan(Metric metric) {
        int dim = 20;
        Random random = new Random(8);
        float[] distinct = StoredRows.gaussian(random, 5 * dim);
        List<SearchEntry> entries = new ArrayList<>();
        for (int f = 0; f < 30; f++) {
            int rows = 1 + f % 4;
            float[] values = new float[rows * dim];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(distinct, random.nextInt(5) * dim, values, r * dim, dim);
            }
            entries.add(StoredRows.entry("f" + (f * 7919 % 30) + (rows > 1 ? ".fvecs" : ".vec"), values, rows, rows > 1));
        }
        float[] queries = StoredRows.gaussian(random, 12 * dim);
        for (int k : new int[] {1, 7, 40}) {
            SearchResult batch = FlatSearch.search(metric, dim, queries, 12, k, entries, new SearchOptions(POOL, 2, true));
            assertPerRow(metric, dim, queries, k, entries, batch.hits());
        }
    }

    /**
     * Norms the candidate bounds do not cover: huge rows (l2, dot), tiny nonzero rows and zero
     * rows (cosine) are compared exactly beside the tiles; a huge query sends the whole batch
     * down the per-row path. Either way, the per-row answer.
     */
    @ParameterizedTest
    @EnumSource(Metric.class)
    void rowsAndQueriesOutsideTheBounds(Metric metric) {
        int dim = 24;
        Random random = new Random(13);
        List<SearchEntry> entries = new ArrayList<>(StoredRows.randomCollection(random, dim, 400));
        entries.add(StoredRows.entry("huge.fvecs", scaled(StoredRows.gaussian(random, 3 * dim), 1e17f), 3, true));
        entries.add(StoredRows.entry("tiny.vec", scaled(StoredRows.gaussian(random, dim), 1e-30f), 1, false));
        entries.add(StoredRows.entry("zero.vec", new float[dim], 1, false));
        float[] queries = StoredRows.gaussian(random, 20 * dim);
        assertPerRow(metric, dim, queries, 10, entries,
                FlatSearch.search(metric, dim, queries, 20, 10, entries, SearchOptions.CALLER_THREAD).hits());
        System.arraycopy(scaled(StoredRows.gaussian(random, dim), 1e18f), 0, queries, 5 * dim, dim);
        assertPerRow(metric, dim, queries, 10, entries,
                FlatSearch.search(metric, dim, queries, 20, 10, entries, SearchOptions.CALLER_THREAD).hits());
    }

    /** Small batches, odd query counts and k from 1 to past the collection, on one thread and several. */
    @Test
    void everyPanelShapeAndK() {
        int dim = 33;
        Random random = new Random(21);
        List<SearchEntry> entries = StoredRows.randomCollection(random, dim, 250);
        for (int queryCount : new int[] {FlatSearch.MIN_TILED_QUERIES, 17, 64, 65, 130, 600}) {
            float[] queries = StoredRows.gaussian(random, queryCount * dim);
            for (int k : new int[] {1, 3, 300}) {
                List<List<Hit>> one = FlatSearch.search(Metric.L2, dim, queries, queryCount, k, entries, SearchOptions.CALLER_THREAD).hits();
                assertPerRow(Metric.L2, dim, queries, k, entries, one);
                for (BatchSplit split : BatchSplit.values()) {
                    SearchResult shared = FlatSearch.search(Metric.L2, dim, queries, queryCount, k, entries,
                            new SearchOptions(POOL, 4, false, split));
                    assertEquals(one, shared.hits(), queryCount + " queries, k " + k + ", " + split);
                    assertEquals(entries.stream().mapToLong(SearchEntry::rows).sum() * queryCount, shared.distancesComputed());
                }
            }
        }
    }

    @Test
    void tileKernelCountsAllPasses() {
        int dim = 8;
        Random random = new Random(2);
        List<SearchEntry> entries = StoredRows.randomCollection(random, dim, 50);
        SearchResult result = FlatSearch.search(Metric.DOT, dim, StoredRows.gaussian(random, 1200 * dim), 1200, 5, entries,
                SearchOptions.CALLER_THREAD);
        long rows = entries.stream().mapToLong(SearchEntry::rows).sum();
        assertEquals(rows, result.vectorsScanned());
        assertEquals(rows * 1200, result.distancesComputed());
        assertEquals(3, result.passes(), "512 queries per pass of the tiled scan");
    }

    /** The tiled scan checks every stored byte it reads, and a failed check fails the search. */
    @Test
    void storedRangesAreCheckedBeforeTheyAreRead() {
        int dim = 16;
        int rows = 2000;
        Random random = new Random(4);
        float[] values = StoredRows.gaussian(random, rows * dim);
        long[] checkedBytes = new long[1];
        boolean[] covered = new boolean[rows];
        SearchEntry.RangeCheck recording = (offset, length) -> {
            checkedBytes[0] += length;
            for (long row = offset / (dim * Float.BYTES); row < (offset + length) / (dim * Float.BYTES); row++) {
                covered[(int) row] = true;
            }
        };
        List<SearchEntry> entries = List.of(new SearchEntry("big.fvecs", StoredRows.NATIVE.of(values), rows, true, recording));
        float[] queries = StoredRows.gaussian(random, 50 * dim);
        List<List<Hit>> hits = FlatSearch.search(Metric.L2, dim, queries, 50, 5, entries, SearchOptions.CALLER_THREAD).hits();
        assertEquals(50, hits.size());
        assertEquals((long) rows * dim * Float.BYTES, checkedBytes[0], "every byte checked once per pass");
        for (int row = 0; row < rows; row++) {
            assertTrue(covered[row], "row " + row + " checked");
        }
        SearchEntry.RangeCheck corrupt = (offset, length) -> {
            if (offset <= 1500L * dim * Float.BYTES && 1500L * dim * Float.BYTES < offset + length) {
                throw new IllegalStateException("block of row 1500 is corrupt");
            }
        };
        List<SearchEntry> bad = List.of(new SearchEntry("big.fvecs", StoredRows.HEAP.of(values), rows, true, corrupt));
        for (SearchOptions options : List.of(SearchOptions.CALLER_THREAD, new SearchOptions(POOL, 2, true, BatchSplit.ROWS),
                new SearchOptions(POOL, 2, true, BatchSplit.QUERIES))) {
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> FlatSearch.search(Metric.L2, dim, queries, 50, 5, bad, options));
            assertEquals("block of row 1500 is corrupt", failure.getMessage());
        }
    }

    /** Each query searched alone (the per-row scan) gives what the batch gave it. */
    private static void assertPerRow(Metric metric, int dim, float[] queries, int k, List<SearchEntry> entries,
                                     List<List<Hit>> batch) {
        for (int q = 0; q < batch.size(); q++) {
            float[] single = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
            List<Hit> alone = FlatSearch.search(metric, dim, single, 1, k, entries, SearchOptions.CALLER_THREAD).hits().get(0);
            assertEquals(alone, batch.get(q), metric + " dim " + dim + " query " + q + " k " + k);
        }
    }

    private static int nearestInDouble(float[] base, int rows, float[] queries, int q, int dim) {
        return IntStream.range(0, rows).boxed().min(Comparator.comparingDouble(r -> {
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                double d = (double) queries[q * dim + i] - base[r * dim + i];
                sum += d * d;
            }
            return sum;
        })).orElseThrow();
    }

    /** The nearest by |r|^2 - 2 q.r in float, the way a BLAS-style l2 without re-ranking ranks. */
    private static int naiveExpansionNearest(float[] base, int rows, float[] queries, int q, int dim) {
        int best = -1;
        float bestScore = Float.POSITIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            float norm = 0f;
            float dot = 0f;
            for (int i = 0; i < dim; i++) {
                norm = Math.fma(base[r * dim + i], base[r * dim + i], norm);
                dot = Math.fma(queries[q * dim + i], base[r * dim + i], dot);
            }
            float score = norm - 2 * dot;
            if (score < bestScore) {
                bestScore = score;
                best = r;
            }
        }
        return best;
    }

    private static float[] scaled(float[] values, float factor) {
        for (int i = 0; i < values.length; i++) {
            values[i] *= factor;
        }
        return values;
    }
}
