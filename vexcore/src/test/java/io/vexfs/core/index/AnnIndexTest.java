package io.vexfs.core.index;

import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jvector index as a library: recall against exact search, removal, the filter inside the search, rebuilds. */
class AnnIndexTest {
    static final int DIM = 32;
    static final int K = 10;
    static final Predicate<File> ALL = owner -> true;
    static ForkJoinPool pool;

    @BeforeAll
    static void startPool() {
        pool = new ForkJoinPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdown();
    }

    /**
     * A file of {@code rows} vectors: the owner of a block, named by its number. Its floats are
     * kept twice: in {@code values} for the exact answers, and in native memory, little-endian,
     * as a mapped segment file holds them, for the index.
     */
    record File(int number, float[] values, int rows, MemorySegment memory) {
        File(int number, float[] values, int rows) {
            this(number, values, rows, nativeCopy(values));
        }

        AnnIndex.Block<File> block() {
            return new AnnIndex.Block<>(this, memory, rows, AnnIndex.Pin.NONE);
        }

        AnnIndex.Block<File> block(AnnIndex.Pin pin) {
            return new AnnIndex.Block<>(this, memory, rows, pin);
        }
    }

    static MemorySegment nativeCopy(float[] values) {
        MemorySegment m = Arena.ofAuto().allocate((long) values.length * Float.BYTES, Float.BYTES);
        MemorySegment.copy(values, 0, m, VectorKernels.FLOAT_LE, 0, values.length);
        return m;
    }

    /** Pins counted, as a segment counts them. */
    static final class CountingPin implements AnnIndex.Pin {
        final AtomicInteger pins = new AtomicInteger();
        volatile boolean gone;

        @Override
        public boolean tryPin() {
            if (gone) {
                return false;
            }
            pins.incrementAndGet();
            return true;
        }

        @Override
        public void unpin() {
            assertTrue(pins.decrementAndGet() >= 0, "unpinned more often than pinned");
        }
    }

    static float[] randomVectors(int rows, int dim, long seed) {
        Random random = new Random(seed);
        float[] v = new float[rows * dim];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** {@code data} split into files of {@code rowsPerFile} rows (the last may hold fewer), each with its own array. */
    static List<File> files(float[] data, int dim, int rowsPerFile) {
        List<File> files = new ArrayList<>();
        int rows = data.length / dim;
        for (int first = 0; first < rows; first += rowsPerFile) {
            int n = Math.min(rowsPerFile, rows - first);
            files.add(new File(files.size(), Arrays.copyOfRange(data, first * dim, (first + n) * dim), n));
        }
        return files;
    }

    static AnnIndex<File> indexOf(Metric metric, List<File> files, AnnParams params) {
        AnnIndex<File> index = new AnnIndex<>(metric, DIM, params, pool);
        index.addAll(files.stream().map(File::block).toList(), () -> false);
        return index;
    }

    /** A row's place as "file:row". */
    static String name(File f, int row) {
        return f.number() + ":" + row;
    }

    static List<String> names(List<AnnIndex.Hit<File>> hits) {
        return hits.stream().map(h -> name(h.owner(), h.row())).toList();
    }

    /** The exact k nearest rows of the accepted files, by the metric's reported distance. */
    static Set<String> exact(Metric metric, List<File> files, float[] query, int offset, int k, Predicate<File> accept) {
        record Scored(float distance, String name) {
        }
        List<Scored> all = new ArrayList<>();
        for (File f : files) {
            if (accept.test(f)) {
                for (int row = 0; row < f.rows(); row++) {
                    all.add(new Scored(metric.distance(query, offset, f.values(), row * DIM, DIM), name(f, row)));
                }
            }
        }
        all.sort((a, b) -> Float.compare(a.distance(), b.distance()));
        Set<String> best = new HashSet<>();
        for (int i = 0; i < Math.min(k, all.size()); i++) {
            best.add(all.get(i).name());
        }
        return best;
    }

    static double recall(AnnIndex<File> index, Metric metric, List<File> files, float[] queries, int ef, Predicate<File> accept) {
        return recall(index, metric, files, queries, ef, index.params().rerank(), accept);
    }

    static double recall(AnnIndex<File> index, Metric metric, List<File> files, float[] queries, int ef, int rerank,
                         Predicate<File> accept) {
        int count = queries.length / DIM;
        int found = 0;
        int wanted = 0;
        for (int q = 0; q < count; q++) {
            Set<String> truth = exact(metric, files, queries, q * DIM, K, accept);
            List<String> got = names(index.search(queries, q * DIM, K, ef, rerank, accept));
            assertEquals(truth.size(), got.size(), "as many hits as the accepted rows allow, up to k");
            for (String n : got) {
                found += truth.contains(n) ? 1 : 0;
            }
            wanted += truth.size();
        }
        return (double) found / wanted;
    }

    @Test
    void rowsOnTheHeapAreReadToo() {
        float[] data = randomVectors(500, DIM, 23);
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, AnnParams.DEFAULTS, pool);
        File f = new File(0, data, 500);
        // A slice that starts past the array's first float: rows count from where the slice does.
        index.addAll(List.of(new AnnIndex.Block<>(f, MemorySegment.ofArray(data).asSlice(DIM * Float.BYTES), 499,
                AnnIndex.Pin.NONE)), () -> false);
        for (int row = 0; row < 499; row += 50) {
            assertEquals(List.of("0:" + row), names(index.search(data, (row + 1) * DIM, 1, 64, ALL)));
        }
    }

