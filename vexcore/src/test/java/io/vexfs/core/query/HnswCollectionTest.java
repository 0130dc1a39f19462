package io.vexfs.core.query;

import io.vexfs.core.StoreFiles;
import io.vexfs.core.TestNodes;
import io.vexfs.core.Vexfs;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.index.Quantization;
import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Collections with index = hnsw, through the store's own calls: settings, the indexer, search and remount. */
class HnswCollectionTest {
    private static final int DIM = 16;
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private Vexfs node;
    private VexStore store;
    private QueryEngine engine;
    private final AtomicLong clock = new AtomicLong();
    private final Random random = new Random(7);

    @BeforeEach
    void open() throws IOException, FsException {
        mount();
        store.mkdir("/docs", 0755, 0, 0);
    }

    private void mount() throws IOException {
        node = TestNodes.open(dir, 2, clock::get);
        store = node.store();
        engine = node.queryEngine();
    }

    @AfterEach
    void close() throws IOException {
        node.close();
    }

    // ---- helpers ----

    private void write(String path, String text) throws FsException {
        StoreFiles.write(store, path, text);
    }

    private String read(String path) throws FsException {
        return StoreFiles.read(store, path);
    }

    private String search(String query) throws FsException {
        write("/docs/.search/q", query);
        return read("/docs/.search/q");
    }

