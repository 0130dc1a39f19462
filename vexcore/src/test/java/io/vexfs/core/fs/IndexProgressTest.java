package io.vexfs.core.fs;

import io.vexfs.core.StoreFiles;
import io.vexfs.core.TestNodes;
import io.vexfs.core.Vexfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * .vexfs/index, the hnsw lines of .vexfs/stats and the vexfs_index_* metrics, through the
 * store's own calls: a build seen from its start to ready, removes, a remount that reads the
 * index file, and the reading state. In this package to set that state as the indexer does.
 */
class IndexProgressTest {
    private static final int DIM = 16;
    private static final int FILES = 10;
    private static final int ROWS_PER_FILE = 2000;
    private static final Duration CATCH_UP = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private Vexfs node;
    private VexStore store;

    @BeforeEach
    void open() throws IOException {
        node = TestNodes.open(dir, 2, System::nanoTime);
        store = node.store();
    }

    @AfterEach
    void close() throws IOException {
        node.close();
    }

    private void write(String path, String text) throws FsException {
        StoreFiles.write(store, path, text);
    }

    private String read(String path) throws FsException {
        return StoreFiles.read(store, path);
    }

    /** .vexfs/index as column name to value, per collection; checks the header and every line's arithmetic. */
    private Map<String, Map<String, String>> index() throws FsException {
        List<String> lines = read("/.vexfs/index").lines().toList();
        assertEquals(List.of("collection", "state", "rows_indexed", "rows_total", "rows_waiting", "files_waiting", "rate_per_s",
                "eta_s", "graph_bytes", "graph_nodes", "restored_rows"), List.of(lines.getFirst().split("\t")));
        String[] header = lines.getFirst().split("\t");
        Map<String, Map<String, String>> byCollection = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            assertEquals(header.length, f.length, line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < f.length; i++) {
                row.put(header[i], f[i]);
            }
            long indexed = Long.parseLong(row.get("rows_indexed"));
            long total = Long.parseLong(row.get("rows_total"));
            assertTrue(indexed <= total, line);
            assertEquals(total - indexed, Long.parseLong(row.get("rows_waiting")), line);
            byCollection.put(f[0], row);
        }
        return byCollection;
    }

    private Map<String, String> docs() throws FsException {
        Map<String, String> row = index().get("docs");
        assertTrue(row != null, "no line for docs in .vexfs/index");
        return row;
    }

    /** The value of one series of .vexfs/metrics, or null when the mount does not expose it. */
    private Double metric(String name, String collection) throws FsException {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{collection=\"" + collection + "\"} (\\S+)$").matcher(read("/.vexfs/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : null;
    }

    private String docsStatsLine() throws FsException {
        return read("/.vexfs/stats").lines().filter(l -> l.startsWith("  docs ")).findFirst().orElseThrow();
    }

    private Map<String, String> awaitReady() throws Exception {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        Map<String, String> row = docs();
        while (!row.get("state").equals("ready")) {
            assertTrue(System.nanoTime() < deadline, "not ready within " + CATCH_UP + ": " + row);
            Thread.sleep(20);
            row = docs();
        }
        return row;
    }

    private void storeParts(Random random) throws FsException {
        for (int f = 0; f < FILES; f++) {
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < ROWS_PER_FILE; r++) {
                for (int i = 0; i < DIM; i++) {
                    sb.append(i == 0 ? "" : " ").append((float) random.nextGaussian());
                }
                sb.append('\n');
            }
            write("/docs/part" + f + ".vec", sb.toString());
        }
    }

    @Test
    void aBuildIsFollowedFromItsStartToReadyAndRemovesLowerTheTotal() throws Exception {
        store.mkdir("/docs", 0755, 0, 0);
        storeParts(new Random(5));
        assertEquals(Map.of(), index(), "a flat collection has no line");
        assertNull(metric("vexfs_index_rows", "docs"));

        // 20,000 rows take the indexer seconds; the setting's write returns as soon as they are queued.
        write("/docs/.collection", "index = hnsw\n");
        Map<String, String> building = docs();
        assertEquals("building", building.get("state"));
        assertEquals(String.valueOf(FILES * ROWS_PER_FILE), building.get("rows_total"));
        assertTrue(Long.parseLong(building.get("rows_indexed")) < FILES * ROWS_PER_FILE, building.toString());
        assertTrue(Long.parseLong(building.get("files_waiting")) >= 1, building.toString());
        assertEquals("0", building.get("restored_rows"));
        assertTrue(Pattern.compile("hnsw \\(\\d+ indexed of 20000[,)]").matcher(docsStatsLine()).find(), docsStatsLine());

        Map<String, String> ready = awaitReady();
        assertEquals("20000", ready.get("rows_indexed"));
        assertEquals("20000", ready.get("rows_total"));
        assertEquals("0", ready.get("files_waiting"));
        assertEquals("0.0", ready.get("rate_per_s"));
        assertEquals("-1", ready.get("eta_s"));
        // A node per row, and a stand-in for each node that concurrent inserts left unreachable.
        assertTrue(Long.parseLong(ready.get("graph_nodes")) >= 20000, ready.toString());
        long graphBytes = Long.parseLong(ready.get("graph_bytes"));
        assertTrue(graphBytes > 20000L * 32, "at least the neighbour lists: " + graphBytes);
        assertTrue(docsStatsLine().contains("hnsw (20000 indexed, graph "), docsStatsLine());
        assertEquals(20000.0, metric("vexfs_index_rows_indexed", "docs"));
        assertEquals(20000.0, metric("vexfs_index_rows", "docs"));
        assertEquals(0.0, metric("vexfs_index_rows_waiting", "docs"));
        assertTrue(metric("vexfs_index_graph_bytes", "docs") > 20000.0 * 32);

        store.unlink("/docs/part0.vec");
        store.unlink("/docs/part1.vec");
        Map<String, String> removed = docs();
        assertEquals("16000", removed.get("rows_total"), "removes lower the total at once");
        assertEquals("16000", removed.get("rows_indexed"), "rows of removed files are not counted, removed from the graph or not");
        assertTrue(store.awaitIndexed(CATCH_UP));
        Map<String, String> after = awaitReady();
        assertEquals("16000", after.get("rows_indexed"));
        assertEquals("16000", after.get("rows_total"));
        assertEquals(16000.0, metric("vexfs_index_rows", "docs"));
        assertEquals(16000.0, metric("vexfs_index_rows_indexed", "docs"));

        write("/docs/.collection", "index = flat\n");
        assertFalse(index().containsKey("docs"), "flat again: no line");
        assertNull(metric("vexfs_index_rows", "docs"), "and no series");
    }

    @Test
    void aRemountReadsTheIndexFileAndSaysSo() throws Exception {
        store.mkdir("/docs", 0755, 0, 0);
        storeParts(new Random(6));
        write("/docs/.collection", "index = hnsw\n");
        assertTrue(store.awaitIndexed(CATCH_UP));
        assertEquals("0", awaitReady().get("restored_rows"));
        close();
        open();
        Map<String, String> ready = awaitReady();
        assertEquals("20000", ready.get("restored_rows"));
        assertEquals("20000", ready.get("rows_indexed"));
        assertEquals("20000", ready.get("rows_total"));
        assertTrue(docsStatsLine().contains("hnsw (20000 indexed, graph ") && docsStatsLine().contains(", 20000 read from the index file)"),
                docsStatsLine());

        // What the indexer does from its start until it has read the file.
        CollectionIndex hnsw = store.collections().get("docs").hnsw();
        hnsw.markReading(true);
        try {
            Map<String, String> reading = docs();
            assertEquals("reading", reading.get("state"));
            assertEquals("-1", reading.get("eta_s"));
            assertTrue(docsStatsLine().contains("hnsw (reading the index file, "), docsStatsLine());
        } finally {
            hnsw.markReading(false);
        }
        assertEquals("ready", docs().get("state"));
    }
}
