package io.vexfs.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class FlatSearchTest {
    private static final int[] DIMS = {1, 3, 7, 8, 9, 15, 16, 17, 127, 128, 129, 784, 1536};
    private static final ForkJoinPool POOL = new ForkJoinPool(4);

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

    /** A stored vector with its exact (double) distance to one query and that distance's float error bound. */
    private record Exact(String name, String path, int row, double distance, double tolerance) {
    }

    @ParameterizedTest
    @MethodSource("dimsAndMetrics")
    void simdScalarAndDoubleReferenceAgree(int dim, Metric metric) {
        Random random = new Random(dim * 31L + metric.ordinal());
        List<SearchEntry> entries = StoredRows.randomCollection(random, dim, 300);
        int queryCount = 4;
        float[] queries = StoredRows.gaussian(random, queryCount * dim);
        int k = 10;

        VectorKernels.setSimd(true);
        SearchResult simd = FlatSearch.search(metric, dim, queries, queryCount, k, entries, SearchOptions.CALLER_THREAD);
        VectorKernels.setSimd(false);
        SearchResult scalar = FlatSearch.search(metric, dim, queries, queryCount, k, entries, SearchOptions.CALLER_THREAD);
        assertEquals(simd.hits(), scalar.hits(), "SIMD and scalar kernels give bitwise-identical answers");

        for (int q = 0; q < queryCount; q++) {
            List<Exact> reference = reference(metric, dim, queries, q, entries);
            List<Hit> hits = simd.hits().get(q);
            assertEquals(k, hits.size());
            for (int i = 0; i < k; i++) {
                Hit hit = hits.get(i);
                Exact expected = reference.get(i);
                Exact actual = reference.stream().filter(e -> e.name().equals(hit.name())).findFirst().orElseThrow();
                String where = metric + " dim " + dim + " query " + q + " rank " + i;
                assertEquals(actual.distance(), hit.distance(), actual.tolerance(), where + ": reported distance");
                if (separated(reference, i)) {
                    assertEquals(expected.name(), hit.name(), where);
                } else {
                    assertEquals(expected.distance(), actual.distance(), expected.tolerance() + actual.tolerance(),
                            where + ": a near-tie may swap, but only with an equally near neighbour");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void exactTiesOrderByPathThenRow(Metric metric) {
        float[] v = {0.5f, -1f, 2f};
        float[] other = {-3f, 1f, 0.25f};
        List<SearchEntry> entries = List.of(
                StoredRows.entry("d.vec", v.clone(), 1, false),
                StoredRows.entry("c.fvecs", concat(v, other, v, v), 4, true),
                StoredRows.entry("a/z.vec", v.clone(), 1, false),
                StoredRows.entry("b.npy", concat(other, v), 2, true),
                StoredRows.entry("a.vec", v.clone(), 1, false));
        float[] query = {1f, 0.5f, 1.5f};
        List<String> expected = List.of("a.vec", "a/z.vec", "b.npy#1", "c.fvecs#0", "c.fvecs#2", "c.fvecs#3", "d.vec");
        for (int k = 1; k <= expected.size(); k++) {
            for (int parts : new int[] {1, 3}) {
                List<Hit> hits = FlatSearch.search(metric, 3, query, 1, k, entries, new SearchOptions(null, parts, true)).hits().get(0);
                assertEquals(expected.subList(0, k), names(hits), metric + " k " + k + " parts " + parts);
                assertTrue(hits.stream().allMatch(h -> h.distance() == hits.get(0).distance()));
            }
        }
    }

    @Test
    void kLargerThanTheCollectionReturnsEverythingRanked() {
        List<SearchEntry> entries = List.of(
                StoredRows.entry("far.vec", new float[] {10f, 0f}, 1, false),
                StoredRows.entry("rows.fvecs", new float[] {3f, 4f, 0f, 1f}, 2, true),
                StoredRows.entry("empty.npy", new float[0], 0, true));
        SearchResult result = FlatSearch.search(Metric.L2, 2, new float[] {0f, 0f}, 1, 50, entries, SearchOptions.CALLER_THREAD);
        assertEquals(List.of(new Hit(1f, "rows.fvecs", 1), new Hit(5f, "rows.fvecs", 0), new Hit(10f, "far.vec", -1)),
                result.hits().get(0));
        assertEquals(List.of("rows.fvecs#1", "rows.fvecs#0", "far.vec"), names(result.hits().get(0)));
        assertEquals(3, result.vectorsScanned());
        assertEquals(3, result.distancesComputed());
        assertEquals(1, result.passes());
    }

    @Test
    void kOfOneGivesTheNearest() {
        Random random = new Random(5);
        List<SearchEntry> entries = StoredRows.randomCollection(random, 12, 200);
        float[] queries = StoredRows.gaussian(random, 3 * 12);
        SearchResult all = FlatSearch.search(Metric.DOT, 12, queries, 3, 200, entries, SearchOptions.CALLER_THREAD);
        SearchResult one = FlatSearch.search(Metric.DOT, 12, queries, 3, 1, entries, SearchOptions.CALLER_THREAD);
        for (int q = 0; q < 3; q++) {
            assertEquals(List.of(all.hits().get(q).get(0)), one.hits().get(q));
        }
    }

    @Test
    void emptyCollectionAndNoQueries() {
        SearchResult empty = FlatSearch.search(Metric.COSINE, 4, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 10, List.of(),
                new SearchOptions(POOL, 4, true));
        assertEquals(List.of(List.of(), List.of()), empty.hits());
        assertEquals(0, empty.vectorsScanned());
        SearchResult noQueries = FlatSearch.search(Metric.L2, 4, new float[0], 0, 10,
                List.of(StoredRows.entry("a.vec", new float[4], 1, false)), SearchOptions.CALLER_THREAD);
        assertEquals(List.of(), noQueries.hits());
        assertEquals(0, noQueries.vectorsScanned());
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void aBatchAnswersAsQueriesOneByOne(Metric metric) {
        int dim = 128;
        Random random = new Random(11);
        List<SearchEntry> entries = StoredRows.randomCollection(random, dim, 400);
        int queryCount = 300;
        float[] queries = StoredRows.gaussian(random, queryCount * dim);
        SearchResult batch = FlatSearch.search(metric, dim, queries, queryCount, 7, entries, SearchOptions.CALLER_THREAD);
        assertEquals(1, batch.passes(), "up to 512 queries per pass of the tiled scan");
        assertEquals((long) batch.vectorsScanned() * queryCount, batch.distancesComputed());
        assertEquals(batch.hits(), FlatSearch.search(metric, dim, queries, queryCount, 7, entries,
                new SearchOptions(POOL, 3, true)).hits(), "every pass split over parts");
        for (int q = 0; q < queryCount; q += 17) {
            float[] single = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
            SearchResult alone = FlatSearch.search(metric, dim, single, 1, 7, entries, SearchOptions.CALLER_THREAD);
            assertEquals(alone.hits().get(0), batch.hits().get(q), "query " + q);
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void partsThreadsAndScratchReuseDoNotChangeTheAnswer(Metric metric) {
        int dim = 9;
        Random random = new Random(23);
        List<SearchEntry> entries = new ArrayList<>(StoredRows.randomCollection(random, dim, 500));
        entries.add(2, StoredRows.entry("big.fvecs", StoredRows.gaussian(random, 3000 * dim), 3000, true));
        entries.add(StoredRows.entry("dup-of-big-row.vec", entries.get(2).copyRows(5, 1), 1, false));
        int queryCount = 5;
        float[] queries = StoredRows.gaussian(random, queryCount * dim);
        List<List<Hit>> expected = FlatSearch.search(metric, dim, queries, queryCount, 25, entries,
                new SearchOptions(null, 1, false)).hits();
        for (int parts : new int[] {1, 2, 3, 7, 64}) {
            for (boolean reuse : new boolean[] {true, false}) {
                for (int repeat = 0; repeat < 2; repeat++) {
                    assertEquals(expected, FlatSearch.search(metric, dim, queries, queryCount, 25, entries,
                            new SearchOptions(null, parts, reuse)).hits(), "caller thread, parts " + parts + " reuse " + reuse);
                    assertEquals(expected, FlatSearch.search(metric, dim, queries, queryCount, 25, entries,
                            new SearchOptions(POOL, parts, reuse)).hits(), "pool, parts " + parts + " reuse " + reuse);
                }
            }
        }
    }

    @Test
    void concurrentSearchesSharingThePoolAgree() {
        int dim = 16;
        Random random = new Random(3);
        List<SearchEntry> entries = StoredRows.randomCollection(random, dim, 3000);
        float[] queries = StoredRows.gaussian(random, 8 * dim);
        List<List<Hit>> expected = FlatSearch.search(Metric.L2, dim, queries, 8, 10, entries, SearchOptions.CALLER_THREAD).hits();
        SearchOptions options = new SearchOptions(POOL, 3, true);
        List<List<List<Hit>>> answers = POOL.submit(() -> Stream.iterate(0, i -> i + 1).limit(40).parallel()
                .map(i -> FlatSearch.search(Metric.L2, dim, queries, 8, 10, entries, options).hits()).toList()).join();
        answers.forEach(answer -> assertEquals(expected, answer));
    }

    @Test
    void reportedDistancesFollowTheMetrics() {
        List<SearchEntry> entries = List.of(
                StoredRows.entry("a.vec", new float[] {3f, 4f}, 1, false),
                StoredRows.entry("z.vec", new float[] {0f, 0f}, 1, false));
        float[] query = {1f, 0f};
        assertEquals(List.of(new Hit(1f, "z.vec", -1), new Hit((float) Math.sqrt(20), "a.vec", -1)),
                FlatSearch.search(Metric.L2, 2, query, 1, 5, entries, SearchOptions.CALLER_THREAD).hits().get(0));
        List<Hit> cosine = FlatSearch.search(Metric.COSINE, 2, query, 1, 5, entries, SearchOptions.CALLER_THREAD).hits().get(0);
        assertEquals(List.of("a.vec", "z.vec"), names(cosine));
        assertEquals(0.4f, cosine.get(0).distance(), 1e-7f);
        assertEquals(1f, cosine.get(1).distance(), "a stored zero vector has cosine distance 1");
        assertEquals(List.of(new Hit(-3f, "a.vec", -1), new Hit(0f, "z.vec", -1)),
                FlatSearch.search(Metric.DOT, 2, query, 1, 5, entries, SearchOptions.CALLER_THREAD).hits().get(0));
    }

    @Test
    void badInputIsRefused() {
        List<SearchEntry> entries = List.of(StoredRows.entry("a.npy", new float[6], 2, true));
        assertThrows(IllegalArgumentException.class,
                () -> FlatSearch.search(Metric.L2, 2, new float[2], 1, 3, entries, SearchOptions.CALLER_THREAD), "6 values are not 2 rows of 2");
        assertThrows(IllegalArgumentException.class,
                () -> FlatSearch.search(Metric.L2, 3, new float[3], 1, 0, entries, SearchOptions.CALLER_THREAD));
        assertThrows(IllegalArgumentException.class,
                () -> FlatSearch.search(Metric.L2, 3, new float[3], 2, 1, entries, SearchOptions.CALLER_THREAD));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> FlatSearch.search(Metric.COSINE, 3, new float[] {1, 0, 0, 0, 0, 0}, 2, 1, entries, SearchOptions.CALLER_THREAD));
        assertTrue(zero.getMessage().contains("query 1"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SearchEntry("b.vec", MemorySegment.ofArray(new float[4]), 2, false));
        assertThrows(IllegalArgumentException.class, () -> new SearchEntry("c.npy", MemorySegment.ofArray(new float[5]), 2, true));
        assertThrows(IllegalArgumentException.class, () -> new SearchOptions(null, 0, true));
        assertEquals("x.npy#3", new Hit(1f, "x.npy", 3).name());
        assertEquals("x.vec", new Hit(1f, "x.vec", -1).name());
    }

    @Test
    void suggestedParallelismKeepsPartsWorthAThread() {
        assertEquals(1, SearchOptions.suggestedParallelism(1000, 128, 8));
        assertEquals(8, SearchOptions.suggestedParallelism(1_000_000, 128, 8));
        assertEquals(4, SearchOptions.suggestedParallelism(8192, 128, 8));
        assertEquals(1, SearchOptions.suggestedParallelism(1000, 128, 1, 8));
        assertEquals(8, SearchOptions.suggestedParallelism(1000, 128, 100, 8), "a batch of 100 queries is worth eight threads");
    }

    /** Whether rank i of the reference is farther than the float error from its neighbours, so no rounding can move it. */
    private static boolean separated(List<Exact> reference, int i) {
        Exact here = reference.get(i);
        boolean fromPrevious = i == 0 || here.distance() - reference.get(i - 1).distance() > here.tolerance() + reference.get(i - 1).tolerance();
        boolean fromNext = i + 1 >= reference.size() || reference.get(i + 1).distance() - here.distance() > here.tolerance() + reference.get(i + 1).tolerance();
        return fromPrevious && fromNext;
    }

    /**
     * Every stored vector's exact distance, in double, ranked with ties by path then row. The
     * tolerances bound the float kernels' error (n * 2^-24 per sum of n terms, doubled for safety).
     */
    private static List<Exact> reference(Metric metric, int dim, float[] queries, int q, List<SearchEntry> entries) {
        double unit = (dim + 10) * 0x1p-23;
        List<Exact> all = new ArrayList<>();
        for (SearchEntry entry : entries) {
            float[] values = entry.copyRows(0, entry.rows());
            for (int row = 0; row < entry.rows(); row++) {
                double dot = 0;
                double magnitude = 0;
                double l2 = 0;
                double queryNorm = 0;
                double norm = 0;
                for (int i = 0; i < dim; i++) {
                    double x = queries[q * dim + i];
                    double y = values[row * dim + i];
                    dot += x * y;
                    magnitude += Math.abs(x * y);
                    l2 += (x - y) * (x - y);
                    queryNorm += x * x;
                    norm += y * y;
                }
                double distance;
                double tolerance;
                switch (metric) {
                    case L2 -> {
                        distance = Math.sqrt(l2);
                        tolerance = unit * distance + 0x1p-23 * distance;
                    }
                    case COSINE -> {
                        distance = norm == 0 ? 1 : 1 - dot / Math.sqrt(queryNorm * norm);
                        tolerance = 3 * unit + 0x1p-23;
                    }
                    default -> {
                        distance = -dot;
                        tolerance = unit * magnitude + 0x1p-23 * Math.abs(dot);
                    }
                }
                String name = entry.multiRow() ? entry.path() + "#" + row : entry.path();
                all.add(new Exact(name, entry.path(), entry.multiRow() ? row : -1, distance, tolerance));
            }
        }
        all.sort(Comparator.comparingDouble(Exact::distance).thenComparing(Exact::path).thenComparingInt(Exact::row));
        return all;
    }

    private static float[] concat(float[]... parts) {
        float[] all = new float[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static List<String> names(List<Hit> hits) {
        return hits.stream().map(Hit::name).toList();
    }
}
