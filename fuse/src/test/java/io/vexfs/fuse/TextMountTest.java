package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text collections through a real mount with shell tools (issue 10): embed = minilm, cp -r of
 * text files, text queries in every mode, .similar, rm and mv then query again, a remount that
 * embeds nothing again, kill -9 then remount, and each bad input of the issue.
 */
class TextMountTest {
    static final Map<String, String> DOCS = new TreeMap<>(Map.of(
            "logs.md", "# Log rotation\n\nlogrotate rotates, compresses and removes old log files every week,"
                    + " so /var/log never fills the disk.\n\nSet 'weekly' and 'rotate 4' in /etc/logrotate.conf.",
            "network.txt", "Network setup\n\nGive the interface a static IP address, a gateway and two DNS servers."
                    + " Restart the networking service afterwards.",
            "guide/backup.md", "Backups\n\nCopy the home directories to the external disk every night with rsync,"
                    + " and keep the last seven copies.",
            "guide/pasta.txt", "Dinner\n\nBoil the spaghetti in salted water for nine minutes; toss with olive oil,"
                    + " garlic and chili."));
    private static MountFixture m;
    private static Path source;

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start();
        source = Files.createTempDirectory(Path.of("/tmp"), "vexfs-test-text-src");
        for (Map.Entry<String, String> e : DOCS.entrySet()) {
            Files.createDirectories(source.resolve(e.getKey()).getParent());
            Files.writeString(source.resolve(e.getKey()), e.getValue());
        }
        // A file that is not text, beside them: stored, not embedded.
        Files.write(source.resolve("logo.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13});
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
        MountFixture.run("rm", "-rf", source.toString());
    }

    /** Writes a query with the shell and reads its answer; the query must be accepted. */
    private static String query(String collection, String text) throws IOException {
        MountFixture.Result r = m.sh("printf '%s' '" + text.replace("'", "'\\''") + "' > " + collection + "/.search/q && cat "
                + collection + "/.search/q").ok();
        return r.out();
    }

    private static List<String> paths(String answer) {
        List<String> out = new ArrayList<>();
        for (String line : answer.split("\n")) {
            if (!line.isEmpty()) {
                out.add(line.split("\t")[3]);
            }
        }
        return out;
    }

    /** .vexfs/text of one collection: column name to value. */
    private static Map<String, String> status(String collection) throws IOException {
        return status(m, collection);
    }

    private static Map<String, String> status(MountFixture fixture, String collection) throws IOException {
        List<String> lines = Files.readAllLines(fixture.path(".vexfs/text"));
        String[] header = lines.getFirst().split("\t");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            if (f[0].equals(collection)) {
                Map<String, String> s = new TreeMap<>();
                for (int i = 0; i < header.length; i++) {
                    s.put(header[i], f[i]);
                }
                return s;
            }
        }
        throw new AssertionError("no line for " + collection + " in .vexfs/text:\n" + lines);
    }

    private static void awaitEmbedded(String collection) throws IOException, InterruptedException {
        awaitEmbedded(m, collection);
    }

    /** Chunks embedded since the mount started, from its metrics. */
    private static long chunksEmbeddedSinceMount() throws IOException {
        return metric(m, "vexfs_text_chunks_embedded_total");
    }