    @Test
    void pinsAreHeldWhileSearchesCouldReadAndReleasedAfter() {
        List<File> files = files(randomVectors(2_000, DIM, 24), DIM, 100);
        List<CountingPin> pins = new ArrayList<>();
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, AnnParams.DEFAULTS, pool);
        List<AnnIndex.Block<File>> blocks = new ArrayList<>();
        for (File f : files) {
            CountingPin pin = new CountingPin();
            pins.add(pin);
            blocks.add(f.block(pin));
        }
        CountingPin goneAlready = new CountingPin();
        goneAlready.gone = true;
        File late = new File(99, randomVectors(3, DIM, 25), 3);
        blocks.add(late.block(goneAlready));

        List<AnnIndex.Block<File>> left = index.addAll(blocks, () -> false);

        assertEquals(List.of(late), left.stream().map(AnnIndex.Block::owner).toList(), "a block whose memory is gone is left out");
        assertEquals(2_000, index.indexed());
        assertTrue(pins.stream().allMatch(p -> p.pins.get() == 1));
        index.remove(files.get(0));
        assertEquals(0, index.releaseRetired(), "its graph nodes are only marked deleted: searches still reach them");
        assertEquals(1, pins.get(0).pins.get());
        for (int i = 1; i < 10; i++) {
            index.remove(files.get(i));
        }
        assertFalse(index.purgeIfNeeded());
        assertEquals(10, index.releaseRetired(), "purged: after the grace period, nothing reaches them");
        assertTrue(pins.subList(0, 10).stream().allMatch(p -> p.pins.get() == 0));
        assertEquals(0, index.retiringBlocks());

