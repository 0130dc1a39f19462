package io.vexfs.core.query;

import io.vexfs.core.TestNodes;
import io.vexfs.core.Vexfs;
import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .search/ and .similar/ through the store's own calls, without FUSE. */
class QueryNamespaceTest {
    private static final int DIM = 8;
    private static final Duration TTL = Duration.ofMinutes(10);

    @TempDir
    Path dir;
    private Vexfs node;
    private VexStore store;
    private QueryEngine engine;
    private final AtomicLong clock = new AtomicLong();
    private final Random random = new Random(42);

    @BeforeEach
    void open() throws IOException, FsException {
        node = TestNodes.open(dir, 4, clock::get);
        store = node.store();
        engine = node.queryEngine();
        store.mkdir("/docs", 0755, 0, 0);
    }

    @AfterEach
    void close() throws IOException {
        node.close();
    }

    // ---- helpers ----

    private void write(String path, byte[] bytes) throws FsException {
        Handle h = store.create(path, 0644, 0, 0);
        try {
            h.write(0, MemorySegment.ofArray(bytes));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    private void write(String path, String text) throws FsException {
        write(path, text.getBytes(StandardCharsets.UTF_8));
    }

    private String read(String path) throws FsException {
        Handle h = store.open(path, false, false);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            long pos = 0;
            int n;
            while ((n = h.read(pos, MemorySegment.ofArray(buf))) > 0) {
                out.write(buf, 0, n);
                pos += n;
            }
            assertEquals(store.stat(path).size(), pos, "stat size is the size of what read returns");
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            h.release(path);
        }
    }

    /** Writes {@code query} to a new name and returns what it reads back. */
    private String search(String name, String query) throws FsException {
        return search(name, query.getBytes(StandardCharsets.UTF_8));
    }

    private String search(String name, byte[] query) throws FsException {
        write("/docs/.search/" + name, query);
        return read("/docs/.search/" + name);
    }

    private float[] randomVectors(int rows) {
        float[] v = new float[rows * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static String vecText(float[] values, int rows) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < DIM; i++) {
                sb.append(i == 0 ? "" : " ").append(values[r * DIM + i]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** 40 single-vector files at the top, 10 in sub/, and one 5-row file in sub/. */
    private void fill() throws FsException {
        store.mkdir("/docs/sub", 0755, 0, 0);
        for (int i = 0; i < 40; i++) {
            write("/docs/v" + i + ".vec", vecText(randomVectors(1), 1));
        }
        for (int i = 0; i < 10; i++) {
            write("/docs/sub/s" + i + ".vec", vecText(randomVectors(1), 1));
        }
        write("/docs/sub/many.vec", vecText(randomVectors(5), 5));
    }

    private List<SearchEntry> entries() {
        return store.collections().get("docs").snapshot().entries();
    }

    private Metric metric() {
        return store.collections().get("docs").settings().metric();
    }

    private String expected(float[] queries, int count, int k, List<SearchEntry> entries) {
        return new String(ResultText.render(FlatSearch.search(metric(), DIM, queries, count, k, entries,
                SearchOptions.CALLER_THREAD).hits()), StandardCharsets.UTF_8);
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

    @ParameterizedTest
    @EnumSource(Metric.class)
    void resultsAreFlatSearchOverTheSameVectors(Metric metric) throws FsException {
        write("/docs/.collection", "metric = " + metric.key() + "\n");
        fill();
        float[] queries = randomVectors(3);
        String out = search("q", vecText(queries, 3));
        assertEquals(expected(queries, 3, 10, entries()), out);
        assertEquals(30, out.lines().count(), "k defaults to the collection's 10, for each of 3 queries");
        assertTrue(out.lines().allMatch(l -> l.split("\t").length == 4), out);
    }

    @Test
    void optionLinesSetKAndPrefix() throws FsException {
        fill();
        float[] q = randomVectors(1);
        String out = search("q", "k=3\nprefix=sub/\n" + vecText(q, 1));
        List<SearchEntry> sub = entries().stream().filter(e -> e.path().startsWith("docs/sub/")).toList();
        assertEquals(expected(q, 1, 3, sub), out);
        assertEquals(3, out.lines().count());
        assertTrue(out.lines().allMatch(l -> l.split("\t")[3].startsWith("docs/sub/")), out);
        assertEquals(out, search("q2", "prefix = /sub\nk = 3\n" + vecText(q, 1)), "prefix spellings and option order");
        assertTrue(out.contains("docs/sub/many.vec#") || out.contains("docs/sub/s"), out);
    }

    @Test
    void aBatchInTextFvecsAndNpyGivesTheSameAnswers() throws FsException {
        fill();
        int n = 20;
        float[] queries = randomVectors(n);
        String text = search("q", vecText(queries, n));
        assertEquals(expected(queries, n, 10, entries()), text);
        assertEquals(text, search("q.fvecs", fvecs(queries, n)));
        assertEquals(text, search("q.npy", npy(queries, n)));
        assertEquals(text, search("q.vec", vecText(queries, n)), ".vec is text, like a name without extension");
    }

    static byte[] fvecs(float[] values, int rows) {
        ByteBuffer b = ByteBuffer.allocate(rows * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            b.putInt(DIM);
            for (int i = 0; i < DIM; i++) {
                b.putFloat(values[r * DIM + i]);
            }
        }
        return b.array();
    }

    static byte[] npy(float[] values, int rows) {
        byte[] header = VectorCodec.npyHeader(rows, DIM);
        ByteBuffer b = ByteBuffer.allocate(header.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void aLargeCollectionIsSplitAcrossThreadsWithTheSameAnswers() throws FsException {
        int rows = 150_000;
        write("/docs/big.fvecs", fvecs(randomVectors(rows), rows));
        assertTrue(SearchOptions.suggestedParallelism(rows, DIM, 4) > 1, "big enough to be split into parts");
        float[] queries = randomVectors(7);
        assertEquals(expected(queries, 7, 10, entries()), search("q", vecText(queries, 7)));
    }

    @Test
    void aCommitIsNeverAnsweredFromTheCacheOfAnOlderVersion() throws FsException {
        fill();
        float[] q = randomVectors(1);
        String first = search("q", vecText(q, 1));
        double hits = counter(VexCounter.QUERY_CACHE_HITS);
        assertEquals(first, search("q", vecText(q, 1)));
        assertEquals(hits + 1, counter(VexCounter.QUERY_CACHE_HITS), "the same query at the same version is a hit");

        write("/docs/v0.vec", vecText(q, 1));
        double misses = counter(VexCounter.QUERY_CACHE_MISSES);
        String after = search("q", vecText(q, 1));
        assertEquals(misses + 1, counter(VexCounter.QUERY_CACHE_MISSES), "a commit makes a new version: a miss");
        assertNotEquals(first, after);
        assertTrue(after.startsWith("0\t1\t0\tdocs/v0.vec\n"), after);
        assertEquals(expected(q, 1, 10, entries()), after);

        store.unlink("/docs/v0.vec");
        String deleted = search("q", vecText(q, 1));
        assertFalse(deleted.contains("docs/v0.vec"), deleted);
        assertEquals(expected(q, 1, 10, entries()), deleted);
    }

    @Test
    void aBatchTakesWhatTheCacheHasAndSearchesTheRest() throws FsException {
        fill();
        float[] queries = randomVectors(6);
        float[] firstThree = java.util.Arrays.copyOf(queries, 3 * DIM);
        search("a", vecText(firstThree, 3));
        double hits = counter(VexCounter.QUERY_CACHE_HITS);
        double scanned = counter(VexCounter.VECTORS_SCANNED);
        assertEquals(expected(queries, 6, 10, entries()), search("b", vecText(queries, 6)));
        assertEquals(hits + 3, counter(VexCounter.QUERY_CACHE_HITS));
        assertEquals(scanned + 3 * 55, counter(VexCounter.VECTORS_SCANNED), "only the 3 new queries were compared with the 55 vectors");
    }

    @Test
    void cacheAndScratchTogglesGiveTheSameAnswers() throws FsException {
        fill();
        float[] queries = randomVectors(5);
        String on = search("q", vecText(queries, 5));
        engine.setCacheOn(false);
        engine.setReuseScratch(false);
        double hits = counter(VexCounter.QUERY_CACHE_HITS);
        assertEquals(on, search("q", vecText(queries, 5)));
        assertEquals(on, search("q", vecText(queries, 5)));
        assertEquals(hits, counter(VexCounter.QUERY_CACHE_HITS), "no cache lookups while off");
        assertFalse(engine.cacheOn());
        engine.setCacheOn(true);
        assertTrue(engine.cacheOn());
    }

    @Test
    void searchesAndScannedVectorsAreCounted() throws FsException {
        fill();
        engine.setCacheOn(false);
        double searches = counter(VexCounter.SEARCHES);
        double scanned = counter(VexCounter.VECTORS_SCANNED);
        search("q", vecText(randomVectors(4), 4));
        assertEquals(searches + 4, counter(VexCounter.SEARCHES));
        assertEquals(scanned + 4 * 55, counter(VexCounter.VECTORS_SCANNED));
    }

    @Test
    void badQueriesAreRefusedWithTheirPlace() throws FsException {
        fill();
        String ok = vecText(randomVectors(1), 1);
        FsException e = refused(() -> write("/docs/.search/q", "k=2\n" + ok + "1 2 x 4 5 6 7 8\n"));
        assertEquals("line 3", e.where());
        e = refused(() -> write("/docs/.search/q", "k=2\n1 2 3\n"));
        assertEquals("line 2", e.where());
        assertTrue(e.getMessage().contains("differs from the collection's 8"), e.getMessage());
        e = refused(() -> write("/docs/.search/q", "color=red\n" + ok));
        assertEquals("line 1", e.where());
        assertTrue(e.getMessage().contains("unknown option 'color'"), e.getMessage());
        e = refused(() -> write("/docs/.search/q", "ef=64\n" + ok));
        assertTrue(e.getMessage().contains("hnsw"), e.getMessage());
        e = refused(() -> write("/docs/.search/q", "k=0\n" + ok));
        assertTrue(e.getMessage().contains("between 1 and"), e.getMessage());
        e = refused(() -> write("/docs/.search/q", "prefix=../other\n" + ok));
        assertTrue(e.getMessage().contains("prefix"), e.getMessage());
        e = refused(() -> write("/docs/.search/q", "prefix=nothere/\n" + ok));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        e = refused(() -> write("/docs/.search/q", ok + ok + "k=3\n"));
        assertEquals("line 3", e.where());
        e = refused(() -> write("/docs/.search/q.fvecs", new byte[] {3, 0, 0, 0}));
        assertEquals("row 0", e.where());
        e = refused(() -> read("/docs/.search/q"));
        assertEquals("line 3", e.where(), "a refused query reads as its refusal, not as no results");
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        Handle h = store.open("/docs/.search/q", true, false);
        try {
            e = refused(() -> h.write(10, MemorySegment.ofArray(ok.getBytes(StandardCharsets.UTF_8))));
            assertEquals("byte 10", e.where());
        } finally {
            h.release("/docs/.search/q");
        }
    }

    @Test
    void aBadLineIsRefusedByTheWriteThatHoldsIt() throws FsException {
        fill();
        String ok = vecText(randomVectors(1), 1);
        Handle h = store.create("/docs/.search/w", 0644, 0, 0);
        try {
            h.write(0, segment("k=2\n" + ok));
            FsException e = refused(() -> h.write(4 + ok.length(), segment("1 2 x 4 5 6 7 8\n")));
            assertEquals("line 3", e.where());
            assertEquals("line 3", refused(() -> h.write(4 + ok.length(), segment(ok))).where(), "it stays refused");
            h.flush("/docs/.search/w");
            assertEquals("line 3", refused(() -> h.read(0, MemorySegment.ofArray(new byte[64]))).where());
        } finally {
            h.release("/docs/.search/w");
        }
        assertEquals("line 3", refused(() -> read("/docs/.search/w")).where(), "a new reader sees the refusal");

        Handle dims = store.create("/docs/.search/d", 0644, 0, 0);
        try {
            assertTrue(refused(() -> dims.write(0, segment("1 2 3\n"))).getMessage().contains("differs from the collection's 8"));
            dims.truncate(0);
            dims.write(0, segment(ok));
            dims.flush("/docs/.search/d");
        } finally {
            dims.release("/docs/.search/d");
        }
        assertEquals(10, read("/docs/.search/d").lines().count(), "truncated to nothing, the name takes a new query");
    }

    @Test
    void whatOnlyTheEndShowsIsRefusedByClose() throws FsException {
        fill();
        Handle h = store.create("/docs/.search/u", 0644, 0, 0);
        try {
            h.write(0, segment("1 2 3 4 5 6 7 x"));
            assertEquals("line 1", refused(() -> h.flush("/docs/.search/u")).where());
        } finally {
            h.release("/docs/.search/u");
        }
        Handle b = store.create("/docs/.search/u.fvecs", 0644, 0, 0);
        try {
            b.write(0, MemorySegment.ofArray(new byte[] {8, 0, 0, 0, 1, 2}));
            assertTrue(refused(() -> b.flush("/docs/.search/u.fvecs")).getMessage().contains("truncated"));
        } finally {
            b.release("/docs/.search/u.fvecs");
        }
    }

    @Test
    void aQueryWrittenBeforeTheCollectionHadADimensionIsJudgedAgainAtClose() throws FsException {
        Handle h = store.create("/docs/.search/early", 0644, 0, 0);
        try {
            h.write(0, segment("1 2 3\n"));
            fill();
            FsException e = refused(() -> h.flush("/docs/.search/early"));
            assertEquals("line 1", e.where());
            assertTrue(e.getMessage().contains("differs from the collection's 8"), e.getMessage());
        } finally {
            h.release("/docs/.search/early");
        }
    }

    @Test
    void aQueryRewrittenInPlaceIsReadWholeAtClose() throws FsException {
        fill();
        float[] q = randomVectors(1);
        String ok = vecText(q, 1);
        Handle h = store.create("/docs/.search/r", 0644, 0, 0);
        try {
            h.write(0, segment("k=1\n" + "x".repeat(ok.length())));
            h.write(4, segment(ok));
            h.flush("/docs/.search/r");
        } finally {
            h.release("/docs/.search/r");
        }
        assertEquals(expected(q, 1, 1, entries()), read("/docs/.search/r"));
    }

    private static MemorySegment segment(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aZeroQueryIsRefusedUnderCosineOnly() throws FsException {
        write("/docs/.collection", "metric = cosine\n");
        fill();
        String zero = "0 0 0 0 0 0 0 0\n";
        FsException e = refused(() -> write("/docs/.search/q", "k=1\n" + vecText(randomVectors(1), 1) + zero));
        assertEquals("line 3", e.where());
        assertTrue(e.getMessage().contains("zero vector"), e.getMessage());
        e = refused(() -> write("/docs/.search/q.fvecs", fvecs(new float[2 * DIM], 2)));
        assertEquals("row 0", e.where());
    }

    @Test
    void twoNamesKeepTheirOwnResultsAndUnlinkRemovesOne() throws FsException {
        fill();
        String a = search("a", vecText(randomVectors(1), 1));
        String b = search("b", vecText(randomVectors(1), 1));
        assertNotEquals(a, b);
        assertEquals(a, read("/docs/.search/a"));
        assertEquals(List.of("a", "b"), list("/docs/.search"));
        store.unlink("/docs/.search/a");
        assertEquals(List.of("b"), list("/docs/.search"));
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> store.stat("/docs/.search/a")).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> store.unlink("/docs/.search/a")).errno());
        assertEquals(b, read("/docs/.search/b"));
    }

    @Test
    void aNameExpiresTheTtlAfterItsLastWriteOrRead() throws FsException {
        fill();
        String a = search("a", vecText(randomVectors(1), 1));
        search("b", vecText(randomVectors(1), 1));
        clock.addAndGet(TTL.toNanos() - 1000);
        assertEquals(a, read("/docs/.search/a"), "a read keeps a alive");
        clock.addAndGet(2000);
        assertEquals(List.of("a"), list("/docs/.search"), "b expired; a was read since");
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> store.stat("/docs/.search/b")).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> store.open("/docs/.search/b", false, false)).errno());
        clock.addAndGet(TTL.toNanos());
        assertEquals(List.of(), list("/docs/.search"));
    }

    @Test
    void similarListsTheNeighboursOfEachRowButItself() throws FsException {
        fill();
        String single = read("/docs/.similar/v3.vec");
        assertEquals(10, single.lines().count());
        assertFalse(single.contains("docs/v3.vec\n"), single);
        SearchEntry v3 = entries().stream().filter(e -> e.path().equals("docs/v3.vec")).findFirst().orElseThrow();
        String withSelf = expected(v3.floats(), 1, 11, entries());
        assertEquals(withSelf.lines().skip(1).map(l -> l.replaceFirst("\t\\d+\t", "\tR\t")).toList(),
                single.lines().map(l -> l.replaceFirst("\t\\d+\t", "\tR\t")).toList(), "the 10 after itself");

        String many = read("/docs/.similar/sub/many.vec");
        assertEquals(50, many.lines().count(), "5 rows, 10 neighbours each");
        for (String line : many.lines().toList()) {
            String[] f = line.split("\t");
            assertNotEquals("docs/sub/many.vec#" + f[0], f[3], "a row is not its own neighbour");
        }
        assertEquals(List.of("many.vec", "s0.vec", "s1.vec", "s2.vec", "s3.vec", "s4.vec", "s5.vec", "s6.vec",
                "s7.vec", "s8.vec", "s9.vec"), list("/docs/.similar/sub"));
        assertTrue(store.stat("/docs/.similar/sub").directory());
        assertTrue(list("/docs/.similar").contains("sub"));
        assertEquals(Errno.EACCES, assertThrows(FsException.class, () -> store.open("/docs/.similar/v3.vec", true, false)).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> store.stat("/docs/.similar/nope.vec")).errno());
    }

    @Test
    void searchesSeeOneVersionWhileWritersCommit() throws Exception {
        store.mkdir("/docs/w", 0755, 0, 0);
        int writers = 4;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int round = 1; round <= 40; round++) {
                        // Every number of a file is its writer id * 1000 + round: a torn file would mix them.
                        float value = id * 1000 + round;
                        StringBuilder rows = new StringBuilder();
                        for (int r = 0; r < 3; r++) {
                            rows.append((value + " ").repeat(DIM).strip()).append('\n');
                        }
                        write("/docs/w/f" + id + "-" + (round % 5) + ".vec", rows.toString());
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        // From the origin, a file of value v lies at v * sqrt(DIM): the distance says which value a hit holds.
        String query = "k=100\n" + vecText(new float[DIM], 1);
        int searches = 0;
        while (threads.stream().anyMatch(Thread::isAlive) || searches == 0) {
            searches++;
            java.util.Map<String, List<Float>> byFile = new java.util.HashMap<>();
            for (String line : search("q", query).lines().toList()) {
                String[] f = line.split("\t");
                String file = f[3].substring(0, f[3].indexOf('#'));
                byFile.computeIfAbsent(file, x -> new ArrayList<>()).add(Float.parseFloat(f[2]));
            }
            byFile.forEach((file, distances) -> {
                assertEquals(3, distances.size(), file + ": all rows of a file, or none");
                assertEquals(1, distances.stream().distinct().count(), file + ": rows of one commit");
                int v = (int) Math.rint(distances.get(0) / Math.sqrt(DIM));
                int writer = file.charAt("docs/w/f".length()) - '0';
                int slot = Integer.parseInt(file.substring(file.indexOf('-') + 1, file.indexOf(".vec")));
                assertEquals(writer, v / 1000, file + " holds " + v);
                assertEquals(slot, (v % 1000) % 5, file + " holds " + v);
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
    }

    private List<String> list(String path) throws FsException {
        List<String> names = new ArrayList<>();
        store.list(path, names::add);
        return names;
    }

    @Test
    void queriesAreStagedInThePoolAndGiveItBack() throws FsException {
        fill();
        long before = node.pool().stats().acquisitions();
        String out = search("pooled", vecText(randomVectors(1), 1));
        assertEquals(10, out.lines().count(), out);
        assertTrue(node.pool().stats().acquisitions() > before, "the query was staged in pool buffers");
        assertEquals(0, node.pool().stats().heldBytesInUse(), "every staging buffer went back");
    }
}
