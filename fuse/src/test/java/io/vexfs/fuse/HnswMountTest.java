package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Collections with index = hnsw (jvector) through a real mount: settings and their refusals,
 * recall against a flat copy of the same data, prefix= and k= answered by the graph, searches
 * while other processes overwrite and delete, a remount, the index file and a kill while it is written.
 */
class HnswMountTest {
    private static final int FILES = 60;
    private static final int DIM = 16;

    @Test
    void hnswThroughTheMountAndAcrossARemount() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Files.createDirectories(m.path("docs"));
            Random random = new Random(11);
            StringBuilder queries = new StringBuilder();
            for (int i = 0; i < FILES; i++) {
                String v = IntStream.range(0, 4).mapToObj(d -> Float.toString((float) random.nextGaussian()))
                        .reduce((a, b) -> a + " " + b).orElseThrow();
                Files.writeString(m.path("docs/v" + i + ".vec"), v + "\n");
                queries.append(v).append('\n');
            }
            // Outside the mount, next to it: the shell reads it as ../queries.txt.
            Files.writeString(m.root.resolve("queries.txt"), queries);
            String settings = m.sh("printf 'index = hnsw\\nef = 32\\n' | tee docs/.collection >/dev/null && cat docs/.collection")
                    .ok().out();
            assertTrue(settings.contains("index = hnsw\nm = 16\nef_construction = 100\nef = 32\n"), settings);
            List<String> expected = IntStream.range(0, FILES).mapToObj(i -> "docs/v" + i + ".vec").toList();

            assertEquals(expected, topHits(m, "k=1\n"), "at the collection's ef");
            assertEquals(expected, topHits(m, "k=1\nef=8\n"), "at a query's ef");
            awaitIndexed(m, "docs", FILES);
            String stats = m.sh("cat .vexfs/stats").ok().out();
            assertTrue(stats.contains("hnsw (" + FILES + " indexed, graph "), stats);

            Files.createDirectories(m.path("flat"));
            Files.writeString(m.path("flat/a.vec"), "1 2 3 4\n");
            // dd reports a refused close; the shell's redirection would not.
            MountFixture.Result refused = m.sh("printf 'ef=8\\n1 2 3 4\\n' | dd of=flat/.search/q status=none");
            assertNotEquals(0, refused.exit(), "ef= on a flat collection");
            assertTrue(refused.err().contains("Invalid argument"), refused.err());