    private float[] randomVectors(int rows) {
        float[] v = new float[rows * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static String vecText(float[] values, int from, int rows) {
        StringBuilder sb = new StringBuilder();
        for (int r = from; r < from + rows; r++) {
            for (int i = 0; i < DIM; i++) {
                sb.append(i == 0 ? "" : " ").append(values[r * DIM + i]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Stores {@code rows} random vectors as one file each, docs/v0.vec and on; returns them row-major. */
    private float[] storeSingles(int rows) throws FsException {
        float[] v = randomVectors(rows);
        for (int i = 0; i < rows; i++) {
            write("/docs/v" + i + ".vec", vecText(v, i, 1));
        }
        return v;
    }

    private Collection docs() {
        return store.collections().get("docs");
    }

    private void awaitIndexed() throws InterruptedException {
        assertTrue(store.awaitIndexed(CATCH_UP), "the indexer caught up within " + CATCH_UP);
    }

    /** Column {@code column} of each result line. */
    private static List<String> column(String results, int column) {
        return results.lines().map(l -> l.split("\t")[column]).toList();
    }

    private double counter(VexCounter c) {
        return store.metrics().snapshot().values().get(c.metricName());
    }

    private static FsException refused(Executable e) {
        FsException ex = assertThrows(FsException.class, e::run);
        assertEquals(Errno.EINVAL, ex.errno(), ex.getMessage());
        return ex;
    }

    interface Executable {
        void run() throws Exception;
    }

    // ---- tests ----

    @Test
    void settingsAcceptHnswWithItsParametersAndRenderThem() throws FsException {
        String flat = read("/docs/.collection");
        assertFalse(flat.contains("ef"), "a flat collection shows no hnsw parameters: " + flat);
        write("/docs/.collection", "index = hnsw\nm = 24\nef = 32\n");
        String text = read("/docs/.collection");
        assertTrue(text.contains("index = hnsw\nm = 24\nef_construction = 100\nef = 32\n"), text);
        storeSingles(3);
        write("/docs/.collection", "ef_construction = 200\nef = 500\n");
        assertTrue(read("/docs/.collection").contains("ef_construction = 200\nef = 500\n"),
                "search and build parameters change on a non-empty collection");
        write("/docs/.collection", "index = flat\n");
        assertNull(docs().hnsw());
        write("/docs/.collection", "index = hnsw\n");
        assertNotNull(docs().hnsw());
    }

    @Test
    void badHnswSettingsAreRefusedWithTheirLine() throws FsException {
        FsException e = refused(() -> write("/docs/.collection", "index = hnsw\nm = 1\n"));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("m must be between 2 and 128, not 1 (links per graph node"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nm = 129\n"));
        assertTrue(e.getMessage().contains("more than 128 cost memory and time"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\n\nef = 0\n"));
        assertEquals("line 3", e.where());
        assertTrue(e.getMessage().contains("candidates kept per search"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nef = 10001\n"));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("10000 is the most hits a query can ask for"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index=hnsw\nef_construction = 7\n"));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("candidates weighed per insert"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nef_construction = 1001\n"));
        assertTrue(e.getMessage().contains("above 1000 a build crawls"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nef = -3\n"));
        assertTrue(e.getMessage().contains("not -3"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nef_construction = 1e3\n"));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nm =\n"));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nm = many\n"));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = ivf\n"));
        assertEquals("line 1", e.where());
        e = refused(() -> write("/docs/.collection", "k = 5\nm = 8\n"));
        assertEquals("line 2", e.where(), "m on a flat collection tunes nothing");
        assertTrue(e.getMessage().contains("flat"), e.getMessage());
        assertTrue(read("/docs/.collection").contains("index = flat"), "a refused write changes nothing");

        storeSingles(2);
        String q = vecText(randomVectors(1), 0, 1);
        e = refused(() -> write("/docs/.search/q", "k=2\nef=16\n" + q));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("hnsw"), e.getMessage());
        write("/docs/.collection", "index = hnsw\n");
        e = refused(() -> write("/docs/.search/q", "ef=0\n" + q));
        assertEquals("line 1", e.where());
        e = refused(() -> write("/docs/.search/q", "ef=x\n" + q));
        assertEquals("line 1", e.where());
    }

    @Test
    void badProductQuantizationSettingsAreRefusedWithTheirLineAndChangeNothing() throws FsException {
        FsException e = refused(() -> write("/docs/.collection", "index = hnsw\npq_subspaces = 4\n"));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("dimension is not known yet: set dim too"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "dim = 16\nindex = hnsw\npq_subspaces = 17\n"));
        assertEquals("line 3", e.where());
        assertTrue(e.getMessage().contains("pq_subspaces 17 is more than the dimension 16"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "dim = 16\nindex = hnsw\npq_subspaces = -1\n"));
        assertTrue(e.getMessage().contains("pq_subspaces must be between 0 and"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "dim = 16\nindex = hnsw\npq_subspaces = half\n"));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nrerank = 0\n"));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("rerank must be between 1 and 1000, not 0"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "index = hnsw\nrerank = 1001\n"));
        assertTrue(e.getMessage().contains("not 1001"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "dim = 16\npq_subspaces = 4\n"));
        assertEquals("line 2", e.where(), "pq_subspaces on a flat collection tunes nothing");
        assertTrue(e.getMessage().contains("flat"), e.getMessage());
        e = refused(() -> write("/docs/.collection", "rerank = 2\n"));
        assertEquals("line 1", e.where());
        for (String alpha : List.of("0.99", "2.01", "0", "NaN", "Infinity", "1.2f", "0x1p0", "1e0", "-1.2", "1.", "one")) {
            e = refused(() -> write("/docs/.collection", "index = hnsw\nalpha = " + alpha + "\n"));
            assertEquals("line 2", e.where(), alpha);
            assertTrue(e.getMessage().startsWith("alpha must be"), alpha + ": " + e.getMessage());
        }
        e = refused(() -> write("/docs/.collection", "alpha = 1.0\n"));
        assertEquals("line 1", e.where(), "alpha on a flat collection tunes nothing");
        assertEquals("# dim is set by the first vector stored\nmetric = l2\nindex = flat\nk = 10\n", read("/docs/.collection"),
                "a refused write changes nothing");

        write("/docs/.collection", "dim = 16\nindex = hnsw\npq_subspaces = 16\nrerank = 8\n");
        assertTrue(read("/docs/.collection").contains("ef = 64\npq_subspaces = 16\nrerank = 8\n"), read("/docs/.collection"));
        assertEquals(16, docs().hnsw().index().params().pqSubspaces());
    }

    /** 5,000 random rows in 5 files, indexed with codes of 8 bytes and 5 x k re-ranked. */
    private void storeQuantizedCollection() throws Exception {
        float[] base = randomVectors(5000);
        for (int f = 0; f < 5; f++) {
            write("/docs/part" + f + ".vec", vecText(base, f * 1000, 1000));
        }
        write("/docs/.collection", "index = hnsw\npq_subspaces = 8\nrerank = 5\n");
        awaitIndexed();
    }

    @Test
    void aQuantizedIndexRecallsAgainstFlatAndRemountsWithItsCodesAnsweringTheSame() throws Exception {
        storeQuantizedCollection();
        assertTrue(docs().hnsw().index().quantized(), "5,000 rows are enough to train on");
        float[] queries = randomVectors(100);
        String before = search("k=10\n" + vecText(queries, 0, 100));
        double recall = recallAgainstFlat(queries, column(before, 3));
        assertTrue(recall >= 0.9, "recall@10 on codes of 8 bytes, 5 x k re-ranked: " + recall);
        write("/docs/.collection", "rerank = 1\n");
        assertTrue(docs().hnsw().index().quantized(), "rerank tunes searches only: the index stays");
        String fewer = search("k=10\n" + vecText(queries, 0, 100));
        assertFalse(fewer.equals(before), "re-ranking only the k best estimates answers differently");
        write("/docs/.collection", "rerank = 5\n");

        close();
        mount();
        awaitIndexed();
        assertEquals(5000, docs().hnsw().index().restoredRows(), "every row came from the file");
        assertTrue(docs().hnsw().index().quantized(), "the codes came back with the graph");
        assertEquals(before, search("k=10\n" + vecText(queries, 0, 100)), "the same graph and codes give the same answers");

        write("/docs/.collection", "pq_subspaces = 0\n");
        awaitIndexed();
        assertFalse(docs().hnsw().index().quantized(), "no codes once pq_subspaces is 0");
        assertEquals(5000, docs().hnsw().index().indexed());
    }

    @Test
    void changingPqSubspacesMakesOnlyTheCodesAgainLiveAndFromAFileWithOtherCodes() throws Exception {
        storeQuantizedCollection();
        close();
        mount();
        awaitIndexed();
        AnnIndex<Collection.Entry> index = docs().hnsw().index();
        assertTrue(index.graphMapped(), "the graph read at mount is searched where the file maps it");
        assertEquals(8, index.codeBytes());
        Path codesOfEight = dir.resolve("codes-of-eight");
        java.nio.file.Files.copy(indexFile(), codesOfEight);
        float[] queries = randomVectors(100);
        String batch = "k=10\n" + vecText(queries, 0, 100);

        write("/docs/.collection", "pq_subspaces = 0\n");
        awaitIndexed();
        assertSame(index, docs().hnsw().index(), "the same index: nothing was built again");
        assertTrue(index.graphMapped(), "the mapped graph stays");
        assertEquals(0, index.codeBytes(), "no codes: the walk reads full vectors");
        double exactWalk = recallAgainstFlat(queries, column(search(batch), 3));
        assertTrue(exactWalk >= 0.95, "recall@10 walking full vectors on the same graph: " + exactWalk);

        write("/docs/.collection", "pq_subspaces = 16\n");
        awaitIndexed();
        assertSame(index, docs().hnsw().index());
        assertEquals(16, index.codeBytes(), "codes of 16 bytes trained on the same graph");
        String sixteen = search(batch);
        double recall = recallAgainstFlat(queries, column(sixteen, 3));
        assertTrue(recall >= 0.9, "recall@10 on codes of 16 bytes: " + recall);

        close();
        mount();
        awaitIndexed();
        index = docs().hnsw().index();
        assertEquals(5000, index.restoredRows(), "every row came from the file");
        assertEquals(16, index.codeBytes(), "the new codes were written with the graph");
        assertFalse(index.codesDroppedAtRead());
        // Compared across two reads of the file, not with the batch before the write: writing
        // purges nodes marked deleted (orphans given stand-ins), which can move a walk's path (one
        // hit of 1,000 differed once).
        String read = search(batch);
        assertTrue(recallAgainstFlat(queries, column(read, 3)) >= 0.9, "recall@10 on the codes read back");
        close();
        mount();
        awaitIndexed();
        assertEquals(read, search(batch), "the same graph and codes answer the same");
        close();

        // The file as a crash left it after pq_subspaces = 16 was committed and before the index was written again.
        java.nio.file.Files.copy(codesOfEight, indexFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        mount();
        awaitIndexed();
        index = docs().hnsw().index();
        assertEquals(5000, index.restoredRows(), "the graph came from the file: nothing was inserted again");
        assertTrue(index.graphMapped());
        assertTrue(index.codesDroppedAtRead(), "the file's codes are of 8 bytes");
        assertEquals(16, index.codeBytes(), "codes of 16 bytes trained at mount");
        assertFalse(store.errors().render().contains("rebuilt"), store.errors().render());
        recall = recallAgainstFlat(queries, column(search(batch), 3));
        assertTrue(recall >= 0.9, "recall@10 on codes trained at mount: " + recall);
        close();
        mount();
        awaitIndexed();
        assertFalse(docs().hnsw().index().codesDroppedAtRead(), "the file was written with the new codes");
        assertEquals(16, docs().hnsw().index().codeBytes());
    }

    /**
     * int8 codes: trained once enough rows are in, written with the graph (index file version 5)
     * and read back with it; switched to product codes and back on the same graph, a file of the
     * other kind of codes keeping its graph and having its codes made again; both kinds at once
     * refused with the line that asked.
     */
    @Test
    void int8CodesRecallRemountWithTheGraphAndChangeKindWithoutARebuild() throws Exception {
        float[] base = randomVectors(5000);
        for (int f = 0; f < 5; f++) {
            write("/docs/part" + f + ".vec", vecText(base, f * 1000, 1000));
        }
        write("/docs/.collection", "index = hnsw\nquantization = int8\n");
        awaitIndexed();
        AnnIndex<Collection.Entry> index = docs().hnsw().index();
        assertEquals(Quantization.INT8, index.quantization(), "5,000 rows are enough to train on");
        assertEquals(32, index.codeBytes(), "a byte a dimension, padded to a multiple of 32");
        assertTrue(read("/docs/.collection").contains("quantization = int8\n"), read("/docs/.collection"));
        float[] queries = randomVectors(100);
        String batch = "k=10\n" + vecText(queries, 0, 100);
        String before = search(batch);
        double recall = recallAgainstFlat(queries, column(before, 3));
        assertTrue(recall >= 0.95, "recall@10 on int8 codes, 4 x k re-ranked: " + recall);

        close();
        mount();
        awaitIndexed();
        index = docs().hnsw().index();
        assertEquals(5000, index.restoredRows(), "every row came from the file");
        assertEquals(Quantization.INT8, index.quantization(), "the codes came back with the graph");
        assertFalse(index.codesDroppedAtRead());
        assertEquals(before, search(batch), "the same graph and codes give the same answers");
        Path int8File = dir.resolve("int8-codes");
        java.nio.file.Files.copy(indexFile(), int8File);

        FsException both = assertThrows(FsException.class, () -> write("/docs/.collection", "pq_subspaces = 8\nquantization = int8\n"));
        assertEquals(Errno.EINVAL, both.errno());
        assertTrue(both.getMessage().contains("pq_subspaces 8 and quantization = int8 are two kinds of codes"),
                both.getMessage());
        assertEquals(Quantization.INT8, docs().hnsw().index().quantization(), "the refused write changed nothing");

        // Naming product codes replaces the int8 ones.
        write("/docs/.collection", "rerank = 4\npq_subspaces = 8\n");
        awaitIndexed();
        assertSame(index, docs().hnsw().index(), "the same index: nothing was built again");
        assertEquals(Quantization.NONE, index.quantization());
        assertEquals(8, index.codeBytes(), "product codes trained on the same graph");
        assertTrue(read("/docs/.collection").contains("pq_subspaces = 8\nrerank = 4\nalpha = 1.0\nquantization = none\n"),
                read("/docs/.collection"));
        close();

        // The file as a crash left it after the switch was committed and before the index was written again.
        java.nio.file.Files.copy(int8File, indexFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        mount();
        awaitIndexed();
        index = docs().hnsw().index();
        assertEquals(5000, index.restoredRows(), "the graph came from the file: nothing was inserted again");
        assertTrue(index.codesDroppedAtRead(), "the file's codes are int8 ones");
        assertEquals(8, index.codeBytes(), "product codes trained at mount");
        assertEquals(Quantization.NONE, index.quantization());

        // And naming int8 replaces the product codes.
        write("/docs/.collection", "quantization = int8\n");
        awaitIndexed();
        assertSame(index, docs().hnsw().index());
        assertEquals(Quantization.INT8, index.quantization());
        assertTrue(read("/docs/.collection").contains("pq_subspaces = 0\n"), read("/docs/.collection"));
        assertEquals(before, search(batch), "int8 codes trained again on the same grid and graph answer as before");
    }

    @Test
    void everyStoredVectorFindsItselfFirst() throws Exception {
        float[] v = storeSingles(200);
        write("/docs/.collection", "index = hnsw\n");
        awaitIndexed();
        assertEquals(200, docs().hnsw().index().indexed());
        String hnsw = search("k=1\n" + vecText(v, 0, 200));
        write("/docs/.collection", "index = flat\n");
        String flat = search("k=1\n" + vecText(v, 0, 200));
        List<String> expected = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "docs/v" + i + ".vec").toList();
        assertEquals(expected, column(flat, 3));
        assertEquals(expected, column(hnsw, 3));
    }

    @Test
    void recallAtTenAgainstFlatIsAtLeastNinetyFivePercent() throws Exception {
        float[] base = randomVectors(5000);
        for (int f = 0; f < 5; f++) {
            write("/docs/part" + f + ".vec", vecText(base, f * 1000, 1000));
        }
        write("/docs/.collection", "index = hnsw\nef = 64\n");
        awaitIndexed();
        float[] queries = randomVectors(100);
        double hnswSearches = counter(VexCounter.HNSW_SEARCHES);
        double scanned = counter(VexCounter.VECTORS_SCANNED);
        List<String> approximate = column(search(vecText(queries, 0, 100)), 3);
        assertEquals(hnswSearches + 100, counter(VexCounter.HNSW_SEARCHES));
        assertEquals(scanned, counter(VexCounter.VECTORS_SCANNED), "an indexed collection scans nothing exactly");
        double recall = recallAgainstFlat(queries, approximate);
        assertTrue(recall >= 0.95, "recall@10 " + recall);
    }

    @Test
    void prefixAndKFilterInsideTheGraphSearch() throws Exception {
        // 40 rows under docs/sub/ among 4,000: one in a hundred. Dropping the others from an
        // unfiltered top 25 would leave nothing; the filter has to run inside the graph search.
        store.mkdir("/docs/sub", 0755, 0, 0);
        float[] base = randomVectors(4000);
        for (int f = 0; f < 4; f++) {
            write("/docs/sub/part" + f + ".vec", vecText(base, f * 10, 10));
        }
        for (int f = 0; f < 4; f++) {
            write("/docs/big" + f + ".vec", vecText(base, 40 + f * 990, 990));
        }
        write("/docs/.collection", "index = hnsw\n");
        awaitIndexed();
        float[] queries = randomVectors(20);
        double hnswSearches = counter(VexCounter.HNSW_SEARCHES);
        double scanned = counter(VexCounter.VECTORS_SCANNED);

        String graph = search("k=25\nprefix=sub/\n" + vecText(queries, 0, 20));

        assertEquals(hnswSearches + 20, counter(VexCounter.HNSW_SEARCHES));
        assertEquals(scanned, counter(VexCounter.VECTORS_SCANNED), "nothing was compared exactly: the graph answered");
        List<String> paths = column(graph, 3);
        assertEquals(20 * 25, paths.size(), "k hits for every query, all from the prefix");
        assertTrue(paths.stream().allMatch(p -> p.startsWith("docs/sub/")), graph);
        write("/docs/.collection", "index = flat\n");
        String flat = search("k=25\nprefix=sub/\n" + vecText(queries, 0, 20));
        int found = 0;
        for (int q = 0; q < 20; q++) {
            Set<String> truth = new HashSet<>(column(flat, 3).subList(q * 25, q * 25 + 25));
            for (String p : paths.subList(q * 25, q * 25 + 25)) {
                found += truth.contains(p) ? 1 : 0;
            }
        }
        assertTrue(found >= 0.9 * 500, "recall@25 within the prefix: " + found / 500.0);
    }

    /** With {@code remountFirst}, the graph is read from its file and searched mapped when the writes begin: the first one copies it to the heap under the searches. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void searchesDuringConcurrentOverwritesAndDeletesSeeOnlyCommittedLiveVectors(boolean remountFirst) throws Exception {
        int files = 200;
        // Every version of every file, by path; a version is superseded once the write or unlink
        // that replaced it has returned. A hit must match a version not superseded when its search began.
        Map<String, List<Version>> versions = new ConcurrentHashMap<>();
        float[] initial = randomVectors(files);
        for (int i = 0; i < files; i++) {
            float[] v = Arrays.copyOfRange(initial, i * DIM, (i + 1) * DIM);
            versions.computeIfAbsent("docs/v" + i + ".vec", p -> new CopyOnWriteArrayList<>()).add(new Version(v));
            write("/docs/v" + i + ".vec", vecText(v, 0, 1));
        }
        write("/docs/.collection", "index = hnsw\nm = 8\nef_construction = 32\n");
        awaitIndexed();
        if (remountFirst) {
            close();
            mount();
            awaitIndexed();
            assertTrue(docs().hnsw().index().graphMapped());
        }
        AtomicInteger writersLeft = new AtomicInteger(2);
        AtomicInteger searches = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                running.add(threads.submit(() -> {
                    Random r = new Random(100 + writer);
                    try {
                        for (int op = 0; op < 400; op++) {
                            // Each writer owns half the files, so the versions of a file form one sequence.
                            String name = "v" + (2 * r.nextInt(files / 2) + writer) + ".vec";
                            List<Version> history = versions.get("docs/" + name);
                            Version current = history.getLast();
                            if (current.values() != null && r.nextInt(3) == 0) {
                                history.add(new Version(null));
                                store.unlink("/docs/" + name);
                            } else {
                                float[] v = new float[DIM];
                                for (int i = 0; i < DIM; i++) {
                                    v[i] = (float) r.nextGaussian();
                                }
                                history.add(new Version(v));
                                write("/docs/" + name, vecText(v, 0, 1));
                            }
                            current.supersededAt.set(System.nanoTime());
                        }
                    } finally {
                        writersLeft.decrementAndGet();
                    }
                    return null;
                }));
            }
            for (int s = 0; s < 2; s++) {
                int searcher = s;
                running.add(threads.submit(() -> {
                    for (int q = 0; writersLeft.get() > 0 || q < 20; q++) {
                        float[] query = versions.get("docs/v" + ((q * 7 + searcher) % files) + ".vec").getFirst().values();
                        long start = System.nanoTime();
                        write("/docs/.search/q" + searcher, "k=10\n" + vecText(query, 0, 1));
                        String out = read("/docs/.search/q" + searcher);
                        for (String line : out.lines().toList()) {
                            String[] f = line.split("\t");
                            float distance = Float.parseFloat(f[2]);
                            boolean matches = versions.get(f[3]).stream().anyMatch(v -> v.values() != null
                                    && v.supersededAt.get() > start && Metric.L2.distance(query, 0, v.values(), 0, DIM) == distance);
                            assertTrue(matches, "a hit that was no live, committed content when the search began: " + line);
                        }
                        searches.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
        assertTrue(searches.get() >= 40, "searches: " + searches.get());
        awaitIndexed();
        long live = versions.values().stream().filter(h -> h.getLast().values() != null).count();
        assertEquals(live, docs().hnsw().index().indexed(), "the graph holds exactly the live files once caught up");
    }

    /** One committed content of a file (null: deleted), and when the write that replaced it returned. */
    record Version(float[] values, AtomicLong supersededAt) {
        Version(float[] values) {
            this(values, new AtomicLong(Long.MAX_VALUE));
        }
    }

    @Test
    void aQueryEfIsUsedAndKeysTheCache() throws Exception {
        float[] v = storeSingles(300);
        write("/docs/.collection", "index = hnsw\n");
        awaitIndexed();
        String q = vecText(v, 5, 1);
        double misses = counter(VexCounter.QUERY_CACHE_MISSES);
        String withDefault = search("k=3\n" + q);
        String withEf = search("k=3\nef=200\n" + q);
        assertEquals(misses + 2, counter(VexCounter.QUERY_CACHE_MISSES), "another ef is another answer");
        assertEquals("docs/v5.vec", column(withDefault, 3).get(0));
        assertEquals(withDefault, withEf, "both find the 3 nearest of 300");
    }

    @Test
    void deletedAndOverwrittenFilesNeverAppear() throws Exception {
        float[] v = storeSingles(300);
        write("/docs/.collection", "index = hnsw\n");
        awaitIndexed();
        Set<String> deleted = new HashSet<>();
        Set<String> overwritten = new HashSet<>();
        float[] far = new float[DIM];
        java.util.Arrays.fill(far, 1000f);
        for (int i = 0; i < 300; i += 3) {
            store.unlink("/docs/v" + i + ".vec");
            deleted.add("docs/v" + i + ".vec");
            write("/docs/v" + (i + 1) + ".vec", vecText(far, 0, 1));
            overwritten.add("docs/v" + (i + 1) + ".vec");
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 300; i += 3) {
                String out = search("k=5\n" + vecText(v, i, 1) + vecText(v, i + 1, 1));
                for (String line : out.lines().toList()) {
                    String[] f = line.split("\t");
                    assertFalse(deleted.contains(f[3]), line);
                    assertFalse(overwritten.contains(f[3]) && Float.parseFloat(f[2]) < 100, "old content of " + line);
                }
            }
            awaitIndexed();
        }
        assertEquals(200, docs().snapshot().entries().size());
    }

    @Test
    void aFileCommittedAMomentAgoIsFoundBeforeTheIndexerReachesIt() throws Exception {
        float[] base = randomVectors(20_000);
        for (int f = 0; f < 10; f++) {
            write("/docs/part" + f + ".vec", vecText(base, f * 2000, 2000));
        }
        // A slow build: the indexer has many seconds of backlog when the fresh file arrives.
        write("/docs/.collection", "index = hnsw\nm = 64\nef_construction = 1000\n");
        float[] fresh = randomVectors(1);
        write("/docs/fresh.vec", vecText(fresh, 0, 1));
        double graphSearches = counter(VexCounter.HNSW_SEARCHES);
        String out = search("k=1\n" + vecText(fresh, 0, 1));
        Collection.Entry entry = docs().snapshot().live().stream()
                .filter(e -> e.search().path().equals("docs/fresh.vec")).findFirst().orElseThrow();
        assertFalse(docs().hnsw().holds(entry), "the indexer had not reached the fresh file when it was searched");
        String stats = read("/.vexfs/stats");
        assertTrue(java.util.regex.Pattern.compile("hnsw \\(\\d+ indexed of 20001[,)]").matcher(stats).find(),
                "stats show how far the indexer is: " + stats);
        assertEquals(List.of("docs/fresh.vec"), column(out, 3));
        assertTrue(counter(VexCounter.VECTORS_SCANNED) > 0, "files not indexed yet are compared exactly");
        assertEquals(graphSearches, counter(VexCounter.HNSW_SEARCHES),
                "no file is in the graph yet, so the graph is not walked (it would reject every node)");
    }

    @Test
    void similarWorksOnAnHnswCollection() throws Exception {
        float[] v = storeSingles(100);
        write("/docs/.collection", "index = hnsw\nk = 3\n");
        awaitIndexed();
        String hnsw = read("/docs/.similar/v7.vec");
        write("/docs/.collection", "index = flat\n");
        String flat = read("/docs/.similar/v7.vec");
        assertEquals(3, hnsw.lines().count());
        assertFalse(column(hnsw, 3).contains("docs/v7.vec"), "a file is not its own neighbour");
        assertEquals(column(flat, 3).get(0), column(hnsw, 3).get(0));
    }

    @Test
    void aRemountRestoresTheHnswIndexAndAnswers() throws Exception {
        float[] v = storeSingles(150);
        write("/docs/.collection", "index = hnsw\nm = 12\nef = 40\n");
        awaitIndexed();
        String before = search("k=1\n" + vecText(v, 0, 150));
        String settings = read("/docs/.collection");
        close();
        mount();
        assertEquals(settings, read("/docs/.collection"));
        assertNotNull(docs().hnsw(), "the index is rebuilt at mount");
        assertEquals(before, search("k=1\n" + vecText(v, 0, 150)), "answers before the indexer catches up");
        awaitIndexed();
        assertEquals(150, docs().hnsw().index().indexed());
        assertEquals(12, docs().hnsw().index().params().m());
        assertEquals(before, search("k=1\nef=40\n" + vecText(v, 0, 150)));
    }

    // ---- the index file: written when idle and at close, read at mount ----

    private Path indexFile() throws IOException {
        try (var files = java.nio.file.Files.list(dir.resolve("index"))) {
            List<Path> all = files.filter(p -> p.getFileName().toString().endsWith(".idx")).toList();
            assertEquals(1, all.size(), "one index file for one hnsw collection: " + all);
            return all.getFirst();
        }
    }

    /** 2,000 rows in 4 files and 100 single-vector files, indexed; returns them row-major (files first). */
    private float[] storeIndexedCollection() throws Exception {
        return storeIndexedCollection("");
    }

    /** {@link #storeIndexedCollection()}, then a remount that reads its graph back, mapped. */
    private float[] storeIndexedCollectionAndRemount() throws Exception {
        float[] base = storeIndexedCollection();
        close();
        mount();
        awaitIndexed();
        assertTrue(docs().hnsw().index().graphMapped());
        return base;
    }

    private float[] storeIndexedCollection(String moreSettings) throws Exception {
        float[] base = randomVectors(2100);
        for (int f = 0; f < 4; f++) {
            write("/docs/part" + f + ".vec", vecText(base, f * 500, 500));
        }
        for (int i = 0; i < 100; i++) {
            write("/docs/v" + i + ".vec", vecText(base, 2000 + i, 1));
        }
        write("/docs/.collection", "index = hnsw\nm = 12\nef = 48\n" + moreSettings);
        awaitIndexed();
        return base;
    }

    @Test
    void onceWrittenTheGraphIsSearchedWhereTheFileMapsItAndAnswersTheSame() throws Exception {
        float[] base = storeIndexedCollection();
        AnnIndex<Collection.Entry> built = docs().hnsw().index();
        float[] queries = randomVectors(50);
        String before = search("k=10\n" + vecText(queries, 0, 50));
        // The indexer writes the file in its first idle second, then reads it back in the heap graph's place.
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (docs().hnsw().index() == built && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        AnnIndex<Collection.Entry> mapped = docs().hnsw().index();
        assertNotSame(built, mapped, "the written graph replaced the heap's within " + CATCH_UP);
        assertTrue(mapped.graphMapped());
        assertEquals(0, mapped.heapGraphNodes(), "nothing left on the heap's graph");
        assertEquals(2100, mapped.restoredRows());
        assertTrue(mapped.graphBytes() < built.graphBytes() / 4, "heap bytes: " + mapped.graphBytes() + " against " + built.graphBytes());
        assertEquals(before, search("k=10\n" + vecText(queries, 0, 50)));

        // A vector stored afterwards goes into a graph on the heap, on top of the mapped one, and is found at once.
        float[] late = randomVectors(1);
        write("/docs/late.vec", vecText(late, 0, 1));
        awaitIndexed();
        assertSame(mapped, docs().hnsw().index());
        assertEquals(1, mapped.heapGraphNodes());
        assertEquals(List.of("docs/late.vec"), column(search("k=1\n" + vecText(late, 0, 1)), 3));
        assertEquals(List.of("docs/v7.vec"), column(search("k=1\n" + vecText(base, 2007, 1)), 3));
    }

    @Test
    void aRemountReadsTheStoredGraphInsteadOfRebuildingItAndAnswersTheSame() throws Exception {
        storeIndexedCollection();
        float[] queries = randomVectors(50);
        String before = search("k=10\n" + vecText(queries, 0, 50));
        int nodes = docs().hnsw().index().nodeCount();
        assertEquals(0, docs().hnsw().index().restoredRows(), "built by inserts");
        close();
        assertTrue(java.nio.file.Files.size(indexFile()) > 0, "closing wrote the index");
        // The indexer is held a second before it reads the file: 500 queries x 2,100 rows are enough
        // comparisons that the first batch waits for the graph rather than scan exactly.
        System.setProperty("vexfs.pauseMillis.ann-index-read", "1000");
        String firstBatch;
        float[] many = randomVectors(500);
        try {
            mount();
            double scanned = counter(VexCounter.VECTORS_SCANNED);
            firstBatch = search("k=10\n" + vecText(many, 0, 500));
            assertEquals(scanned, counter(VexCounter.VECTORS_SCANNED), "the first batch after the mount waited for the graph");
        } finally {
            System.clearProperty("vexfs.pauseMillis.ann-index-read");
        }
        awaitIndexed();
        assertEquals(firstBatch, search("k=10\n" + vecText(many, 0, 500)));
        assertEquals(2100, docs().hnsw().index().restoredRows(), "every row came from the file");
        assertEquals(nodes, docs().hnsw().index().nodeCount(), "no row was inserted again");
        assertEquals(2100, docs().hnsw().index().indexed());
        assertTrue(docs().hnsw().index().graphMapped(), "searched where the file maps it, nothing copied to the heap");
        assertEquals(before, search("k=10\n" + vecText(queries, 0, 50)), "the same graph gives the same answers");
        assertEquals("", store.errors().render().lines().filter(l -> l.contains("index file")).findFirst().orElse(""));

        float[] fresh = randomVectors(1);
        write("/docs/fresh.vec", vecText(fresh, 0, 1));
        awaitIndexed();
        assertTrue(docs().hnsw().index().graphMapped(), "an insert leaves the mapped graph as it is");
        assertEquals(1, docs().hnsw().index().heapGraphNodes(), "the heap holds the new node's graph only");
        assertEquals(2101, docs().hnsw().index().indexed());
        assertEquals(List.of("docs/fresh.vec"), column(search("k=1\n" + vecText(fresh, 0, 1)), 3));
        String after = search("k=10\n" + vecText(queries, 0, 50));
        List<String> beforeLines = before.lines().toList();
        long same = after.lines().filter(beforeLines::contains).count();
        assertTrue(same >= 490, "the two graphs answer as the mapped one did (one new vector among 2,101): " + same + " of 500");

        // Written as two graphs; read back, the first is mapped again and the second copied onto the heap.
        close();
        mount();
        awaitIndexed();
        assertEquals(2101, docs().hnsw().index().restoredRows());
        assertTrue(docs().hnsw().index().graphMapped());
        assertEquals(1, docs().hnsw().index().heapGraphNodes());
        assertEquals(List.of("docs/fresh.vec"), column(search("k=1\n" + vecText(fresh, 0, 1)), 3));
        assertEquals(after, search("k=10\n" + vecText(queries, 0, 50)), "the same two graphs give the same answers");
    }

    /**
     * 10,000 rows of int8 codes (32 bytes a row, 8,192 rows a chunk) read back from the file, and
     * 8,000 inserts after the remount that fill its second chunk and a new one: every row is
     * found, old and new.
     */
    @Test
    void int8CodesReadFromTheFileAndThoseOfInsertsAfterTheRemountAreAllWalked() throws Exception {
        float[] base = randomVectors(10_000);
        write("/docs/base.vec", vecText(base, 0, 10_000));
        write("/docs/.collection", "index = hnsw\nm = 12\n");
        awaitIndexed();
        close();
        mount();
        awaitIndexed();
        assertEquals(10_000, docs().hnsw().index().restoredRows());
        assertEquals(Quantization.INT8, docs().hnsw().index().quantization());
        float[] more = randomVectors(8_000);
        write("/docs/more.vec", vecText(more, 0, 8_000));
        awaitIndexed();
        assertEquals(18_000, docs().hnsw().index().indexed());
        for (int r = 0; r < 10_000; r += 97) {
            assertEquals("docs/base.vec#" + r, column(search("k=1\n" + vecText(base, r, 1)), 3).getFirst(), "a row whose codes were read");
        }
        for (int r = 0; r < 8_000; r += 97) {
            assertEquals("docs/more.vec#" + r, column(search("k=1\n" + vecText(more, r, 1)), 3).getFirst(), "a row inserted after the remount");
        }
        assertRecallAgainstFlat(0.9, "codes read and codes of inserts");
    }

    @Test
    void afterARemountARowStoredAgainIsACopyOfItsNodeInTheMappedGraph() throws Exception {
        float[] base = storeIndexedCollectionAndRemount();
        // The content map is filled from the file's hashes at the first insert, not as the file is read.
        write("/docs/again.vec", vecText(base, 1500, 1));
        awaitIndexed();
        assertEquals(0, docs().hnsw().index().heapGraphNodes(), "the content of a mapped node: filed as its copy, no new graph node");
        assertEquals(2101, docs().hnsw().index().indexed());
        assertEquals(Set.of("docs/part3.vec#0", "docs/again.vec"), new HashSet<>(column(search("k=2\n" + vecText(base, 1500, 1)), 3)));
    }

    @Test
    void afterARemountInsertsGoBesideTheMappedGraphUntilTheyOutgrowItAndThenTheTwoBecomeOne() throws Exception {
        float[] base = storeIndexedCollectionAndRemount();
        float[] more = randomVectors(2000);
        write("/docs/more.vec", vecText(more, 0, 2000));
        store.unlink("/docs/part1.vec");
        awaitIndexed();
        assertTrue(docs().hnsw().index().graphMapped(), "2,000 inserts beside 2,100 mapped nodes leave the base mapped");
        assertEquals(2000, docs().hnsw().index().heapGraphNodes(), "the heap holds the inserted nodes' graph only");
        assertRecallAgainstFlat(0.95, "two graphs, 500 base rows removed");
        for (int r = 500; r < 1000; r += 10) {
            List<String> hits = column(search("k=3\n" + vecText(base, r, 1)), 3);
            assertTrue(hits.stream().noneMatch(h -> h.startsWith("docs/part1.vec")), "a removed base row was returned: " + hits);
        }
        for (int r = 0; r < 2000; r += 50) {
            assertEquals("docs/more.vec#" + r, column(search("k=1\n" + vecText(more, r, 1)), 3).getFirst());
        }
        // 200 more: the heap's graph (2,200 nodes) outgrows the base (2,100), so the indexer rebuilds one graph.
        write("/docs/last.vec", vecText(randomVectors(200), 0, 200));
        awaitIndexed();
        assertFalse(docs().hnsw().index().graphMapped(), "rebuilt as one graph on the heap");
        assertEquals(1600 + 2000 + 200, docs().hnsw().index().indexed());
        assertEquals(1600 + 2000 + 200, docs().hnsw().index().nodeCount(), "the removed rows' node numbers are reclaimed");
        assertRecallAgainstFlat(0.95, "one rebuilt graph");
        close();
        mount();
        awaitIndexed();
        assertTrue(docs().hnsw().index().graphMapped());
        assertEquals(0, docs().hnsw().index().heapGraphNodes(), "written as one graph, mapped whole");
        assertEquals(3800, docs().hnsw().index().restoredRows());
    }

    /** Recall@10 of 100 random queries through the index against exact search of the same files, at least {@code bound}. */
    private void assertRecallAgainstFlat(double bound, String what) throws Exception {
        float[] queries = randomVectors(100);
        double recall = recallAgainstFlat(queries, column(search("k=10\nef=64\n" + vecText(queries, 0, 100)), 3));
        assertTrue(recall >= bound, what + ": recall@10 " + recall);
    }

    /** The share of each of the 100 queries' exact top 10 (flat search of the same files) among its 10 {@code approximate} hits. */
    private double recallAgainstFlat(float[] queries, List<String> approximate) {
        List<List<Hit>> truth = FlatSearch.search(Metric.L2, DIM, queries, 100, 10, docs().snapshot().entries(),
                SearchOptions.CALLER_THREAD).hits();
        int found = 0;
        for (int q = 0; q < 100; q++) {
            Set<String> got = new HashSet<>(approximate.subList(q * 10, q * 10 + 10));
            for (Hit h : truth.get(q)) {
                found += got.contains(h.name()) ? 1 : 0;
            }
        }
        return found / 1000.0;
    }

    @Test
    void aChangedAlphaRebuildsTheGraphWhichARemountThenReadsAsItIs() throws Exception {
        float[] base = storeIndexedCollection();
        AnnIndex<Collection.Entry> sparse = docs().hnsw().index();
        assertEquals(1.0f, sparse.params().alpha(), "the default");
        write("/docs/.collection", "alpha = 1.2\n");
        assertTrue(read("/docs/.collection").contains("rerank = 4\nalpha = 1.2\n"), read("/docs/.collection"));
        awaitIndexed();
        AnnIndex<Collection.Entry> diverse = docs().hnsw().index();
        assertNotSame(sparse, diverse, "another rule links another graph: it is built again");
        assertEquals(1.2f, diverse.params().alpha());
        assertEquals(2100, diverse.indexed());
        assertEquals(0, diverse.restoredRows(), "built by inserts");
        assertRecallAgainstFlat(0.9, "alpha 1.2");
        float[] queries = randomVectors(50);
        String before = search("k=10\n" + vecText(queries, 0, 50));

        close();
        mount();
        awaitIndexed();
        assertEquals("alpha = 1.2", read("/docs/.collection").lines().filter(l -> l.startsWith("alpha")).findFirst().orElse(""));
        assertEquals(1.2f, docs().hnsw().index().params().alpha());
        assertEquals(2100, docs().hnsw().index().restoredRows(), "the file holds the alpha 1.2 graph: nothing built again");
        assertEquals(before, search("k=10\n" + vecText(queries, 0, 50)));
        assertEquals(List.of("docs/v7.vec"), column(search("k=1\n" + vecText(base, 2007, 1)), 3));
    }

    @Test
    void anIndexFileOfVersionOneWithoutProductCodesIsStillRead() throws Exception {
        // Version 1 files were all linked with alpha 1.2: settings of another alpha would rebuild.
        storeIndexedCollection("alpha = 1.2\n");
        float[] queries = randomVectors(20);
        String before = search("k=10\n" + vecText(queries, 0, 20));
        close();
        Path file = indexFile();
        java.nio.file.Files.write(file, versionOne(java.nio.file.Files.readAllBytes(file)));
        mount();
        awaitIndexed();
        assertEquals(2100, docs().hnsw().index().restoredRows(), "every row came from the version 1 file");
        assertEquals(before, search("k=10\n" + vecText(queries, 0, 20)));
        assertEquals("", store.errors().render().lines().filter(l -> l.contains("index file")).findFirst().orElse(""));
    }

    /**
     * A version 5 file of one graph without codes (laid out as version 4 laid it out) as version 1
     * wrote it: no pq_subspaces or alpha in the header, no graph count before the graph, no codes
     * section, its own trailer.
     */
    private static byte[] versionOne(byte[] four) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(four).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, in.getInt(8));
        int name = in.getInt(12);
        int metric = in.getInt(16 + name);
        int pqAt = 20 + name + metric + 12;
        assertEquals(0, in.getInt(pqAt), "pq_subspaces");
        assertEquals(1.2f, in.getFloat(pqAt + 4), "alpha");
        int bodyAt = pqAt + 8;
        int nodeCount = in.getInt(bodyAt);
        int blockCount = in.getInt(bodyAt + 4);
        // Per block: segment, offset, rows, first node; per node (l2): block, row, graph node, removed, content hash.
        int graphCountAt = bodyAt + 8 + blockCount * 24 + nodeCount * 21;
        assertEquals(1, in.getInt(graphCountAt), "one graph");
        int bodyEnd = four.length - 20;
        assertEquals(0, in.getInt(bodyEnd - 4), "no codes");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(four, 0, pqAt);
        body.write(four, bodyAt, graphCountAt - bodyAt);
        body.write(four, graphCountAt + 4, bodyEnd - 4 - (graphCountAt + 4));
        byte[] b = body.toByteArray();
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8, 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(b.length + 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.put(b).putLong(b.length).putInt((int) crc.getValue()).put(four, four.length - 8, 8);
        return out.array();
    }

    @Test
    void filesRemovedOrRewrittenAfterTheIndexWasWrittenAreNeverReturnedAfterRemount() throws Exception {
        float[] base = storeIndexedCollection();
        close();
        Path stale = dir.resolve("stale-index");
        java.nio.file.Files.copy(indexFile(), stale);
        mount();
        float[] far = new float[DIM];
        Arrays.fill(far, 1000f);
        store.unlink("/docs/part1.vec");
        for (int i = 0; i < 100; i += 2) {
            store.unlink("/docs/v" + i + ".vec");
            write("/docs/v" + (i + 1) + ".vec", vecText(far, 0, 1));
        }
        float[] fresh = randomVectors(1);
        write("/docs/fresh.vec", vecText(fresh, 0, 1));
        awaitIndexed();
        close();
        // The index as of before those changes: what a crash after they were committed, and before the next write, leaves.
        java.nio.file.Files.copy(stale, indexFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        mount();
        awaitIndexed();
        assertEquals(1500, docs().hnsw().index().restoredRows(), "three unchanged 500-row files came from the file");
        assertEquals(1500 + 50 + 1, docs().hnsw().index().indexed(), "three unchanged files, 50 rewritten ones, fresh.vec");
        for (int r = 0; r < 2100; r += 7) {
            String out = search("k=5\n" + vecText(base, r, 1));
            for (String line : out.lines().toList()) {
                String[] f = line.split("\t");
                assertFalse(f[3].startsWith("docs/part1.vec"), "removed file returned: " + line);
                int single = f[3].startsWith("docs/v") ? Integer.parseInt(f[3].substring(6, f[3].length() - 4)) : -1;
                assertFalse(single >= 0 && single % 2 == 0, "removed file returned: " + line);
                assertFalse(single >= 0 && Float.parseFloat(f[2]) < 100, "old content of a rewritten file returned: " + line);
            }
        }
        assertEquals(List.of("docs/fresh.vec"), column(search("k=1\n" + vecText(fresh, 0, 1)), 3));
        assertEquals(List.of("docs/part2.vec#17"), column(search("k=1\n" + vecText(base, 1017, 1)), 3));
    }

    @Test
    void aCorruptOrTruncatedIndexFileIsNamedInErrorsAndRebuilt() throws Exception {
        storeIndexedCollection();
        float[] queries = randomVectors(20);
        String before = search("k=10\n" + vecText(queries, 0, 20));
        close();
        Path file = indexFile();
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        java.nio.file.Files.write(file, bytes);
        mount();
        awaitIndexed();
        assertEquals(0, docs().hnsw().index().restoredRows(), "nothing was taken from a corrupt file");
        assertEquals(2100, docs().hnsw().index().indexed(), "rebuilt from the stored vectors");
        String errors = store.errors().render();
        assertTrue(errors.contains("CRC32C mismatch") && errors.contains("rebuilt"), errors);
        List<String> rebuilt = column(search("k=10\n" + vecText(queries, 0, 20)), 3);
        int same = 0;
        List<String> old = column(before, 3);
        for (int q = 0; q < 20; q++) {
            Set<String> truth = new HashSet<>(old.subList(q * 10, q * 10 + 10));
            for (String p : rebuilt.subList(q * 10, q * 10 + 10)) {
                same += truth.contains(p) ? 1 : 0;
            }
        }
        assertTrue(same >= 190, "a rebuilt graph answers as the first did (" + same + " of 200 hits alike)");

        close();
        file = indexFile();
        long size = java.nio.file.Files.size(file);
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size / 3);
        }
        mount();
        awaitIndexed();
        assertEquals(0, docs().hnsw().index().restoredRows());
        assertEquals(2100, docs().hnsw().index().indexed());
        assertTrue(store.errors().render().contains("no valid trailer"), store.errors().render());
    }

    @Test
    void theIndexFileGoesWhenTheCollectionIsNoLongerHnsw() throws Exception {
        storeIndexedCollection();
        close();
        assertTrue(java.nio.file.Files.exists(indexFile()));
        mount();
        write("/docs/.collection", "index = flat\n");
        close();
        try (var files = java.nio.file.Files.list(dir.resolve("index"))) {
            assertEquals(List.of(), files.toList(), "a flat collection keeps no index file");
        }
        mount();
    }
}