    @Test
    void theUserStory() throws Exception {
        m.sh("mkdir notes && echo 'embed = minilm' > notes/.collection").ok();
        assertTrue(Files.readString(m.path("notes/.collection")).contains("dim = 384"));
        m.sh("cp -r " + source + "/. notes/").ok();
        // Found by words as soon as cp returns: no waiting for the embedder.
        assertEquals(List.of("notes/logs.md"), paths(query("notes", "mode=words\nlogrotate\n")));
        awaitEmbedded("notes");
        Map<String, String> s = status("notes");
        assertEquals("4", s.get("text_files"));
        assertEquals("1", s.get("skipped_files"), "logo.png is stored and skipped");
        assertArrayEquals(Files.readAllBytes(source.resolve("logo.png")), Files.readAllBytes(m.path("notes/logo.png")));
        String stats = Files.readString(m.path(".vexfs/stats"));
        assertTrue(stats.contains("4 of 4 text files embedded") && stats.contains("1 binary"), stats);

        // By meaning: none of these words is in the file that answers.
        assertEquals("notes/guide/pasta.txt", paths(query("notes", "mode=vector\nk=1\nhow long do I cook noodles\n")).getFirst());
        String hybrid = query("notes", "how do I rotate the logs\n");
        assertEquals("notes/logs.md", paths(hybrid).getFirst());
        assertEquals(4, paths(hybrid).size(), "one hit per text file, the binary one never");
        String[] best = hybrid.split("\n")[0].split("\t");
        assertEquals("0", best[0]);
        assertEquals("1", best[1]);
        assertTrue(Float.parseFloat(best[2]) > 0, hybrid);
        // A batch, k and prefix.
        String batch = query("notes", "k=1\nprefix=guide\nnightly copies of home directories\nspaghetti\n");
        assertEquals(List.of("notes/guide/backup.md", "notes/guide/pasta.txt"), paths(batch));
        assertTrue(batch.startsWith("0\t1\t") && batch.contains("\n1\t1\t"), batch);
        // Files close in meaning, itself left out.
        List<String> similar = paths(m.sh("cat notes/.similar/guide/backup.md").ok().out());
        assertEquals(3, similar.size());
        assertFalse(similar.contains("notes/guide/backup.md"));

        // rm and mv, then the same queries.
        m.sh("rm notes/logs.md && mv notes/guide/pasta.txt notes/dinner.txt").ok();
        for (String mode : List.of("words", "vector", "hybrid")) {
            List<String> hits = paths(query("notes", "mode=" + mode + "\nrotate logs spaghetti\n"));
            assertFalse(hits.contains("notes/logs.md"), mode + ": " + hits);
            assertFalse(hits.contains("notes/guide/pasta.txt"), mode + ": " + hits);
            assertTrue(hits.contains("notes/dinner.txt"), mode + ": " + hits);
        }
        assertEquals(List.of(), paths(query("notes", "mode=words\nlogrotate\n")));

        // Remount: everything is found again, and nothing is embedded again.
        int exit = m.stop();
        // 143 = 128 + SIGTERM: the JVM's status after a SIGTERM-initiated shutdown.
        assertTrue(exit == 0 || exit == 143, "exit " + exit);
        assertTrue(m.log().contains("vexfs: unmounted"), m.log());
        m.mount();
        assertEquals("3", status("notes").get("embedded_files"));
        assertEquals("notes/dinner.txt", paths(query("notes", "mode=vector\nk=1\ncooking noodles\n")).getFirst());
        assertEquals(List.of("notes/network.txt"), paths(query("notes", "mode=words\ngateway\n")));
        assertEquals(0, chunksEmbeddedSinceMount(), "a remount embeds nothing that was embedded before");

        // kill -9 right after a copy: the word index had no time to reach the disk; the store did.
        Files.writeString(source.resolve("late.md"), "Printers: add the office printer with lpadmin and share it with CUPS.");
        m.sh("cp " + source.resolve("late.md") + " notes/late.md").ok();
        m.kill9();
        m.mount();
        assertEquals(List.of("notes/late.md"), paths(query("notes", "mode=words\nlpadmin\n")));
        awaitEmbedded("notes");
        assertTrue(chunksEmbeddedSinceMount() <= 1, "only late.md, if the kill came before its embedding");
        assertEquals("notes/late.md", paths(query("notes", "mode=vector\nk=1\nset up printing\n")).getFirst());
        assertFalse(paths(query("notes", "mode=hybrid\nrotate logs\n")).contains("notes/logs.md"));

        // kill -9 once everything is embedded: the embeddings were stored when their record was logged, none is made again.
        String before = query("notes", "mode=vector\nset up printing\n");
        m.kill9();
        m.mount();
        assertEquals("4", status("notes").get("embedded_files"));
        assertEquals(before, query("notes", "mode=vector\nset up printing\n"));
        assertEquals(0, chunksEmbeddedSinceMount(), "a kill -9 after embedding loses no embedding");
    }

    /** The scores of a vector-mode answer by path. */
    private static Map<String, String> scores(String answer) {
        Map<String, String> out = new TreeMap<>();
        for (String line : answer.split("\n")) {
            if (!line.isEmpty()) {
                String[] f = line.split("\t");
                out.put(f[3], f[2]);
            }
        }
        return out;
    }