            int exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            m.mount();
            assertEquals(settings, m.sh("cat docs/.collection").ok().out());
            assertEquals(expected, topHits(m, "k=1\n"), "after the remount");
            assertEquals(expected, topHits(m, "k=1\nef=64\n"), "after the remount, at a query's ef");
        }
    }

    @Test
    void recallPrefixAndKThroughTheGraphAgainstAFlatCopy() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            // 40 rows under sub/ among 4,200: the prefix keeps one row in a hundred; past the 4,096
            // rows the codes are trained on, so the default (int8 codes) is what is searched.
            Random random = new Random(12);
            float[] big = gaussian(random, 4160 * DIM);
            float[] small = gaussian(random, 40 * DIM);
            float[] queries = gaussian(random, 100 * DIM);
            Files.write(m.root.resolve("queries.fvecs"), fvecs(queries));
            for (String c : List.of("ann", "flat")) {
                Files.createDirectories(m.path(c + "/sub"));
                Files.write(m.root.resolve("big.fvecs"), fvecs(big));
                Files.write(m.root.resolve("small.fvecs"), fvecs(small));
                m.sh("cp ../big.fvecs " + c + "/ && cp ../small.fvecs " + c + "/sub/").ok();
            }
            m.sh("printf 'index = hnsw\\n' > ann/.collection").ok();
            awaitIndexed(m, "ann", 4200);
            awaitStats(m, "graph and int8 codes (32 bytes a row)");
            assertTrue(Files.readString(m.path("ann/.collection")).contains("quantization = int8\n"), "int8 is the default");

            long scanned = counter(m, "vexfs_vectors_scanned_total");
            long graphSearches = counter(m, "vexfs_searches_hnsw_total");
            List<List<String>> approximate = batch(m, "ann");
            assertEquals(graphSearches + 100, counter(m, "vexfs_searches_hnsw_total"));
            assertEquals(scanned, counter(m, "vexfs_vectors_scanned_total"), "nothing compared exactly: the graph answered");
            List<List<String>> exact = batch(m, "flat");
            double recall = recall(approximate, exact, "ann/", "flat/");
            assertTrue(recall >= 0.95, "recall@10 through the mount: " + recall);

            // Neighbour prefetching is a speed toggle only: the same batch, searched again without it, answers the same.
            m.sh("printf 'cache off\\nprefetch off\\n' | tee .vexfs/optimizations > /dev/null").ok();
            assertTrue(Files.readString(m.path(".vexfs/optimizations")).contains("prefetch off"));
            assertEquals(approximate, batch(m, "ann"));
            assertEquals(graphSearches + 200, counter(m, "vexfs_searches_hnsw_total"), "searched again, not answered from the cache");
            m.sh("printf 'cache on\\nprefetch on\\n' | tee .vexfs/optimizations > /dev/null").ok();

            String options = "k=25\\nprefix=sub/\\n";
            long scannedBefore = counter(m, "vexfs_vectors_scanned_total");
            List<List<String>> inPrefix = textBatch(m, "ann", options, queries, 20);
            assertEquals(scannedBefore, counter(m, "vexfs_vectors_scanned_total"), "the prefix is filtered inside the graph search");
            for (List<String> hits : inPrefix) {
                assertEquals(25, hits.size(), "k hits, all from the prefix: " + hits);
                assertTrue(hits.stream().allMatch(p -> p.startsWith("ann/sub/small.fvecs#")), hits.toString());
            }
            double prefixRecall = recall(inPrefix, textBatch(m, "flat", options, queries, 20), "ann/", "flat/");
            assertTrue(prefixRecall >= 0.9, "recall@25 within the prefix: " + prefixRecall);
        }
    }

    @Test
    void quantizedSearchThroughTheMountRecallsRemountsAndTakesNewCodesWithoutARebuild() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Random random = new Random(13);
            Files.write(m.root.resolve("base.fvecs"), fvecs(gaussian(random, 5000 * DIM)));
            Files.write(m.root.resolve("queries.fvecs"), fvecs(gaussian(random, 100 * DIM)));
            Files.createDirectories(m.path("ann"));
            Files.createDirectories(m.path("flat"));
            m.sh("printf 'dim = 16\\nindex = hnsw\\npq_subspaces = 8\\nrerank = 5\\n' > ann/.collection").ok();
            m.sh("cp ../base.fvecs ann/ && cp ../base.fvecs flat/").ok();
            awaitIndexed(m, "ann", 5000);
            String stats = m.sh("cat .vexfs/stats").ok().out();
            assertTrue(stats.contains("hnsw (5000 indexed, graph and product codes "), stats);

            long scanned = counter(m, "vexfs_vectors_scanned_total");
            List<List<String>> approximate = batch(m, "ann");
            assertEquals(scanned, counter(m, "vexfs_vectors_scanned_total"), "nothing compared exactly: the graph answered");
            double recall = recall(approximate, batch(m, "flat"), "ann/", "flat/");
            assertTrue(recall >= 0.9, "recall@10 on codes of 8 bytes through the mount: " + recall);

            int exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            m.mount();
            assertTrue(m.sh("cat ann/.collection").ok().out().contains("pq_subspaces = 8\nrerank = 5\n"));
            awaitIndexed(m, "ann", 5000);
            assertTrue(m.sh("cat .vexfs/stats").ok().out().contains("graph and product codes (8 bytes a row)"), "the codes came back");
            assertEquals(approximate, batch(m, "ann"), "the same graph and codes answer the same after a remount");

            // A new pq_subspaces makes the codes again on the graph read from the file: nothing is inserted again.
            m.sh("printf 'pq_subspaces = 16\\n' > ann/.collection").ok();
            assertTrue(m.sh("cat ann/.collection").ok().out().contains("pq_subspaces = 16\nrerank = 5\n"));
            String trained = awaitStats(m, "graph and product codes (16 bytes a row)");
            assertTrue(trained.contains("hnsw (5000 indexed, graph and product codes (16 bytes a row) ")
                    && trained.contains("5000 read from the index file"), trained);
            double sixteen = recall(batch(m, "ann"), batch(m, "flat"), "ann/", "flat/");
            assertTrue(sixteen >= 0.9, "recall@10 on codes of 16 bytes through the mount: " + sixteen);

            // int8 codes in the product codes' place, on the same graph; .collection shows them.
            m.sh("printf 'pq_subspaces = 0\\nquantization = int8\\n' > ann/.collection").ok();
            String settings = m.sh("cat ann/.collection").ok().out();
            assertTrue(settings.contains("pq_subspaces = 0\nrerank = 5\nalpha = 1.0\nquantization = int8\n"), settings);
            // 16 dimensions, a byte each, padded to 32.
            awaitStats(m, "hnsw (5000 indexed, graph and int8 codes (32 bytes a row) ");
            double int8 = recall(batch(m, "ann"), batch(m, "flat"), "ann/", "flat/");
            assertTrue(int8 >= 0.95, "recall@10 on int8 codes through the mount: " + int8);
        }
    }

    /** .vexfs/stats once it shows {@code text} and every hnsw collection is ready in .vexfs/index (at most 120 s). */
    private static String awaitStats(MountFixture m, String text) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String stats = "";
        while (System.nanoTime() < deadline) {
            stats = Files.readString(m.path(".vexfs/stats"));
            boolean ready = Files.readAllLines(m.path(".vexfs/index")).stream().skip(1).allMatch(l -> l.split("\t")[1].equals("ready"));
            if (stats.contains(text) && ready) {
                return stats;
            }
            sleep(50);
        }
        throw new AssertionError("no " + text + " in .vexfs/stats:\n" + stats);
    }

    @Test
    void badCollectionValuesAreRefusedWithTheirReasonAndChangeNothing() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Files.createDirectories(m.path("docs"));
            m.sh("printf 'index = hnsw\\n' > docs/.collection").ok();
            String before = m.sh("cat docs/.collection").ok().out();
            Map<String, String> refusals = new java.util.HashMap<>(Map.of(
                    "m = 1", "m must be between 2 and 128, not 1 (links per graph node",
                    "m = 500", "more than 128 cost memory and time",
                    "ef_construction = 4", "below 8 the graph links poorly",
                    "ef_construction = 5000", "above 1000 a build crawls",
                    "ef = 0", "candidates kept per search",
                    "ef = 20000", "10000 is the most hits a query can ask for",
                    "ef = lots", "ef must be a whole number, not 'lots'",
                    "index = hnsw\\nm = 16\\nef = -1", "ef must be between 1 and 10000, not -1"));
            refusals.putAll(Map.of(
                    "pq_subspaces = 4", "dimension is not known yet: set dim too",
                    "dim = 16\\npq_subspaces = 17", "pq_subspaces 17 is more than the dimension 16",
                    "rerank = 0", "rerank must be between 1 and 1000, not 0",
                    "alpha = 0.9", "alpha must be between 1.0 and 2.0, not 0.9 (how diverse a node's links must be",
                    "alpha = 1.2f", "alpha must be a decimal number such as 1.2, not '1.2f'"));
            refusals.putAll(Map.of(
                    "quantization = int4", "quantization must be 'none' (walk the graph on full vectors) or 'int8'",
                    "dim = 16\\npq_subspaces = 8\\nquantization = int8",
                    "line 3: flush: pq_subspaces 8 and quantization = int8 are two kinds of codes to walk the graph on"));
            for (Map.Entry<String, String> r : refusals.entrySet()) {
                MountFixture.Result result = m.sh("printf '" + r.getKey() + "\\n' | tee docs/.collection >/dev/null");
                assertNotEquals(0, result.exit(), r.getKey());
                assertTrue(result.err().contains("Invalid argument"), result.err());
                String errors = m.sh("cat .vexfs/errors").ok().out();
                String last = errors.lines().filter(l -> l.contains("docs/.collection")).reduce((a, b) -> b).orElse("");
                assertTrue(last.contains("EINVAL") && last.contains(r.getValue()), r.getKey() + " -> " + last);
                assertEquals(before, m.sh("cat docs/.collection").ok().out(), "a refused write changes nothing");
            }
            Files.createDirectories(m.path("flat"));
            MountFixture.Result onFlat = m.sh("printf 'ef = 32\\n' | tee flat/.collection >/dev/null");
            assertNotEquals(0, onFlat.exit());
            String errors = m.sh("cat .vexfs/errors").ok().out();
            assertTrue(errors.lines().anyMatch(l -> l.contains("flat/.collection") && l.contains("set 'index = hnsw' too")), errors);
        }
    }

    @Test
    void searchesWhileOtherProcessesOverwriteAndDeleteSeeOnlyCommittedLiveVectors() throws Exception {
        try (MountFixture m = MountFixture.start()) {
            int files = 120;
            Files.createDirectories(m.path("docs"));
            Map<String, List<Version>> versions = new ConcurrentHashMap<>();
            Random random = new Random(13);
            for (int i = 0; i < files; i++) {
                float[] v = gaussian(random, DIM);
                versions.computeIfAbsent("docs/v" + i + ".vec", p -> new CopyOnWriteArrayList<>()).add(new Version(v));
                Files.writeString(m.path("docs/v" + i + ".vec"), vec(v));
            }
            m.sh("printf 'index = hnsw\\nm = 8\\nef_construction = 32\\n' > docs/.collection").ok();
            awaitIndexed(m, "docs", files);
            AtomicInteger writersLeft = new AtomicInteger(2);
            AtomicInteger searches = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int writer = w;
                    running.add(threads.submit(() -> {
                        Random r = new Random(200 + writer);
                        try {
                            for (int op = 0; op < 150; op++) {
                                // Each writer owns half the files, so the versions of a file form one sequence.
                                String name = "docs/v" + (2 * r.nextInt(files / 2) + writer) + ".vec";
                                List<Version> history = versions.get(name);
                                Version current = history.getLast();
                                if (current.values() != null && r.nextInt(3) == 0) {
                                    history.add(new Version(null));
                                    Files.delete(m.path(name));
                                } else {
                                    float[] v = gaussian(r, DIM);
                                    history.add(new Version(v));
                                    Files.writeString(m.path(name), vec(v));
                                }
                                current.supersededAt().set(System.nanoTime());
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
                        Path q = m.path("docs/.search/q" + searcher);
                        for (int n = 0; writersLeft.get() > 0 || n < 10; n++) {
                            float[] query = versions.get("docs/v" + ((n * 7 + searcher) % files) + ".vec").getFirst().values();
                            long start = System.nanoTime();
                            Files.writeString(q, "k=10\n" + vec(query));
                            for (String line : Files.readAllLines(q)) {
                                String[] f = line.split("\t");
                                float distance = Float.parseFloat(f[2]);
                                boolean matches = versions.get(f[3]).stream().anyMatch(v -> v.values() != null
                                        && v.supersededAt().get() > start && l2(query, v.values()) == distance);
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
            assertTrue(searches.get() >= 20, "searches: " + searches.get());
            long live = versions.values().stream().filter(h -> h.getLast().values() != null).count();
            awaitIndexed(m, "docs", (int) live);
            for (Map.Entry<String, List<Version>> e : versions.entrySet()) {
                boolean exists = Files.exists(m.path(e.getKey()));
                assertEquals(e.getValue().getLast().values() != null, exists, e.getKey());
            }
        }
    }

    /** One committed content of a file (null: deleted), and when the write that replaced it returned. */
    record Version(float[] values, AtomicLong supersededAt) {
        Version(float[] values) {
            this(values, new AtomicLong(Long.MAX_VALUE));
        }
    }

    // ---- helpers ----

    /** The first hit of each stored vector queried with itself, in file order. */
    @Test
    void theGraphIsWrittenBesideTheSegmentsAndAKillWhileWritingItLosesNothing() throws IOException {
        Random random = new Random(13);
        float[] base = gaussian(random, 3000 * DIM);
        float[] queries = gaussian(random, 100 * DIM);
        try (MountFixture m = MountFixture.prepare(null).jvmOptions("-Xmx512m", "-Dvexfs.crashAt=ann-index-before-rename")) {
            m.mount();
            Files.write(m.root.resolve("base.fvecs"), fvecs(base));
            Files.write(m.root.resolve("queries.fvecs"), fvecs(queries));
            Files.createDirectories(m.path("ann"));
            Files.createDirectories(m.path("flat"));
            m.sh("cp ../base.fvecs flat/ && printf 'index = hnsw\\n' > ann/.collection && cp ../base.fvecs ann/").ok();
            // Once the indexer is idle it writes the graph, and the crash point halts it just before the rename.
            assertEquals(99, m.awaitExit(120), "the index write reached its crash point:\n" + m.log());

            m.jvmOptions("-Xmx512m");
            m.mount();
            assertEquals(Files.size(m.root.resolve("base.fvecs")), Files.size(m.path("ann/base.fvecs")));
            m.sh("cmp ../base.fvecs ann/base.fvecs").ok();
            awaitIndexed(m, "ann", 3000);
            assertTrue(!Files.readString(m.path(".vexfs/stats")).contains("read from the index file"),
                    "no index file was renamed into place: the graph was built again");
            List<List<String>> exact = batch(m, "flat");
            List<List<String>> built = batch(m, "ann");
            assertTrue(recall(built, exact, "ann/", "flat/") >= 0.95, "recall@10 of the rebuilt graph");

            int exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            try (var files = Files.list(m.data.resolve("index"))) {
                assertEquals(1, files.filter(p -> p.toString().endsWith(".idx")).count(), "a clean stop wrote the graph");
            }
            m.mount();
            awaitIndexed(m, "ann", 3000);
            String stats = Files.readString(m.path(".vexfs/stats"));
            assertTrue(stats.contains("3000 read from the index file"), stats);
            assertEquals(built, batch(m, "ann"), "the same graph after the remount: the same answers");

            // A file stored after the remount goes into a second graph beside the mapped one; the
            // index is then written as two graphs, and a kill just before that file is renamed
            // leaves the one-graph file: the next mount inserts the new file again.
            exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            Files.write(m.root.resolve("extra.fvecs"), fvecs(gaussian(random, 500 * DIM)));
            m.jvmOptions("-Xmx512m", "-Dvexfs.crashAt=ann-index-before-rename");
            m.mount();
            m.sh("cp ../extra.fvecs flat/ && cp ../extra.fvecs ann/").ok();
            assertEquals(99, m.awaitExit(120), "the two-graph write reached its crash point:\n" + m.log());
            m.jvmOptions("-Xmx512m");
            m.mount();
            awaitIndexed(m, "ann", 3500);
            stats = Files.readString(m.path(".vexfs/stats"));
            assertTrue(stats.contains("3000 read from the index file"), "the one-graph file was read; extra inserted again: " + stats);
            List<List<String>> twoGraphs = batch(m, "ann");
            assertTrue(recall(twoGraphs, batch(m, "flat"), "ann/", "flat/") >= 0.95, "recall@10 of the mapped graph and the heap's");
            exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            m.mount();
            awaitIndexed(m, "ann", 3500);
            stats = Files.readString(m.path(".vexfs/stats"));
            assertTrue(stats.contains("3500 read from the index file"), "both graphs were written and read back: " + stats);
            assertEquals(twoGraphs, batch(m, "ann"), "the same two graphs after the remount: the same answers");
        }
    }

    private static List<String> topHits(MountFixture m, String options) throws IOException {
        String out = m.sh("{ printf '" + options.replace("\n", "\\n") + "'; cat ../queries.txt; } > docs/.search/q"
                + " && cut -f4 docs/.search/q").ok().out();
        return out.lines().toList();
    }

    /** Polls .vexfs/stats until the collection's graph holds {@code rows} rows. */
    static void awaitIndexed(MountFixture m, String collection, int rows) throws IOException {
        // "N indexed", not "N indexed of T": rows being inserted count while the last file is not held yet.
        Pattern indexed = Pattern.compile("(?m)^  " + Pattern.quote(collection) + " .*hnsw \\((\\d+) indexed(?! of)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String stats = "";
        while (System.nanoTime() < deadline) {
            stats = Files.readString(m.path(".vexfs/stats"));
            Matcher matcher = indexed.matcher(stats);
            if (matcher.find() && Integer.parseInt(matcher.group(1)) == rows) {
                return;
            }
            sleep(50);
        }
        throw new AssertionError(collection + " did not reach " + rows + " indexed rows:\n" + stats);
    }

    /** A Prometheus counter of .vexfs/metrics. */
    private static long counter(MountFixture m, String name) throws IOException {
        for (String line : Files.readAllLines(m.path(".vexfs/metrics"))) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in .vexfs/metrics");
    }

    /** The ../queries.fvecs batch through {@code collection}/.search/ with cp and cut: per query, the paths in rank order. */
    private static List<List<String>> batch(MountFixture m, String collection) throws IOException {
        String out = m.sh("cp ../queries.fvecs " + collection + "/.search/b.fvecs && cut -f1,4 " + collection + "/.search/b.fvecs")
                .ok().out();
        return byQuery(out, 100);
    }

    /** The first {@code count} queries as text lines after {@code options}, written with Java I/O. */
    private static List<List<String>> textBatch(MountFixture m, String collection, String options, float[] queries, int count)
            throws IOException {
        Path q = m.path(collection + "/.search/t");
        Files.writeString(q, options.replace("\\n", "\n") + vec(java.util.Arrays.copyOf(queries, count * DIM)));
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(q)) {
            String[] f = line.split("\t");
            out.append(f[0]).append('\t').append(f[3]).append('\n');
        }
        return byQuery(out.toString(), count);
    }

    private static List<List<String>> byQuery(String queryAndPath, int count) {
        List<List<String>> hits = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            hits.add(new ArrayList<>());
        }
        for (String line : queryAndPath.lines().toList()) {
            String[] f = line.split("\t");
            hits.get(Integer.parseInt(f[0])).add(f[1]);
        }
        return hits;
    }

    /** The fraction of the exact hits the approximate ones found, paths compared without their collection. */
    private static double recall(List<List<String>> approximate, List<List<String>> exact, String approximateRoot, String exactRoot) {
        int found = 0;
        int wanted = 0;
        for (int q = 0; q < exact.size(); q++) {
            Set<String> truth = new HashSet<>();
            for (String p : exact.get(q)) {
                truth.add(p.substring(exactRoot.length()));
            }
            for (String p : approximate.get(q)) {
                found += truth.contains(p.substring(approximateRoot.length())) ? 1 : 0;
            }
            wanted += truth.size();
        }
        return (double) found / wanted;
    }

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

    private static byte[] fvecs(float[] values) {
        int rows = values.length / DIM;
        ByteBuffer b = ByteBuffer.allocate(rows * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            b.putInt(DIM);
            for (int i = 0; i < DIM; i++) {
                b.putFloat(values[r * DIM + i]);
            }
        }
        return b.array();
    }

    /** The Euclidean distance as the mount reports it: the square root of the float sum, in the kernels' order. */
    private static float l2(float[] a, float[] b) {
        return io.vexfs.core.search.Metric.L2.distance(a, 0, b, 0, a.length);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
