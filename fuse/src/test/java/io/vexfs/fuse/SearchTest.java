package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .search/ and .similar/ (DESIGN §3) through a real mount, with shell tools and Java file I/O. */
class SearchTest {
    private static final int DIM = 4;
    private static final int FILES = 30;
    private static MountFixture m;
    /** What the test stored, by hit name ("docs/v3.vec", "docs/sub/m.fvecs#1"), for brute force. */
    private static final Map<String, float[]> stored = new HashMap<>();

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start();
        Files.createDirectories(m.path("docs/sub"));
        Random random = new Random(7);
        for (int i = 0; i < FILES; i++) {
            float[] v = gaussian(random, DIM);
            String dir = i % 3 == 0 ? "docs/sub/" : "docs/";
            Files.writeString(m.path(dir + "v" + i + ".vec"), vec(v));
            stored.put(dir + "v" + i + ".vec", v);
        }
        float[] rows = gaussian(random, 3 * DIM);
        Files.write(m.path("docs/sub/m.fvecs"), fvecs(rows, 3));
        for (int r = 0; r < 3; r++) {
            stored.put("docs/sub/m.fvecs#" + r, java.util.Arrays.copyOfRange(rows, r * DIM, (r + 1) * DIM));
        }
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
    }

    // ---- helpers ----

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static String vec(float[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i % DIM == 0 ? "" : " ").append(values[i]).append(i % DIM == DIM - 1 ? "\n" : "");
        }
        return sb.toString();
    }

    private static byte[] fvecs(float[] values, int rows) {
        ByteBuffer b = ByteBuffer.allocate(rows * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            b.putInt(DIM);
            for (int i = 0; i < DIM; i++) {
                b.putFloat(values[r * DIM + i]);
            }
        }
        return b.array();
    }

    /** An .npy file as numpy's np.save writes float32 of shape (rows, DIM). */
    private static byte[] npy(float[] values, int rows) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + DIM + "), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** One result line, parsed. */
    private record Line(int query, int rank, float distance, String path) {
        static Line parse(String line) {
            String[] f = line.split("\t", -1);
            assertEquals(4, f.length, "four tab-separated fields: " + line);
            return new Line(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Float.parseFloat(f[2]), f[3]);
        }
    }

    private static List<Line> parse(String results) {
        assertTrue(results.isEmpty() || results.endsWith("\n"), "every line ends with a newline");
        return results.lines().map(Line::parse).toList();
    }

    /** The k nearest of {@code stored} under {@code prefix} by Euclidean distance, computed in double. */
    private static List<Map.Entry<String, Double>> bruteForce(float[] q, int k, String prefix) {
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        stored.forEach((name, v) -> {
            if (name.startsWith(prefix)) {
                double sum = 0;
                for (int i = 0; i < DIM; i++) {
                    double d = (double) q[i] - v[i];
                    sum += d * d;
                }
                all.add(Map.entry(name, Math.sqrt(sum)));
            }
        });
        all.sort(Map.Entry.comparingByValue());
        return all.subList(0, Math.min(k, all.size()));
    }

    /** Checks one query's lines against brute force: names in rank order, distances to float precision. */
    private static void assertNearest(List<Line> lines, int query, float[] q, int k, String prefix) {
        List<Line> mine = lines.stream().filter(l -> l.query() == query).toList();
        List<Map.Entry<String, Double>> expected = bruteForce(q, k, prefix);
        assertEquals(expected.size(), mine.size(), "query " + query);
        for (int i = 0; i < mine.size(); i++) {
            Line l = mine.get(i);
            assertEquals(i + 1, l.rank());
            assertEquals(expected.get(i).getKey(), l.path(), "query " + query + " rank " + (i + 1));
            assertEquals(expected.get(i).getValue(), l.distance(), 1e-5 * Math.max(1, expected.get(i).getValue()));
        }
    }

    private static IOException refusedWrite(String relative, byte[] bytes) {
        return assertThrows(IOException.class, () -> {
            try (OutputStream out = Files.newOutputStream(m.path(relative))) {
                out.write(bytes);
            }
        });
    }

    private static String lastError(String path) throws IOException {
        String errors = Files.readString(m.path(".vexfs/errors"));
        return errors.lines().filter(l -> l.contains(path)).reduce((a, b) -> b).orElse("no error for " + path + " in:\n" + errors);
    }

    /** A bad query: its write (or, for what only the end shows, its close) fails with EINVAL and .vexfs/errors names the query file, the place and the reason. */
    private static void refused(String name, String query, String where, String reason) throws IOException {
        IOException e = refusedWrite("docs/.search/" + name, query.getBytes(StandardCharsets.UTF_8));
        assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
        String line = lastError("/docs/.search/" + name);
        assertTrue(line.contains("EINVAL") && line.contains(where) && line.contains(reason),
                "expected EINVAL, '" + where + "' and '" + reason + "' in: " + line);
    }

    // ---- tests ----

    @Test
    void aQueryPrintsTheKNearestAsTsvBestFirst() throws IOException {
        float[] q = {0.1f, 0.2f, -0.3f, 0.4f};
        MountFixture.Result r = m.sh("echo '0.1 0.2 -0.3 0.4' > docs/.search/q && cat docs/.search/q").ok();
        assertTrue(r.out().matches("(?s)(0\\t([1-9]|10)\\t[0-9.]+\\tdocs/[a-z/0-9.#]+\\n){10}"), r.out());
        List<Line> lines = parse(r.out());
        assertNearest(lines, 0, q, 10, "docs/");
        assertEquals(r.out().length(), Long.parseLong(m.sh("stat -c %s docs/.search/q").ok().out().strip()),
                "stat reports the exact size of the results");
        assertEquals(r.out(), m.sh("cat docs/.search/q").ok().out(), "results stay until the next write");
        assertEquals(List.of("10"), m.sh("sort -t$'\\t' -k3,3n docs/.search/q | tail -1 | cut -f2").ok().out().lines().toList(),
                "sort and cut read it");
    }

    @Test
    void optionLinesSetKAndPrefix() throws IOException {
        float[] q = {1, 0, 0, 0};
        String out = m.sh("printf 'k=3\\nprefix=sub/\\n1 0 0 0\\n' > docs/.search/p && cat docs/.search/p").ok().out();
        List<Line> lines = parse(out);
        assertEquals(3, lines.size(), out);
        assertNearest(lines, 0, q, 3, "docs/sub/");
        assertTrue(lines.stream().allMatch(l -> l.path().startsWith("docs/sub/")), out);
    }

    @Test
    void aBatchOfLinesAndBinaryBatchesAgree() throws IOException {
        Random random = new Random(11);
        int n = 5;
        float[] queries = gaussian(random, n * DIM);
        Files.writeString(m.path("docs/.search/lines"), vec(queries));
        String text = Files.readString(m.path("docs/.search/lines"));
        List<Line> lines = parse(text);
        assertEquals(n * 10, lines.size());
        for (int q = 0; q < n; q++) {
            assertNearest(lines, q, java.util.Arrays.copyOfRange(queries, q * DIM, (q + 1) * DIM), 10, "docs/");
        }
        Path fv = m.root.resolve("queries.fvecs");
        Path np = m.root.resolve("queries.npy");
        Files.write(fv, fvecs(queries, n));
        Files.write(np, npy(queries, n));
        m.sh("cp " + fv + " docs/.search/q.fvecs && cp " + np + " docs/.search/q.npy").ok();
        assertEquals(text, Files.readString(m.path("docs/.search/q.fvecs")));
        assertEquals(text, Files.readString(m.path("docs/.search/q.npy")));
    }

    @Test
    void similarListsTheNeighboursOfAStoredFileButItself() throws IOException {
        String out = m.sh("cat docs/.similar/sub/m.fvecs").ok().out();
        List<Line> lines = parse(out);
        assertEquals(30, lines.size(), "3 rows, 10 neighbours each");
        for (int row = 0; row < 3; row++) {
            float[] q = stored.get("docs/sub/m.fvecs#" + row);
            List<Map.Entry<String, Double>> expected = new ArrayList<>(bruteForce(q, 11, "docs/"));
            String self = "docs/sub/m.fvecs#" + row;
            assertTrue(expected.removeIf(e -> e.getKey().equals(self)));
            int query = row;
            List<String> names = lines.stream().filter(l -> l.query() == query).map(Line::path).toList();
            assertEquals(expected.stream().map(Map.Entry::getKey).toList(), names);
        }
        String single = Files.readString(m.path("docs/.similar/v1.vec"));
        assertFalse(single.contains("\tdocs/v1.vec\n"), single);
        assertEquals(10, single.lines().count());
        assertTrue(Files.isDirectory(m.path("docs/.similar/sub")));
        List<String> listed = m.sh("ls docs/.similar/sub").ok().out().lines().toList();
        assertTrue(listed.contains("m.fvecs") && listed.contains("v0.vec"), listed.toString());
        assertEquals(single.length(), Files.size(m.path("docs/.similar/v1.vec")));
        assertNotEquals(0, m.sh("echo 1 2 3 4 > docs/.similar/v1.vec").exit(), ".similar/ is read-only");
    }

    @Test
    void badQueriesAreRefusedAndRecorded() throws IOException {
        refused("b1", "k=2\n1 2 x 4\n", "line 2", "'x'");
        refused("b2", "1 2 3\n", "line 1", "differs from the collection's 4");
        refused("b3", "colour=red\n1 2 3 4\n", "line 1", "unknown option 'colour'");
        refused("b4", "ef=64\n1 2 3 4\n", "line 1", "hnsw");
        refused("b5", "1 2 3 4\nk=3\n", "line 2", "before the query vectors");
        MountFixture.Result dd = m.sh("printf '1 2 3 4\\n1 NaN 3 4\\n' | dd of=docs/.search/b6 status=none");
        assertNotEquals(0, dd.exit(), "the shell sees the refused write");
        assertTrue(dd.err().contains("Invalid argument"), dd.err());
        assertTrue(lastError("/docs/.search/b6").contains("line 2"), lastError("/docs/.search/b6"));

        Files.writeString(m.path("docs/.search/app"), "1 2 3 4\n");
        MountFixture.Result append = m.sh("echo '1 2 3 4' >> docs/.search/app");
        assertTrue(append.err().contains("Invalid argument"), "results cannot be appended to: " + append.err());
        assertTrue(lastError("/docs/.search/app").contains("'>>'"), lastError("/docs/.search/app"));

        Files.createDirectories(m.path("cos"));
        Files.writeString(m.path("cos/.collection"), "metric = cosine\n");
        Files.writeString(m.path("cos/a.vec"), "1 0 0\n");
        IOException e = refusedWrite("cos/.search/z", "0 0 0\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
        assertTrue(lastError("/cos/.search/z").contains("zero vector"), lastError("/cos/.search/z"));
        IOException read = assertThrows(IOException.class, () -> Files.readString(m.path("cos/.search/z")),
                "a refused query reads as refused, not as no neighbours");
        assertTrue(read.getMessage().contains("Invalid argument"), read.getMessage());
        Files.writeString(m.path("cos/.search/ok"), "0 2 0\n");
        assertEquals("0\t1\t1\tcos/a.vec\n", Files.readString(m.path("cos/.search/ok")), "cosine distance: 1 - similarity");
    }

    @Test
    void deletedAndOverwrittenVectorsLeaveTheResults() throws IOException {
        Files.createDirectories(m.path("live"));
        for (int i = 0; i < 5; i++) {
            Files.writeString(m.path("live/f" + i + ".vec"), i + " 0\n");
        }
        Files.writeString(m.path("live/.search/q"), "k=2\n0 0\n");
        assertEquals("0\t1\t0\tlive/f0.vec\n0\t2\t1\tlive/f1.vec\n", Files.readString(m.path("live/.search/q")));
        Files.delete(m.path("live/f0.vec"));
        Files.writeString(m.path("live/f1.vec"), "9 0\n");
        Files.writeString(m.path("live/.search/q"), "k=2\n0 0\n");
        assertEquals("0\t1\t2\tlive/f2.vec\n0\t2\t3\tlive/f3.vec\n", Files.readString(m.path("live/.search/q")));
        Files.writeString(m.path("live/f4.vec"), "0.5 0\n");
        Files.writeString(m.path("live/.search/q"), "k=1\n0 0\n");
        assertEquals("0\t1\t0.5\tlive/f4.vec\n", Files.readString(m.path("live/.search/q")));
    }

    @Test
    void namesAreIndependentAndCanBeUnlinked() throws IOException {
        Files.writeString(m.path("docs/.search/one"), "k=1\n" + vec(stored.get("docs/v1.vec")));
        Files.writeString(m.path("docs/.search/two"), "k=1\n" + vec(stored.get("docs/v2.vec")));
        assertEquals("0\t1\t0\tdocs/v1.vec\n", Files.readString(m.path("docs/.search/one")));
        assertEquals("0\t1\t0\tdocs/v2.vec\n", Files.readString(m.path("docs/.search/two")));
        List<String> names = m.sh("ls docs/.search").ok().out().lines().toList();
        assertTrue(names.contains("one") && names.contains("two"), names.toString());
        m.sh("rm docs/.search/one").ok();
        assertFalse(m.sh("ls docs/.search").ok().out().lines().toList().contains("one"));
        assertThrows(NoSuchFileException.class, () -> Files.readString(m.path("docs/.search/one")));
        assertEquals("0\t1\t0\tdocs/v2.vec\n", Files.readString(m.path("docs/.search/two")));

        MountFixture.Result mkdir = m.sh("mkdir docs/.search/d");
        assertTrue(mkdir.err().contains("Operation not permitted"), mkdir.err());
        MountFixture.Result mv = m.sh("mv docs/.search/two docs/.search/three");
        assertNotEquals(0, mv.exit(), mv.err());
        assertTrue(Files.exists(m.path("docs/.search/two")));
    }

    @Test
    void searchesWhileFourWritersCommitSeeOnlyWholeFiles() throws Exception {
        int dim = 4;
        Files.createDirectories(m.path("busy"));
        Files.writeString(m.path("busy/seed.vec"), "0.5 0.5 0.5 0.5\n");
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int id = w;
            writers.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int round = 1; round <= 25; round++) {
                        // Every number of a file is id * 1000 + round: a torn file would mix rounds.
                        String row = String.join(" ", Collections.nCopies(dim, Integer.toString(id * 1000 + round))) + "\n";
                        Files.writeString(m.path("busy/f" + id + "-" + round % 3 + ".vec"), row.repeat(3));
                        if (round % 5 == 0) {
                            Files.deleteIfExists(m.path("busy/f" + id + "-" + (round + 1) % 3 + ".vec"));
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        int searches = 0;
        while (writers.stream().anyMatch(Thread::isAlive) || searches == 0) {
            searches++;
            Files.writeString(m.path("busy/.search/q"), "k=100\n0 0 0 0\n");
            Map<String, List<Float>> byFile = new HashMap<>();
            for (Line l : parse(Files.readString(m.path("busy/.search/q")))) {
                int hash = l.path().indexOf('#');
                byFile.computeIfAbsent(hash < 0 ? l.path() : l.path().substring(0, hash), x -> new ArrayList<>()).add(l.distance());
            }
            byFile.remove("busy/seed.vec");
            byFile.forEach((file, distances) -> {
                assertEquals(3, distances.size(), file + ": all rows of a committed file, or none");
                assertEquals(1, distances.stream().distinct().count(), file + ": rows of one commit");
                // From the origin a file of value v lies at 2v (v * sqrt(4)).
                int v = Math.round(distances.get(0) / 2);
                int writer = file.charAt("busy/f".length()) - '0';
                int slot = Integer.parseInt(file.substring(file.indexOf('-') + 1, file.indexOf(".vec")));
                assertEquals(writer, v / 1000, file + " holds " + v);
                assertEquals(slot, (v % 1000) % 3, file + " holds " + v);
            });
        }
        for (Thread t : writers) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertTrue(Files.readString(m.path(".vexfs/metrics")).contains("vexfs_searches_total"));
    }

    @Test
    void searchesAreCountedAndRepeatsComeFromTheCache() throws IOException {
        String before = Files.readString(m.path(".vexfs/metrics"));
        Files.writeString(m.path("docs/.search/c"), "0.3 0.3 0.3 0.3\n");
        String first = Files.readString(m.path("docs/.search/c"));
        Files.writeString(m.path("docs/.search/c"), "0.3 0.3 0.3 0.3\n");
        assertEquals(first, Files.readString(m.path("docs/.search/c")));
        String after = Files.readString(m.path(".vexfs/metrics"));
        assertTrue(counter(after, "vexfs_searches_total") >= counter(before, "vexfs_searches_total") + 2);
        assertTrue(counter(after, "vexfs_query_cache_hits_total") >= counter(before, "vexfs_query_cache_hits_total") + 1);
        assertTrue(counter(after, "vexfs_vectors_scanned_total") >= counter(before, "vexfs_vectors_scanned_total") + FILES);
        Files.writeString(m.path(".vexfs/optimizations"), "cache off\nscratch off\n");
        try {
            Files.writeString(m.path("docs/.search/c"), "0.3 0.3 0.3 0.3\n");
            assertEquals(first, Files.readString(m.path("docs/.search/c")), "the same answer without cache and scratch");
            String toggles = Files.readString(m.path(".vexfs/optimizations"));
            assertTrue(toggles.contains("cache off") && toggles.contains("scratch off"), toggles);
        } finally {
            Files.writeString(m.path(".vexfs/optimizations"), "cache on\nscratch on\n");
        }
    }

    private static double counter(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void queryNamesExpireAfterTheirTtl() throws Exception {
        try (MountFixture short_ = MountFixture.start("[performance]\nquery_ttl = \"1s\"\n")) {
            Files.createDirectories(short_.path("t"));
            Files.writeString(short_.path("t/a.vec"), "1 2\n");
            Files.writeString(short_.path("t/.search/q"), "1 2\n");
            assertEquals("0\t1\t0\tt/a.vec\n", Files.readString(short_.path("t/.search/q")));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (Files.exists(short_.path("t/.search/q")) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertFalse(Files.exists(short_.path("t/.search/q")), "gone after its TTL");
            assertEquals("", short_.sh("ls t/.search").ok().out());
        }
    }
}