    @Test
    void anOverwrittenFileNeverAnswersWithItsOldText() throws Exception {
        m.sh("mkdir -p over && echo 'embed = minilm' > over/.collection").ok();
        Files.writeString(m.path("over/a.txt"), DOCS.get("guide/pasta.txt"));
        Files.writeString(m.path("over/logs.txt"), DOCS.get("logs.md"));
        awaitEmbedded("over");
        assertEquals("over/a.txt", paths(query("over", "mode=vector\nk=1\ncooking noodles\n")).getFirst());
        // Overwritten in place through the shell (O_TRUNC), and a twin with the same new text.
        m.sh("printf '%s' '" + DOCS.get("network.txt") + "' > over/a.txt && cp over/a.txt over/twin.txt").ok();
        assertEquals(List.of(), paths(query("over", "mode=words\nspaghetti\n")), "the old words go with the commit");
        assertEquals(List.of("over/a.txt", "over/twin.txt"), paths(query("over", "mode=words\ngateway\n")));
        awaitEmbedded("over");
        for (String q : List.of("cooking noodles", "static IP address and DNS", "rotate the logs")) {
            Map<String, String> s = scores(query("over", "mode=vector\n" + q + "\n"));
            assertEquals(s.get("over/twin.txt"), s.get("over/a.txt"), q + ": a.txt is searched by its new text only: " + s);
        }
        assertEquals("over/logs.txt", paths(query("over", "mode=hybrid\nk=1\nboil spaghetti rotate logs\n")).getFirst());
    }

    /**
     * Compaction rewrites the segments that hold chunk embeddings while searches keep reading
     * them: every answer stays the same, the old segment files go, and a remount reads the moved
     * embeddings back without embedding anything.
     */
    @Test
    void compactionMovesEmbeddingsUnderRunningSearches() throws Exception {
        try (MountFixture c = MountFixture.start("""
                [storage]
                compaction_min_dead = "1MiB"
                compaction_dead_ratio = 0.3
                """)) {
            c.sh("mkdir notes junk && echo 'embed = minilm' > notes/.collection && mkdir notes/guide").ok();
            for (Map.Entry<String, String> e : DOCS.entrySet()) {
                Files.writeString(c.path("notes/" + e.getKey()), e.getValue());
            }
            long deadline = System.nanoTime() + 90_000_000_000L;
            String q = "mode=vector\nhow do I rotate the logs\ncooking noodles\nnightly backups\n";
            Files.writeString(c.path("notes/.search/q"), q);
            String expected = Files.readString(c.path("notes/.search/q"));
            while (expected.split("\n").length < 12 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                Files.writeString(c.path("notes/.search/q"), q);
                expected = Files.readString(c.path("notes/.search/q"));
            }
            assertEquals(12, expected.split("\n").length, "3 queries x 4 embedded files: " + expected);
            List<Path> before;
            try (var files = Files.list(c.data.resolve("segments"))) {
                before = files.toList();
            }
            java.util.concurrent.atomic.AtomicInteger searches = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            String want = expected;
            Thread searcher = Thread.ofPlatform().start(() -> {
                while (!stop.get() && wrong.get() == null) {
                    try {
                        Files.writeString(c.path("notes/.search/bg"), q);
                        String got = Files.readString(c.path("notes/.search/bg"));
                        if (!got.equals(want)) {
                            wrong.set(got);
                        }
                        searches.incrementAndGet();
                    } catch (IOException e) {
                        wrong.set(e.toString());
                    }
                }
            });
            byte[] filler = new byte[256 * 1024];
            int round = 0;
            while (before.stream().anyMatch(Files::exists) && System.nanoTime() < deadline && wrong.get() == null) {
                for (int i = 0; i < 16; i++) {
                    Files.write(c.path("junk/f" + round + "-" + i), filler);
                }
                for (int i = 0; i < 16; i++) {
                    Files.delete(c.path("junk/f" + round + "-" + i));
                }
                round++;
                Thread.sleep(200);
            }
            stop.set(true);
            searcher.join();
            assertEquals(null, wrong.get(), "an answer changed while compaction moved the embeddings");
            assertTrue(searches.get() > 0);
            assertFalse(before.stream().anyMatch(Files::exists), "every segment of before was compacted away: " + before);
            assertTrue(compacted(c) > 0, "compaction moved live bytes");
            c.stop();
            c.mount();
            Files.writeString(c.path("notes/.search/q"), q);
            assertEquals(expected, Files.readString(c.path("notes/.search/q")));
            assertEquals("4", status(c, "notes").get("embedded_files"));
            assertEquals(0, metric(c, "vexfs_text_chunks_embedded_total"), "the moved embeddings are read back, not made again");
        }
    }