        index.close();
        assertTrue(pins.stream().allMatch(p -> p.pins.get() == 0), "a closed index holds no pin");
    }

    @Test
    void aGraphNodeWhoseRowGoesMovesToACopyAndReleasesItsMemoryAtOnce() {
        // A compaction rewrites files elsewhere: the new rows are copies of the old, then the old go.
        float[] data = randomVectors(1_500, DIM, 26);
        List<File> originals = files(data, DIM, 100);
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, AnnParams.DEFAULTS, pool);
        List<CountingPin> pins = new ArrayList<>();
        List<AnnIndex.Block<File>> blocks = new ArrayList<>();
        for (File f : originals) {
            CountingPin pin = new CountingPin();
            pins.add(pin);
            blocks.add(f.block(pin));
        }
        index.addAll(blocks, () -> false);
        List<File> moved = new ArrayList<>();
        for (File f : originals) {
            moved.add(new File(100 + f.number(), f.values(), f.rows()));
        }
        index.addAll(moved.stream().map(File::block).toList(), () -> false);
        for (File f : originals) {
            index.remove(f);
        }

        assertEquals(originals.size(), index.releaseRetired(), "no purge needed: the graph reads the copies now");
        assertTrue(pins.stream().allMatch(p -> p.pins.get() == 0));
        assertEquals(1_500, index.indexed());
        double recall = recall(index, Metric.L2, moved, randomVectors(100, DIM, 27), 64, ALL);
        assertTrue(recall >= 0.95, "recall@10 after every row moved: " + recall);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void recallAtTenAgainstExactSearchIsAtLeastNinetyFivePercent(Metric metric) {
        List<File> files = files(randomVectors(10_000, DIM, 1), DIM, 100);
        AnnIndex<File> index = indexOf(metric, files, AnnParams.DEFAULTS);
        assertEquals(10_000, index.indexed());

        double recall = recall(index, metric, files, randomVectors(200, DIM, 2), 64, ALL);

        assertTrue(recall >= 0.95, metric + " recall@10 at ef=64: " + recall);
    }

    @Test
    void recallGrowsWithEf() {
        List<File> files = files(randomVectors(10_000, DIM, 3), DIM, 1000);
        // A deliberately weak graph (m 8, ef_construction 40) at alpha 1.2, the default this bound was
        // set at: at 1.0 it is sparser still, and recall at ef 160 sat on the bound (0.9495 in one run).
        AnnIndex<File> index = indexOf(Metric.L2, files, new AnnParams(8, 40, 10, 0, AnnParams.DEFAULT_RERANK, 1.2f));
        float[] queries = randomVectors(200, DIM, 4);
        double low = recall(index, Metric.L2, files, queries, 10, ALL);
        double high = recall(index, Metric.L2, files, queries, 160, ALL);

        assertTrue(high > low, "ef=160 recalls no more than ef=10: " + low + " -> " + high);
        assertTrue(high >= 0.95, "recall@10 at ef=160: " + high);
    }

    @Test
    void theDefaultAlphaOneLinksSparserThanJvectorsAndStillRecalls() {
        List<File> files = files(randomVectors(3_000, DIM, 41), DIM, 100);
        float[] queries = randomVectors(100, DIM, 42);
        AnnIndex<File> dense = indexOf(Metric.L2, files, new AnnParams(16, 100, 64, 0, AnnParams.DEFAULT_RERANK, 1.2f));
        AnnIndex<File> sparse = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
        assertEquals(1.0f, sparse.params().alpha());

        // Measured on this data: 31.1 links a node at 1.2, 20.8 at 1.0 (HNSW's rule), of at most 32.
        assertTrue(sparse.meanBottomDegree() < 0.8 * dense.meanBottomDegree(),
                "alpha 1.0: " + sparse.meanBottomDegree() + " links a node, alpha 1.2: " + dense.meanBottomDegree());
        double recall = recall(sparse, Metric.L2, files, queries, 64, ALL);
        assertTrue(recall >= 0.9, "recall@10 at ef 64 with alpha 1.0: " + recall);
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(16, 100, 64, 0, 4, 0.99f));
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(16, 100, 64, 0, 4, Float.NaN));
    }

    /**
     * HNSW's rule (alpha 1.0) leaves some nodes with few in-links, and some with none (their
     * stand-ins included) once their neighbours' selection has dropped them. Without the repair one
     * stored vector in 3,000 did not find itself even at ef 200 in one build of ten; with links
     * back from the neighbours it had, in one build of 95 (throwaway probe: 4 of 380). Such a
     * node (few in-links, its nearest neighbour not linking back) is now walked to again and
     * relinked, and orphans (some made by the relinking itself) get stand-ins: no miss in 400
     * builds. Concurrent inserts decide which nodes end up weak, so the bound is over three
     * builds: at most one miss in 9,000.
     */
    @Test
    void weaklyLinkedNodesAreRelinkedSoStoredVectorsAreReached() {
        List<String> missed = new ArrayList<>();
        for (long seed : new long[] {5, 6, 7}) {
            List<File> files = files(randomVectors(3_000, DIM, seed), DIM, 1);
            AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
            assertEquals(1.0f, index.params().alpha());
            assertTrue(index.backlinkedNodes() > 0, "seed " + seed + ": no node with " + AnnIndex.WEAKLY_LINKED
                    + " in-links or fewer was repaired (measured: 22 a build on average on such data)");
            for (File f : files) {
                if (!names(index.search(f.values(), 0, 1, 200, ALL)).equals(List.of(name(f, 0)))) {
                    missed.add("seed " + seed + ": " + name(f, 0));
                }
            }
        }
        assertTrue(missed.size() <= 1, "stored vectors that did not find themselves at ef 200: " + missed);
    }

    /**
     * An index filled batch by batch repairs only what each batch brought: a small batch waits for
     * the next run (the nodes added since are a thirty-second of the table or more), and a run
     * repairs the weak nodes added since the last one, not every weak node again (which took most
     * of a 200,000-row build in batches of 5,000). After the last run every stored vector is still
     * found.
     */
    @Test
    void batchesAreRepairedOnceSoStoredVectorsAreReachedWithoutRepairingOldNodesAgain() {
        List<File> files = files(randomVectors(6_000, DIM, 5), DIM, 1);
        AnnIndex<File> index = indexOf(Metric.L2, files.subList(0, 3_000), AnnParams.DEFAULTS);
        int afterFirst = index.backlinkedNodes();
        assertTrue(afterFirst > 0, "nothing repaired in the first 3,000 rows (measured: 22 a build on such data)");

        index.addAll(files.subList(3_000, 3_050).stream().map(File::block).toList(), () -> false);
        assertEquals(afterFirst, index.backlinkedNodes(), "50 rows beside 3,000 are below a thirty-second: no run");

        // Every batch of 590 is a thirty-second of the table or more: a run after each.
        int repairedPerBatch = 0;
        for (int first = 3_050; first < 6_000; first += 590) {
            int before = index.backlinkedNodes();
            index.addAll(files.subList(first, first + 590).stream().map(File::block).toList(), () -> false);
            repairedPerBatch = Math.max(repairedPerBatch, index.backlinkedNodes() - before);
        }
        // Repairing every weak node again would repair at least as many at each run as the first build did.
        assertTrue(repairedPerBatch < afterFirst, "a run repaired " + repairedPerBatch + " nodes, the first 3,000 rows " + afterFirst);
        List<String> missed = new ArrayList<>();
        for (File f : files) {
            if (!names(index.search(f.values(), 0, 1, 200, ALL)).equals(List.of(name(f, 0)))) {
                missed.add(name(f, 0));
            }
        }
        assertTrue(missed.size() <= 1, "stored vectors that did not find themselves at ef 200: " + missed);
    }

    /**
     * On gaussian data of 128 dimensions many nodes have few in-links and a nearest neighbour that
     * does not link back (measured: 652 of 10,000, 97,700 of 300,000); relinking each costs a walk,
     * as an insert does, so a run relinks at most one in {@link AnnIndex#RELINK_SHARE} (those with
     * fewest in-links) and links back to the rest.
     */
    @Test
    void relinksAreBudgetedWhereManyNodesAreWeak() {
        int dim = 128;
        float[] data = randomVectors(10_000, dim, 21);
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, dim, AnnParams.DEFAULTS, pool);
        index.addAll(files(data, dim, 100).stream().map(File::block).toList(), () -> false);

        assertTrue(index.relinkWalks() > 0, "nothing relinked");
        assertTrue(index.relinkWalks() <= 10_000 / AnnIndex.RELINK_SHARE, index.relinkWalks() + " relinked of 10,000");
        assertTrue(index.backlinkedNodes() > index.relinkWalks(), "the rest are linked back to: " + index.backlinkedNodes());
        int first = 0;
        for (int row = 0; row < 10_000; row += 10) {
            List<AnnIndex.Hit<File>> hit = index.search(data, row * dim, 1, 200, ALL);
            first += hit.getFirst().owner().number() * 100 + hit.getFirst().row() == row ? 1 : 0;
        }
        // Measured 998 with the budget (100 relinked), 1,000 relinking all 652 that qualified.
        assertTrue(first >= 980, "stored rows that found themselves first at ef 200: " + first + " of 1,000");
    }

    @Test
    void storedVectorsFindThemselvesFirst() {
        List<File> files = files(randomVectors(3_000, DIM, 5), DIM, 1);
        AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
        int first = 0;
        for (File f : files) {
            first += names(index.search(f.values(), 0, 1, 32, ALL)).equals(List.of(name(f, 0))) ? 1 : 0;
        }

        // A graph built on two threads can leave a rare node hard to reach at a small ef; 0.9997
        // measured. At ef 200: weaklyLinkedNodesAreRelinkedSoStoredVectorsAreReached.
        assertTrue(first >= 2_994, "self first at ef=32 for " + first + " of 3000");
    }

    @Test
    void emptyIndexFindsNothingAndKBeyondTheIndexReturnsEveryRow() {
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, AnnParams.DEFAULTS, pool);
        assertEquals(List.of(), index.search(new float[DIM], 0, K, 64, ALL));

        List<File> files = files(randomVectors(7, DIM, 6), DIM, 3);
        index.addAll(files.stream().map(File::block).toList(), () -> false);
        float[] query = randomVectors(1, DIM, 7);
        List<String> all = names(index.search(query, 0, 50, 1, ALL));

        assertEquals(exact(Metric.L2, files, query, 0, 50, f -> true), new HashSet<>(all), "ef below k is raised to k");
        assertEquals(7, all.size());
    }

    @Test
    void everyCopyOfADuplicatedVectorIsFoundAndOthersStayReachable() {
        float[] data = randomVectors(2_000, DIM, 8);
        // Rows 0..99 are copies of row 0: a copied file, a hundred times.
        for (int row = 1; row < 100; row++) {
            System.arraycopy(data, 0, data, row * DIM, DIM);
        }
        List<File> files = files(data, DIM, 1);
        AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);

        Set<String> copies = new HashSet<>(names(index.search(data, 0, 100, 200, ALL)));
        assertEquals(100, copies.size());
        for (int row = 0; row < 100; row++) {
            assertTrue(copies.contains(row + ":0"), "copy " + row);
        }
        double recall = recall(index, Metric.L2, files, randomVectors(100, DIM, 9), 64, ALL);
        assertTrue(recall >= 0.95, "recall@10 of other queries beside the copies: " + recall);
    }

    @Test
    void theFilterRunsInsideTheSearchSoKHitsComeFromAFewAcceptedFiles() {
        List<File> files = files(randomVectors(10_000, DIM, 10), DIM, 10);
        AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
        // One file in twenty: dropping the others from an unfiltered top 10 would leave about half a hit.
        Predicate<File> oneInTwenty = f -> f.number() % 20 == 0;

        double recall = recall(index, Metric.L2, files, randomVectors(100, DIM, 11), 64, oneInTwenty);

        assertTrue(recall >= 0.9, "recall@10 among the accepted files: " + recall);
    }

    @Test
    void removedRowsNeverAppearAndRecallHoldsAfterAPurge() {
        List<File> files = files(randomVectors(6_000, DIM, 12), DIM, 10);
        AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
        List<File> kept = new ArrayList<>();
        Set<File> removed = new HashSet<>();
        for (File f : files) {
            if (f.number() % 3 == 0) {
                assertTrue(index.remove(f));
                removed.add(f);
            } else {
                kept.add(f);
            }
        }
        assertFalse(index.remove(files.getFirst()), "a block is removed once");
        assertEquals(4_000, index.indexed());
        float[] queries = randomVectors(100, DIM, 13);
        for (int q = 0; q < 100; q++) {
            for (AnnIndex.Hit<File> h : index.search(queries, q * DIM, K, 64, ALL)) {
                assertFalse(removed.contains(h.owner()), "removed file " + h.owner().number() + " before the purge");
            }
        }

        assertFalse(index.purgeIfNeeded(), "2,000 purged of 6,000 is no reason to rebuild yet");
        for (int q = 0; q < 100; q++) {
            for (AnnIndex.Hit<File> h : index.search(queries, q * DIM, K, 64, ALL)) {
                assertFalse(removed.contains(h.owner()), "removed file " + h.owner().number() + " after the purge");
            }
        }
        double recall = recall(index, Metric.L2, kept, queries, 64, ALL);
        assertTrue(recall >= 0.95, "recall@10 after removing a third: " + recall);
    }

    @Test
    void aRebuildKeepsTheLiveRowsAndReclaimsTheRemovedOnes() {
        List<File> files = files(randomVectors(4_000, DIM, 14), DIM, 10);
        AnnIndex<File> index = indexOf(Metric.COSINE, files, AnnParams.DEFAULTS);
        List<File> kept = new ArrayList<>();
        for (File f : files) {
            if (f.number() % 4 == 0) {
                kept.add(f);
            } else {
                index.remove(f);
            }
        }
        assertTrue(index.purgeIfNeeded(), "3,000 purged against 1,000 live: worth a rebuild");

        AnnIndex<File> rebuilt = index.rebuilt(() -> false);

        assertEquals(1_000, rebuilt.indexed());
        assertEquals(1_000, rebuilt.nodeCount());
        assertEquals(4_000, index.nodeCount(), "the old index is left as it was, for searches in flight");
        double recall = recall(rebuilt, Metric.COSINE, kept, randomVectors(100, DIM, 15), 64, ALL);
        assertTrue(recall >= 0.95, "recall@10 of the rebuilt index: " + recall);
    }

    @Test
    void dotWithEveryProductNegativeStillFindsTheNearest() {
        // Every stored vector points away from the query, so every dot product is negative, and
        // jvector's own (1 + dot) / 2 would be below 0, which its search takes for "no result".
        // Thirty rows fit in one neighbour list, so the search sees them all: the answer is exact.
        float[] data = randomVectors(30, DIM, 16);
        for (int i = 0; i < data.length; i++) {
            data[i] = -1f - Math.abs(data[i]);
        }
        List<File> files = files(data, DIM, 1);
        AnnIndex<File> index = indexOf(Metric.DOT, files, AnnParams.DEFAULTS);
        float[] query = new float[DIM];
        Arrays.fill(query, 1f);

        List<String> got = names(index.search(query, 0, K, 64, ALL));

        assertEquals(exact(Metric.DOT, files, query, 0, K, f -> true), new HashSet<>(got));
    }

    @Test
    void aCancelledAddStopsAndSaysSo() {
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, AnnParams.DEFAULTS, pool);
        List<AnnIndex.Block<File>> blocks = files(randomVectors(5_000, DIM, 17), DIM, 1000).stream().map(File::block).toList();

        assertThrows(CancellationException.class, () -> index.addAll(blocks, () -> true));
        assertEquals(0, index.indexed());
    }

    @Test
    void badArgumentsAreRefused() {
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, AnnParams.DEFAULTS, pool);
        File f = new File(0, randomVectors(2, DIM, 18), 2);
        index.addAll(List.of(f.block()), () -> false);

        assertThrows(IllegalArgumentException.class, () -> index.addAll(List.of(f.block()), () -> false), "an owner twice");
        File g = new File(1, randomVectors(2, DIM, 19), 2);
        assertThrows(IllegalArgumentException.class, () -> index.addAll(List.of(g.block(), g.block()), () -> false),
                "an owner twice in one call");
        assertEquals(2, index.nodeCount(), "a refused call adds nothing");
        assertThrows(IllegalArgumentException.class, () -> index.addAll(List.of(new AnnIndex.Block<>(g,
                MemorySegment.ofArray(new float[DIM]), 2, AnnIndex.Pin.NONE)), () -> false), "too few values");
        assertThrows(IllegalArgumentException.class, () -> index.search(new float[DIM], 0, 0, 10, ALL));
        assertThrows(IllegalArgumentException.class, () -> index.search(new float[DIM], 0, 10, 0, ALL));
        assertThrows(IndexOutOfBoundsException.class, () -> index.search(new float[DIM - 1], 0, 10, 10, ALL));
        assertThrows(IllegalArgumentException.class, () -> new AnnIndex<File>(Metric.L2, 0, AnnParams.DEFAULTS, pool));
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(1, 100, 10));
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(16, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(16, 100, 0));
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(16, 100, 10, -1, 4, AnnParams.DEFAULT_ALPHA));
        assertThrows(IllegalArgumentException.class, () -> new AnnParams(16, 100, 10, 8, 0, AnnParams.DEFAULT_ALPHA));
        assertThrows(IllegalArgumentException.class, () -> new AnnIndex<File>(Metric.L2, DIM, new AnnParams(16, 100, 10, DIM + 1, 4, AnnParams.DEFAULT_ALPHA), pool));
        assertThrows(IllegalArgumentException.class, () -> index.search(new float[DIM], 0, 10, 10, 0, ALL));
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void prefetchingNeighboursChangesNoAnswer(Metric metric) {
        List<File> files = files(randomVectors(6_000, DIM, 43), DIM, 500);
        float[] queries = randomVectors(100, DIM, 44);
        for (AnnParams params : List.of(AnnParams.DEFAULTS, new AnnParams(16, 100, 64, 8, 4, AnnParams.DEFAULT_ALPHA),
                AnnParams.DEFAULTS.withCodes(0, Quantization.INT8))) {
            AnnIndex<File> index = indexOf(metric, files, params);
            assertEquals(params.codeBytes(DIM) > 0, index.quantized(), "6,000 nodes are enough to train on");
            for (int ef : new int[] {10, 64}) {
                List<List<String>> with = new ArrayList<>();
                List<List<String>> without = new ArrayList<>();
                try {
                    for (int q = 0; q < 100; q++) {
                        AnnIndex.setPrefetching(true);
                        with.add(names(index.search(queries, q * DIM, K, ef, ALL)));
                        AnnIndex.setPrefetching(false);
                        without.add(names(index.search(queries, q * DIM, K, ef, ALL)));
                    }
                } finally {
                    AnnIndex.setPrefetching(true);
                }
                assertEquals(without, with, metric + ", pq " + params.pqSubspaces() + ", " + params.quantization() + ", ef " + ef);
                assertEquals(100 * K, with.stream().mapToInt(List::size).sum());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void searchOnProductCodesRerankedOnFullVectorsRecallsAtLeastNinetyPercent(Metric metric) {
        List<File> files = files(randomVectors(10_000, DIM, 41), DIM, 500);
        AnnIndex<File> index = indexOf(metric, files, new AnnParams(16, 100, 64, 16, 4, AnnParams.DEFAULT_ALPHA));
        assertTrue(index.quantized(), "10,000 nodes are enough to train on");
        AnnIndex<File> full = indexOf(metric, files, AnnParams.DEFAULTS);
        assertTrue(index.graphBytes() > full.graphBytes() + 10_000 * 16, "the codes (16 bytes a node) are counted as index memory");
        float[] queries = randomVectors(200, DIM, 42);

        double recall = recall(index, metric, files, queries, 64, ALL);
        double fewer = recall(index, metric, files, queries, 64, 1, ALL);

        assertTrue(recall >= 0.9, metric + " recall@10 at ef=64, rerank 4: " + recall);
        assertTrue(fewer < recall, metric + " re-ranking only the k best estimates recalls less: " + fewer + " vs " + recall);
    }

    /**
     * A walk on int8 codes (a quarter of the float row's bytes) with the best rerank x k re-ranked
     * on full vectors recalls within a point of the walk on full vectors over the same graph.
     */
    @ParameterizedTest
    @EnumSource(Metric.class)
    void searchOnInt8CodesRerankedOnFullVectorsRecallsAsTheWalkOnFullVectors(Metric metric) {
        List<File> files = files(randomVectors(10_000, DIM, 41), DIM, 500);
        AnnIndex<File> index = indexOf(metric, files, AnnParams.DEFAULTS);
        float[] queries = randomVectors(200, DIM, 42);
        double fullWalk = recall(index, metric, files, queries, 64, ALL);
        long graphOnly = index.graphBytes();

        index.requantize(0, Quantization.INT8);
        assertTrue(index.quantized(), "10,000 nodes are enough to train on");
        assertEquals(Quantization.INT8, index.quantization());
        assertEquals(DIM, index.codeBytes(), "a byte a dimension (32: a multiple of 32, no padding)");
        assertTrue(index.codesAre(AnnParams.DEFAULTS.withCodes(0, Quantization.INT8)));
        assertFalse(index.codesAre(AnnParams.DEFAULTS), "the codes are not what full vectors ask for");
        assertTrue(index.graphBytes() >= graphOnly + 10_000L * DIM, "the codes are counted as index memory");
        double codesWalk = recall(index, metric, files, queries, 64, ALL);
        assertTrue(codesWalk >= 0.95 && codesWalk >= fullWalk - 0.01,
                metric + " recall@10 at ef=64 on int8 codes, rerank 4: " + codesWalk + ", on full vectors " + fullWalk);
    }

    /**
     * Rows inserted once int8 codes are trained find their candidates on the codes and are linked
     * by exact scores: the graph recalls on full vectors as one built on full vectors does.
     */
    @Test
    void aGraphBuiltOnInt8CodesRecallsOnFullVectorsAsOneBuiltOnThem() {
        List<File> files = files(randomVectors(10_000, DIM, 51), DIM, 500);
        float[] queries = randomVectors(200, DIM, 52);
        AnnIndex<File> onCodes = indexOf(Metric.L2, files, AnnParams.DEFAULTS.withCodes(0, Quantization.INT8));
        assertEquals(Quantization.INT8, onCodes.quantization(), "trained at 4,096 rows: the other 5,904 were inserted on codes");
        double codesWalk = recall(onCodes, Metric.L2, files, queries, 64, ALL);
        onCodes.requantize(0, Quantization.NONE);
        double fullWalk = recall(onCodes, Metric.L2, files, queries, 64, ALL);
        double builtOnFull = recall(indexOf(Metric.L2, files, AnnParams.DEFAULTS), Metric.L2, files, queries, 64, ALL);
        assertTrue(fullWalk >= 0.95 && fullWalk >= builtOnFull - 0.01 && codesWalk >= builtOnFull - 0.01,
                "recall@10 at ef 64 of the graph inserted on codes: " + fullWalk + " on full vectors, " + codesWalk
                        + " on its codes; of one inserted on full vectors " + builtOnFull);
    }

    /** The file version AnnIndex.write's output is read as (AnnIndexFiles.VERSION writes the header that says so). */
    private static final int WRITTEN_VERSION = 5;

    /**
     * An index file that fails part way through its reading (here cut one byte short: a file that
     * passed its checksum gets there only through a rare corruption or a writer's bug) lets go of
     * every block it pinned; read whole, the index holds them until it is closed.
     */
    @Test
    void aReadThatFailsPartWayUnpinsTheBlocksItPinned() throws Exception {
        List<File> files = files(randomVectors(2_000, DIM, 61), DIM, 500);
        AnnIndex<File> built = indexOf(Metric.L2, files, new AnnParams(16, 100, 64, 0, AnnParams.DEFAULT_RERANK, 1.0f, Quantization.INT8));
        Path path = Files.createTempFile("vexfs-index", ".idx");
        try {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                IndexOutput out = new IndexOutput(ch);
                built.write(out, f -> new AnnIndex.BlockKey(f.number(), 0, f.rows()));
                out.flush();
            }
            built.close();
            long size = Files.size(path);
            for (long length : new long[] {size - 1, size}) {
                List<CountingPin> pins = new ArrayList<>();
                Arena arena = Arena.ofShared();
                MemorySegment file;
                try (FileChannel ch = FileChannel.open(path)) {
                    file = ch.map(FileChannel.MapMode.READ_ONLY, 0, length, arena);
                }
                Supplier<AnnIndex<File>> read = () -> AnnIndex.read(Metric.L2, DIM,
                        new AnnParams(16, 100, 64, 0, AnnParams.DEFAULT_RERANK, 1.0f, Quantization.INT8), pool, new IndexInput(file),
                        WRITTEN_VERSION, arena, key -> {
                            CountingPin pin = new CountingPin();
                            pins.add(pin);
                            return files.get((int) key.segment()).block(pin);
                        });
                if (length < size) {
                    assertThrows(CorruptIndexException.class, read::get);
                    arena.close();
                    assertEquals(4, pins.size(), "every block was matched before the end was missed");
                    for (CountingPin pin : pins) {
                        assertEquals(0, pin.pins.get(), "a pin the failed read took is released");
                    }
                } else {
                    AnnIndex<File> index = read.get();
                    assertEquals(2_000, index.indexed());
                    for (CountingPin pin : pins) {
                        assertEquals(1, pin.pins.get(), "the index read holds its blocks");
                    }
                    index.close();
                    for (CountingPin pin : pins) {
                        assertEquals(0, pin.pins.get(), "and lets go of them when closed");
                    }
                }
            }
        } finally {
            Files.delete(path);
        }
    }

    /** Each code is within half a grid step of its value (clamped outside the grid), so estimates are close to exact distances. */
    @ParameterizedTest
    @EnumSource(Metric.class)
    void int8EstimatesAreCloseToExactDistancesAndOutliersAreClamped(Metric metric) {
        float[] rows = randomVectors(2_000, DIM, 47);
        ScalarCodes codes = ScalarCodes.train(metric, new ArrayRows(rows, DIM));
        short[] query = new short[DIM];
        byte[] a = new byte[DIM];
        byte[] b = new byte[DIM];
        double[] errors = new double[1_000];
        for (int r = 0; r + 1 < 2_000; r += 2) {
            codes.encodeQuery(rows, r * DIM, query);
            codes.encode(rows, (r + 1) * DIM, b, 0);
            float exact = metric == Metric.L2 ? VectorKernels.squaredL2(rows, r * DIM, rows, (r + 1) * DIM, DIM)
                    : VectorKernels.dot(rows, r * DIM, rows, (r + 1) * DIM, DIM);
            float estimate = codes.estimate(metric == Metric.L2 ? VectorKernels.squaredDistanceCodes(query, b, 0, DIM)
                    : VectorKernels.dotCodes(query, b, 0, DIM));
            float squaredNorms = VectorKernels.squaredNorm(rows, r * DIM, DIM) + VectorKernels.squaredNorm(rows, (r + 1) * DIM, DIM);
            errors[r / 2] = Math.abs(estimate - exact) / squaredNorms;
        }
        // Relative to the rows' squared norms. Measured: l2 0.004 (median) and 0.018 (99th
        // percentile; the largest, 0.12, where a value lies past the grid's end); dot 0.0007 and 0.003.
        Arrays.sort(errors);
        assertTrue(errors[500] < 0.01 && errors[990] < 0.05, metric + ": median error " + errors[500] + ", 99th percentile " + errors[990]);
        float[] outliers = new float[DIM];
        Arrays.fill(outliers, 0, DIM / 2, 1e6f);
        Arrays.fill(outliers, DIM / 2, DIM, -1e6f);
        codes.encode(outliers, 0, a, 0);
        for (int i = 0; i < DIM; i++) {
            int expected = i < DIM / 2 ? 127 : metric == Metric.L2 ? 0 : -127;
            assertEquals(expected, a[i], "value " + outliers[i] + " clamped to the grid's end, never wrapped");
        }
        ScalarCodes read = ScalarCodes.deserialize(codes.serialized(), metric, DIM);
        byte[] again = new byte[DIM];
        codes.encode(rows, 0, a, 0);
        read.encode(rows, 0, again, 0);
        assertArrayEquals(a, again, "the grid reads back as it was written");
        assertThrows(CorruptIndexException.class, () -> ScalarCodes.deserialize(new byte[7], metric, DIM));
        byte[] nan = java.nio.ByteBuffer.allocate(8).putFloat(0f).putFloat(Float.NaN).array();
        assertThrows(CorruptIndexException.class, () -> ScalarCodes.deserialize(nan, metric, DIM));
        byte[] zeroStep = java.nio.ByteBuffer.allocate(8).putFloat(0f).putFloat(0f).array();
        assertThrows(CorruptIndexException.class, () -> ScalarCodes.deserialize(zeroStep, metric, DIM));
    }

    @Test
    void requantizingBetweenKindsOfCodesKeepsTheGraphAndRefusesBoth() {
        List<File> files = files(randomVectors(8_000, DIM, 48), DIM, 1_000);
        AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
        float[] queries = randomVectors(100, DIM, 49);
        List<List<String>> fullWalk = answers(index, queries);
        index.requantize(0, Quantization.INT8);
        assertEquals(Quantization.INT8, index.quantization());
        index.requantize(8, Quantization.NONE);
        assertEquals(Quantization.NONE, index.quantization());
        assertEquals(8, index.codeBytes(), "product codes in the int8 codes' place");
        assertThrows(IllegalArgumentException.class, () -> index.requantize(8, Quantization.INT8));
        assertEquals(8, index.codeBytes(), "a refused change changes nothing");
        assertEquals(8, index.params().pqSubspaces());
        assertEquals(Quantization.NONE, index.params().quantization());
        index.requantize(0, Quantization.INT8);
        assertEquals(DIM, index.codeBytes());
        double recall = recall(index, Metric.L2, files, queries, 64, ALL);
        assertTrue(recall >= 0.95, "recall@10 on int8 codes trained on the built graph: " + recall);
        index.requantize(0, Quantization.NONE);
        assertFalse(index.quantized());
        assertEquals(fullWalk, answers(index, queries), "the walk on full vectors answers as before: the graph is the same");
    }

    /** Rows of a float array, as jvector's trainers read them. */
    private record ArrayRows(float[] values, int dim) implements io.github.jbellis.jvector.graph.RandomAccessVectorValues {
        @Override
        public int size() {
            return values.length / dim;
        }

        @Override
        public int dimension() {
            return dim;
        }

        @Override
        public io.github.jbellis.jvector.vector.types.VectorFloat<?> getVector(int i) {
            return io.github.jbellis.jvector.vector.VectorizationProvider.getInstance().getVectorTypeSupport()
                    .createFloatVector(Arrays.copyOfRange(values, i * dim, (i + 1) * dim));
        }

        @Override
        public boolean isValueShared() {
            return false;
        }

        @Override
        public io.github.jbellis.jvector.graph.RandomAccessVectorValues copy() {
            return this;
        }
    }

    @Test
    void productCodesAreTrainedOnceEnoughNodesAreThereAndCoverEarlierAndLaterNodes() {
        List<File> files = files(randomVectors(AnnIndex.PQ_TRAIN_MIN * 2, DIM, 43), DIM, AnnIndex.PQ_TRAIN_MIN / 2);
        AnnIndex<File> index = new AnnIndex<>(Metric.L2, DIM, new AnnParams(16, 100, 64, 16, 4, AnnParams.DEFAULT_ALPHA), pool);
        index.addAll(List.of(files.get(0).block()), () -> false);
        assertFalse(index.quantized(), "half the nodes training needs");
        float[] queries = randomVectors(100, DIM, 44);
        double exactWalk = recall(index, Metric.L2, files.subList(0, 1), queries, 64, ALL);
        assertTrue(exactWalk >= 0.95, "before training the walk reads full vectors: " + exactWalk);

        index.addAll(List.of(files.get(1).block()), () -> false);
        assertTrue(index.quantized(), "trained once the graph holds enough nodes");
        index.addAll(files.subList(2, files.size()).stream().map(File::block).toList(), () -> false);

        double recall = recall(index, Metric.L2, files, queries, 64, ALL);
        assertTrue(recall >= 0.9, "nodes encoded at training and inserted after it are both found: " + recall);
        Set<String> firstFile = new HashSet<>();
        Set<String> lastFile = new HashSet<>();
        File first = files.get(0);
        File last = files.get(files.size() - 1);
        for (int row = 0; row < 50; row++) {
            firstFile.addAll(names(index.search(first.values(), row * DIM, 1, 64, ALL)));
            lastFile.addAll(names(index.search(last.values(), row * DIM, 1, 64, ALL)));
        }
        assertTrue(firstFile.size() >= 48 && firstFile.stream().allMatch(n -> n.startsWith(first.number() + ":")), "" + firstFile);
        assertTrue(lastFile.size() >= 48 && lastFile.stream().allMatch(n -> n.startsWith(last.number() + ":")), "" + lastFile);
    }

    private static List<List<String>> answers(AnnIndex<File> index, float[] queries) {
        List<List<String>> answers = new ArrayList<>();
        for (int q = 0; q < queries.length / DIM; q++) {
            answers.add(names(index.search(queries, q * DIM, K, 64, ALL)));
        }
        return answers;
    }

    @Test
    void requantizingKeepsTheGraphAndSearchesRunningMeanwhileNeverFail() throws Exception {
        List<File> files = files(randomVectors(12_000, DIM, 45), DIM, 1_000);
        AnnIndex<File> index = indexOf(Metric.L2, files.subList(0, 10), AnnParams.DEFAULTS);
        float[] queries = randomVectors(100, DIM, 46);
        List<List<String>> exactWalk = answers(index, queries);
        index.requantize(8, Quantization.NONE);
        assertTrue(index.quantized());
        index.requantize(0, Quantization.NONE);
        assertFalse(index.quantized(), "0 drops the codes");
        assertEquals(exactWalk, answers(index, queries), "the walk on full vectors answers as before: the graph is the same");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger searches = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread searcher = new Thread(() -> {
            try {
                while (!stop.get()) {
                    int q = searches.getAndIncrement() % 100;
                    assertEquals(K, index.search(queries, q * DIM, K, 32, ALL).size());
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        searcher.start();
        try {
            index.requantize(8, Quantization.NONE);
            assertEquals(8, index.codeBytes());
            double eight = recall(index, Metric.L2, files.subList(0, 10), queries, 64, ALL);
            assertTrue(eight >= 0.85, "recall@10 on codes of 8 bytes (4 dimensions each) trained on the built graph: " + eight);
            index.requantize(16, Quantization.NONE);
            assertEquals(16, index.codeBytes());
            index.addAll(files.subList(10, 12).stream().map(File::block).toList(), () -> false);
            double sixteen = recall(index, Metric.L2, files, queries, 64, ALL);
            assertTrue(sixteen >= 0.9, "recall@10 on codes of 16 bytes, 2,000 rows inserted after training: " + sixteen);

            assertThrows(IllegalArgumentException.class, () -> index.requantize(-1, Quantization.NONE));
            assertThrows(IllegalArgumentException.class, () -> index.requantize(DIM + 1, Quantization.NONE));
            assertEquals(16, index.codeBytes(), "a refused value changes nothing");
            assertEquals(16, index.params().pqSubspaces());
            // 32 bytes a row: chunks of 8,192 nodes, so the 12,000 rows span two.
            index.requantize(32, Quantization.NONE);
            double two = recall(index, Metric.L2, files, queries, 64, ALL);
            assertTrue(two >= 0.9, "recall@10 on codes of 32 bytes in two chunks: " + two);
            index.requantize(0, Quantization.NONE);
            index.requantize(4, Quantization.NONE);
            assertEquals(4, index.codeBytes());
        } finally {
            stop.set(true);
            searcher.join();
        }
        assertNull(failure.get(), () -> "a search beside the new codes failed: " + failure.get());
        assertTrue(searches.get() > 100, "searches ran while the codes changed: " + searches.get());
    }

    @Test
    void aSearchThatAPurgeOverlapsStillFindsK() throws Exception {
        // The search pauses in its filter, at its first row on the bottom layer, while the writer
        // removes nine rows in ten and purges them: the walk then stands on a node the purge took
        // out (jvector clears its links), and must still come back with k rows of the file kept.
        ExecutorService searchThread = Executors.newSingleThreadExecutor();
        try {
            for (int trial = 0; trial < 5; trial++) {
                List<File> files = files(randomVectors(2_200, DIM, 60 + trial), DIM, 220);
                AnnIndex<File> index = indexOf(Metric.L2, files, AnnParams.DEFAULTS);
                File kept = files.getLast();
                CountDownLatch paused = new CountDownLatch(1);
                CountDownLatch purged = new CountDownLatch(1);
                AtomicBoolean first = new AtomicBoolean(true);
                Predicate<File> onlyKept = owner -> {
                    if (first.compareAndSet(true, false)) {
                        paused.countDown();
                        try {
                            assertTrue(purged.await(30, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return owner == kept;
                };
                Future<List<AnnIndex.Hit<File>>> search = searchThread.submit(() -> index.search(kept.values(), 0, K, 16, onlyKept));
                assertTrue(paused.await(30, TimeUnit.SECONDS), "the search reached its filter");
                for (File gone : files.subList(0, files.size() - 1)) {
                    assertTrue(index.remove(gone));
                }
                index.purgeIfNeeded();
                // A node that was given a stand-in was marked deleted then, and goes with them.
                assertEquals(1_980 + index.relinkedNodes(), index.purgedNodes(), "the removed rows were purged while the search waited");
                purged.countDown();
                List<AnnIndex.Hit<File>> hits = search.get(30, TimeUnit.SECONDS);
                assertEquals(K, hits.size(), "trial " + trial + ": " + hits);
                assertTrue(hits.stream().allMatch(h -> h.owner() == kept), "trial " + trial + ": " + hits);
            }
        } finally {
            searchThread.shutdownNow();
        }
    }
}
