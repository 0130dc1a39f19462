package io.vexfs.core.text;

import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.StoreOptions;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.query.QueryEngine;
import io.vexfs.core.query.QueryNamespace;
import io.vexfs.core.search.Hit;
import io.vexfs.pool.BufferPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A text collection through the store's own calls, without FUSE: words found as soon as a commit
 * returns, meaning once embedded, both exact under overwrite, rename and delete, and a reopen that
 * re-embeds nothing and repairs a word index that missed changes.
 */
class TextIndexTest {
    static final String ROTATE = "Log rotation: logrotate compresses and removes old log files every week, "
            + "so the disk does not fill up with logs.";
    static final String NETWORK = "Configure the network interface with a static IP address, a gateway and DNS servers.";
    static final String PASTA = "Boil the pasta in salted water for nine minutes, then toss it with olive oil and garlic.";

    /** The model, loaded once for the class. */
    private static Embedders models;

    @TempDir
    Path dir;
    private BufferPool pool;
    private VexStore store;
    private QueryEngine engine;
    private TextIndex text;

    @BeforeAll
    static void loadModel() {
        Embedder minilm = OnnxEmbedder.minilm(2);
        models = new Embedders(spec -> minilm);
    }

    @AfterAll
    static void closeModel() {
        models.close();
    }

    @BeforeEach
    void open() throws IOException, FsException {
        pool = BufferPool.builder().capacity(16 << 20).build();
        reopen();
        store.mkdir("/notes", 0755, 0, 0);
        write("/notes/.collection", "embed = minilm\n");
    }

    private void reopen() throws IOException {
        store = VexStore.open(StoreOptions.defaults(dir, pool));
        engine = new QueryEngine(store.metrics(), 2, 0, false, true);
        text = new TextIndex(store, dir, models, engine::searchEntries);
        store.virtualFiles().enableQueries(new QueryNamespace(store, engine, text, Duration.ofMinutes(10), System::nanoTime));
    }

    private void closeAll() throws IOException {
        text.close();
        engine.close();
        store.close();
    }

    @AfterEach
    void close() throws IOException {
        closeAll();
        pool.close();
    }

    private void write(String path, String content) throws FsException {
        write(path, content.getBytes(StandardCharsets.UTF_8));
    }