    /**
     * A flipped byte under a text file's chunk embeddings (DESIGN §4): a search that reads them
     * fails with EIO and .vexfs/errors names the segment file; the file's bytes, its words and
     * another text collection still answer.
     */
    @Test
    void aCorruptedChunkBlockFailsTheSearchThatReadsItAndNothingElse() throws Exception {
        try (MountFixture c = MountFixture.start()) {
            c.sh("mkdir kmod other && echo 'embed = minilm' > kmod/.collection && echo 'embed = minilm' > other/.collection").ok();
            // Over 1 MiB: the text goes to a segment of its own, its 256 chunks' floats (384 KiB,
            // six 64 KiB blocks) to the shared active segment, before the small file of "other".
            String big = "Kernel modules are loaded with modprobe, listed with lsmod and removed with rmmod.\n\n"
                    .repeat(13_000);
            Files.writeString(c.path("kmod/modules.txt"), big);
            awaitEmbedded(c, "kmod");
            Files.writeString(c.path("other/pasta.txt"), DOCS.get("guide/pasta.txt"));
            awaitEmbedded(c, "other");
            String other = "mode=vector\nk=1\ncooking noodles\n";
            Files.writeString(c.path("other/.search/q"), other);
            String otherAnswer = Files.readString(c.path("other/.search/q"));
            assertTrue(otherAnswer.endsWith("\tother/pasta.txt\n"), otherAnswer);
            c.stop();

            // The active segment, sealed at the stop: the one that holds the small file's bytes.
            Path active = null;
            try (var files = Files.list(c.data.resolve("segments"))) {
                for (Path p : files.toList()) {
                    if (new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1).contains("spaghetti")) {
                        active = p;
                    }
                }
            }
            assertTrue(active != null, "no segment holds other/pasta.txt");
            long at = 4096 + 3 * 65536 + 100;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(active,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                ch.read(one, at);
                one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
                ch.write(one, at);
            }
            c.mount();

            // The name answered by words first: the failed search must not leave that answer readable.
            String words = c.sh("printf 'mode=words\\nlsmod\\n' > kmod/.search/q && cat kmod/.search/q").ok().out();
            assertEquals(List.of("kmod/modules.txt"), paths(words));
            MountFixture.Result search = c.sh("printf 'how are kernel modules loaded\\n' > kmod/.search/q; cat kmod/.search/q");
            assertNotEquals(0, search.exit(), search.out());
            assertEquals("", search.out());
            assertTrue(search.err().contains("Input/output error"), search.err());
            assertThrows(IOException.class, () -> Files.writeString(c.path("kmod/.search/j"), "how are kernel modules loaded\n"),
                    "close() of the query reports the failed search");
            String errors = Files.readString(c.path(".vexfs/errors"));
            String line = errors.lines().filter(l -> l.contains("kmod/.search/q")).reduce((a, b) -> b).orElse("");
            assertTrue(line.contains("EIO") && line.contains(active.getFileName().toString())
                    && line.contains("offset " + (4096 + 3 * 65536)), errors);
            // The rest still serves: the file's bytes, its words, the other collection's embeddings.
            assertEquals(big, Files.readString(c.path("kmod/modules.txt")));
            assertEquals(words, c.sh("printf 'mode=words\\nlsmod\\n' > kmod/.search/q && cat kmod/.search/q").ok().out());
            Files.writeString(c.path("other/.search/q"), other);
            assertEquals(otherAnswer, Files.readString(c.path("other/.search/q")));
            String hybrid = c.sh("printf 'k=1\\ncooking noodles\\n' > other/.search/h && cat other/.search/h").ok().out();
            assertEquals(List.of("other/pasta.txt"), paths(hybrid));
        }
    }

    private static void awaitEmbedded(MountFixture c, String collection) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            Map<String, String> s = status(c, collection);
            if (!s.get("text_files").equals("0") && s.get("embedded_files").equals(s.get("text_files"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not embedded in 90 s: " + status(c, collection));
    }

    private static long compacted(MountFixture c) throws IOException {
        return metric(c, "vexfs_segments_compacted_bytes_total");
    }

    private static long metric(MountFixture c, String name) throws IOException {
        for (String line : Files.readAllLines(c.path(".vexfs/metrics"))) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.split(" ")[1]);
            }
        }
        throw new AssertionError("no " + name + " in .vexfs/metrics");
    }

    /** A refused write through tee (which, unlike bash's redirection, reports close()), with the reason in .vexfs/errors. */
    private static void refused(String text, String file, String reason) throws IOException {
        MountFixture.Result r = m.sh("printf '" + text + "' | tee " + file + " > /dev/null");
        assertNotEquals(0, r.exit(), file + " accepted " + text);
        assertTrue(r.err().contains("Invalid argument"), r.err());
        String errors = Files.readString(m.path(".vexfs/errors"));
        String line = errors.lines().filter(l -> l.contains(file)).reduce((a, b) -> b).orElse("");
        assertTrue(line.contains("EINVAL") && line.contains(reason), "expected '" + reason + "' in: " + line);
    }

    @Test
    void textQueriesNeedAnEmbeddingModel() throws IOException {
        m.sh("mkdir -p vectors && echo '1 2 3' > vectors/a.vec").ok();
        refused("how do I rotate the logs\\n", "vectors/.search/q", "embed = minilm");
        refused("mode=words\\n1 2 3\\n", "vectors/.search/m", "no embedding model");
        assertEquals("0\t1\t0\tvectors/a.vec\n", m.sh("printf '1 2 3\\n' > vectors/.search/v && cat vectors/.search/v").ok().out());
    }

    @Test
    void queriesOfOnlyStopWordsAndBadModes() throws IOException {
        m.sh("mkdir -p stop && echo 'embed = minilm' > stop/.collection && echo 'log rotation' > stop/a.md").ok();
        refused("the of and\\n", "stop/.search/q", "only stop words");
        refused("mode=fuzzy\\nlogs\\n", "stop/.search/q", "mode must be hybrid");
        assertEquals(List.of("stop/a.md"), paths(query("stop", "mode=words\nrotation\n")));
    }

    @Test
    void embedOnlyWhileEmptyAndBadSettings() throws IOException {
        m.sh("mkdir -p full && echo hello > full/a.txt").ok();
        refused("embed = minilm\\n", "full/.collection", "while the collection holds files");
        assertFalse(Files.readString(m.path("full/.collection")).contains("embed"));
        m.sh("mkdir -p empty").ok();
        refused("embed = word2vec\\n", "empty/.collection", "embed must be 'minilm'");
        refused("embed = onnx\\nembed_model = model.onnx\\n", "empty/.collection", "absolute path");
        refused("embed = onnx\\nembed_model = /tmp/model.onnx\\n", "empty/.collection", "embed_tokenizer");
        refused("embed = minilm\\nembed_pooling = max\\n", "empty/.collection", "embed_pooling must be");
        refused("embed = minilm\\nembed_model = /tmp/m.onnx\\n", "empty/.collection", "set 'embed = onnx'");
        refused("embed = minilm\\nmetric = l2\\n", "empty/.collection", "cosine");
        refused("embed = minilm\\ndim = 128\\n", "empty/.collection", "dim must be 384");
        Path notOnnx = Files.writeString(m.root.resolve("not-a-model.onnx"), "this is not an ONNX model");
        Path notTokenizer = Files.writeString(m.root.resolve("not-a-tokenizer.json"), "{\"colour\": \"blue\"}");
        Path[] minilm = bundledMinilm();
        refused("embed = onnx\\nembed_model = " + notOnnx + "\\nembed_tokenizer = " + minilm[1] + "\\n", "empty/.collection",
                "does not load as an ONNX text model");
        refused("embed = onnx\\nembed_model = " + minilm[0] + "\\nembed_tokenizer = " + notTokenizer + "\\n", "empty/.collection",
                "is not a Hugging Face tokenizer.json");
        refused("embed = onnx\\nembed_model = /nonexistent/m.onnx\\nembed_tokenizer = " + minilm[1] + "\\n", "empty/.collection",
                "not a readable file");
        assertFalse(Files.readString(m.path("empty/.collection")).contains("embed"), "nothing of the refused settings stays");
    }

    /** The model and tokenizer langchain4j bundles, copied out as files, as a user's own ONNX model would be. */
    private static Path[] bundledMinilm() throws IOException {
        ClassLoader loader = TextMountTest.class.getClassLoader();
        Path model = m.root.resolve("model.onnx");
        Path tokenizer = m.root.resolve("tokenizer.json");
        if (!Files.exists(model)) {
            try (var in = loader.getResourceAsStream("all-minilm-l6-v2-q.onnx")) {
                Files.copy(in, model);
            }
            try (var in = loader.getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
                Files.copy(in, tokenizer);
            }
        }
        return new Path[]{model, tokenizer};
    }

    @Test
    void anOnnxModelNamedInCollection() throws Exception {
        Path[] files = bundledMinilm();
        m.sh("mkdir -p own && printf 'embed = onnx\\nembed_model = " + files[0] + "\\nembed_tokenizer = " + files[1]
                + "\\nembed_pooling = mean\\n' | tee own/.collection > /dev/null").ok();
        String settings = Files.readString(m.path("own/.collection"));
        assertTrue(settings.contains("embed = onnx") && settings.contains("embed_model = " + files[0])
                && settings.contains("dim = 384"), settings);
        m.sh("echo 'Boil the spaghetti for nine minutes.' > own/pasta.txt && echo 'Rotate the logs weekly.' > own/logs.txt").ok();
        awaitEmbedded("own");
        assertEquals("own/pasta.txt", paths(query("own", "mode=vector\nk=1\ncooking noodles\n")).getFirst());
    }

    @Test
    void invalidUtf8AndEmptyFilesAreStoredAndSkipped() throws Exception {
        m.sh("mkdir -p odd && echo 'embed = minilm' > odd/.collection").ok();
        byte[] latin1 = "café au lait".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(m.path("odd/latin1.txt"), latin1);
        m.sh("touch odd/empty.txt && echo 'a fine text file about coffee' > odd/ok.txt").ok();
        awaitEmbedded("odd");
        assertArrayEquals(latin1, Files.readAllBytes(m.path("odd/latin1.txt")));
        assertEquals(0, Files.size(m.path("odd/empty.txt")));
        Map<String, String> s = status("odd");
        assertEquals("1", s.get("text_files"));
        assertEquals("2", s.get("skipped_files"));
        String stats = Files.readString(m.path(".vexfs/stats"));
        assertTrue(stats.contains("1 not-utf8") && stats.contains("1 empty"), stats);
        assertEquals(List.of("odd/ok.txt"), paths(query("odd", "mode=words\ncoffee lait\n")));
    }

    @Test
    void aTwoHundredMegabyteTextFileIsFoundByWordsAndDoesNotStallTheMount() throws Exception {
        m.sh("mkdir -p big && echo 'embed = minilm' > big/.collection").ok();
        // 200 MiB of text: a line repeated, with one rare word near the end.
        MountFixture.Result r = m.sh("(yes 'the quick brown fox jumps over the lazy dog again and again' | head -c 209715000;"
                + " echo ' zyzzyva') > big/huge.txt");
        r.ok();
        assertEquals(209715000L + 9, Files.size(m.path("big/huge.txt")));
        // The mount answers other work while the big file is embedded in the background.
        m.sh("echo 'a small note about foxes' > big/small.txt").ok();
        assertEquals(List.of("big/huge.txt"), paths(query("big", "mode=words\nzyzzyva\n")));
        awaitEmbedded("big");
        Map<String, String> s = status("big");
        assertEquals("2", s.get("embedded_files"));
        assertTrue(Long.parseLong(s.get("chunks_done")) <= 257, "at most 256 chunks of one file are embedded: " + s);
        m.sh("rm big/huge.txt").ok();
    }
}