    private void write(String path, byte[] bytes) throws FsException {
        Handle h = path.contains("/.") ? store.open(path, true, true) : store.create(path, 0644, 0, 0);
        try {
            h.truncate(0);
            h.write(0, MemorySegment.ofArray(bytes));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    private String read(String path) throws FsException {
        Handle h = store.open(path, false, false);
        try {
            byte[] buf = new byte[1 << 20];
            int n = h.read(0, MemorySegment.ofArray(buf));
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        } finally {
            h.release(path);
        }
    }

    /** Writes a query file and reads its answer. */
    private String query(String query) throws FsException {
        write("/notes/.search/q", query);
        return read("/notes/.search/q");
    }

    /** The paths a text query names, best first. */
    private List<String> paths(String answer) {
        List<String> out = new ArrayList<>();
        for (String line : answer.split("\n")) {
            if (!line.isEmpty()) {
                out.add(line.split("\t")[3]);
            }
        }
        return out;
    }

    /** The score of {@code path} in an answer, NaN when it is not named. */
    private static float score(String answer, String path) {
        for (String line : answer.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 4 && f[3].equals(path)) {
                return Float.parseFloat(f[2]);
            }
        }
        return Float.NaN;
    }

    private void awaitEmbedded() throws InterruptedException {
        assertTrue(text.awaitEmbedded(Duration.ofSeconds(60)), "embedding did not finish in 60 s");
    }

    @Test
    void wordsAtOnceMeaningOnceEmbedded() throws Exception {
        write("/notes/rotate.md", ROTATE);
        write("/notes/network.md", NETWORK);
        write("/notes/pasta.txt", PASTA);
        // Words: right after the commits, whatever the embedder has done.
        assertEquals(List.of("notes/rotate.md"), paths(query("mode=words\nlogrotate\n")));
        awaitEmbedded();
        // Meaning: no word of the query is in the file.
        assertEquals("notes/pasta.txt", paths(query("mode=vector\nk=1\nhow do I cook spaghetti\n")).getFirst());
        List<String> hybrid = paths(query("how often are old logs compressed\n"));
        assertEquals("notes/rotate.md", hybrid.getFirst());
        assertEquals(3, hybrid.size(), "one hit per file");
        String[] first = query("mode=vector\nrotate the logs\n").split("\n")[0].split("\t");
        float score = Float.parseFloat(first[2]);
        assertTrue(score > 0.3f && score <= 1.0001f, "a cosine similarity: " + score);
    }

    @Test
    void overwriteRenameDeleteKeepBothIndexesExact() throws Exception {
        write("/notes/a.md", ROTATE);
        write("/notes/b.md", NETWORK);
        awaitEmbedded();
        String logs = "mode=vector\nlogrotate compresses and removes old log files\n";
        assertTrue(score(query(logs), "notes/a.md") > 0.6f, query(logs));
        // Overwrite: the old text is found by neither words nor meaning, from the moment the commit returns.
        write("/notes/a.md", PASTA);
        assertEquals(List.of(), paths(query("mode=words\nlogrotate\n")));
        float after = score(query(logs), "notes/a.md");
        assertTrue(Float.isNaN(after) || after < 0.4f, "a.md answers with its old text: " + after);
        awaitEmbedded();
        assertEquals("notes/a.md", paths(query("mode=vector\nk=1\ncooking noodles\n")).getFirst());
        // Rename: the new name at once, in every mode, and never the old one.
        store.rename("/notes/a.md", "/notes/recipes.md");
        for (String mode : List.of("words", "vector", "hybrid")) {
            List<String> hits = paths(query("mode=" + mode + "\npasta garlic\n"));
            assertTrue(hits.contains("notes/recipes.md"), mode + ": " + hits);
            assertFalse(hits.contains("notes/a.md"), mode + ": " + hits);
        }
        // Delete: gone from both.
        store.unlink("/notes/recipes.md");
        for (String mode : List.of("words", "vector", "hybrid")) {
            assertFalse(paths(query("mode=" + mode + "\npasta garlic\n")).contains("notes/recipes.md"), mode);
        }
        assertEquals(List.of("notes/b.md"), paths(query("network gateway\n")));
    }

    @Test
    void reopenEmbedsNothingAgainAndRepairsWords() throws Exception {
        write("/notes/a.md", ROTATE);
        write("/notes/b.md", NETWORK);
        awaitEmbedded();
        assertEquals(2, text.stats().chunksEmbedded());
        closeAll();
        reopen();
        awaitEmbedded();
        assertEquals(0, text.stats().chunksEmbedded(), "nothing is embedded again after a reopen");
        assertEquals(List.of("notes/a.md"), paths(query("mode=words\nlogrotate\n")));
        assertEquals("notes/b.md", paths(query("mode=vector\nk=1\nIP address of the gateway\n")).getFirst());
        // The word index loses its directory (as if it never reached the disk): rebuilt from the store.
        closeAll();
        WordIndex.deleteTree(dir.resolve("text").resolve("notes"));
        reopen();
        assertEquals(List.of("notes/a.md"), paths(query("mode=words\nlogrotate\n")));
        awaitEmbedded();
        assertEquals(0, text.stats().chunksEmbedded(), "the embeddings live in the store, not the word index");
    }

    @Test
    void binaryAndBadTextAreStoredAndSkippedWithTheReason() throws Exception {
        write("/notes/image.bin", new byte[]{(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
        write("/notes/latin1.txt", new byte[]{'c', 'a', 'f', (byte) 0xe9});
        write("/notes/empty.txt", new byte[0]);
        write("/notes/ok.md", ROTATE);
        awaitEmbedded();
        String stats = text.statsText();
        assertTrue(stats.contains("1 of 1 text files embedded"), stats);
        assertTrue(stats.contains("1 binary") && stats.contains("1 not-utf8") && stats.contains("1 empty"), stats);
        assertEquals("caf\uFFFD".length(), read("/notes/latin1.txt").length(), "stored byte for byte");
        FsException e = assertThrows(FsException.class, () -> read("/notes/.similar/image.bin"));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("binary"), e.getMessage());
    }

    @Test
    void badQueriesAreRefusedWithTheReason() throws Exception {
        write("/notes/a.md", ROTATE);
        FsException stop = assertThrows(FsException.class, () -> query("the of and\n"));
        assertEquals(Errno.EINVAL, stop.errno());
        assertEquals("line 1", stop.where());
        assertTrue(stop.getMessage().contains("stop words"), stop.getMessage());
        FsException mode = assertThrows(FsException.class, () -> query("mode=fuzzy\nlogs\n"));
        assertTrue(mode.getMessage().contains("hybrid"), mode.getMessage());
        store.mkdir("/vectors", 0755, 0, 0);
        write("/vectors/a.vec", "1 2 3\n");
        write("/vectors/.search/q", "0.1 0.2 0.3\n");
        FsException notText = assertThrows(FsException.class, () -> write("/vectors/.search/q", "how do I rotate logs\n"));
        assertEquals(Errno.EINVAL, notText.errno());
        assertTrue(notText.getMessage().contains("embed = minilm"), notText.getMessage());
    }

    @Test
    void embedIsSetOnlyWhileTheCollectionIsEmpty() throws Exception {
        write("/notes/a.md", ROTATE);
        FsException e = assertThrows(FsException.class, () -> write("/notes/.collection", "embed = none\n"));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(read("/notes/.collection").contains("embed = minilm"));
        assertTrue(read("/notes/.collection").contains("dim = 384"));
        assertTrue(read("/notes/.collection").contains("metric = cosine"));
        store.mkdir("/plain", 0755, 0, 0);
        write("/plain/x.txt", "hello");
        assertThrows(FsException.class, () -> write("/plain/.collection", "embed = minilm\n"));
    }

    /** Vector files live beside text files; a batch may mix both kinds of query, answered in the order written. */
    @Test
    void vectorAndTextQueriesMixInOneBatch() throws Exception {
        write("/notes/rotate.md", ROTATE);
        StringBuilder vector = new StringBuilder();
        for (int d = 0; d < 384; d++) {
            vector.append(d == 0 ? "1" : " 0");
        }
        write("/notes/unit.vec", vector + "\n");
        String answer = query("k=1\nmode=words\nlogrotate\n" + vector + "\nwhat does x=y mean for logs\n");
        List<String> lines = answer.lines().toList();
        assertEquals(3, lines.size(), answer);
        assertTrue(lines.get(0).startsWith("0\t1\t") && lines.get(0).endsWith("notes/rotate.md"), answer);
        assertEquals("1\t1\t0\tnotes/unit.vec", lines.get(1), "a cosine distance of 0, as vector queries report it");
        assertTrue(lines.get(2).startsWith("2\t1\t") && lines.get(2).endsWith("notes/rotate.md"), answer);
        FsException dim = assertThrows(FsException.class, () -> query("0.5 0.5\n"));
        assertEquals("line 1", dim.where());
    }

    @Test
    void similarNamesTheClosestFilesButNotItself() throws Exception {
        write("/notes/rotate.md", ROTATE);
        write("/notes/logs.md", "Old log files are compressed and deleted by a weekly job so disks never fill.");
        write("/notes/pasta.txt", PASTA);
        awaitEmbedded();
        List<String> similar = paths(read("/notes/.similar/rotate.md"));
        assertEquals(List.of("notes/logs.md", "notes/pasta.txt"), similar);
    }
}
