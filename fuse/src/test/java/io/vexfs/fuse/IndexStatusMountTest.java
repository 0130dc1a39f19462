package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * .vexfs/index through a real mount: vectors copied into an index = hnsw collection with cp and
 * echo, followed with cat until ready, counted exactly; rm lowers the total; a remount reads the
 * graph from its file and says how many rows it read.
 */
class IndexStatusMountTest {
    private static final int DIM = 16;
    private static final List<String> COLUMNS = List.of("collection", "state", "rows_indexed", "rows_total", "rows_waiting",
            "files_waiting", "rate_per_s", "eta_s", "graph_bytes", "graph_nodes", "restored_rows");

    /** .vexfs/index read with cat, one map per line; every line's own figures are checked against each other. */
    private static Map<String, Map<String, String>> index(MountFixture m) throws IOException {
        List<String> lines = m.sh("cat .vexfs/index").ok().out().lines().toList();
        assertEquals(COLUMNS, List.of(lines.getFirst().split("\t")));
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            assertEquals(COLUMNS.size(), f.length, line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < f.length; i++) {
                row.put(COLUMNS.get(i), f[i]);
            }
            long indexed = Long.parseLong(row.get("rows_indexed"));
            long total = Long.parseLong(row.get("rows_total"));
            assertTrue(Set.of("reading", "building", "ready").contains(row.get("state")), line);
            assertTrue(0 <= indexed && indexed <= total, line);
            assertEquals(total - indexed, Long.parseLong(row.get("rows_waiting")), line);
            double rate = Double.parseDouble(row.get("rate_per_s"));
            double eta = Double.parseDouble(row.get("eta_s"));
            if (row.get("state").equals("ready")) {
                assertEquals(0, indexed - total, line);
                assertEquals("0", row.get("files_waiting"), line);
                assertEquals(-1, eta, line);
            } else if (rate > 0 && indexed < total) {
                // The time left is the rows waiting at the rate shown (printed to 0.1 row/s and 1 s).
                assertEquals((total - indexed) / rate, eta, Math.max(1, 0.01 * eta), line);
            }
            rows.put(f[0], row);
        }
        return rows;
    }

    private static Map<String, String> awaitReady(MountFixture m, String collection) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            Map<String, String> row = index(m).get(collection);
            if (row != null && row.get("state").equals("ready")) {
                return row;
            }
            assertTrue(System.nanoTime() < deadline, "not ready in 120 s: " + row);
            Thread.sleep(50);
        }
    }

    private static double metric(MountFixture m, String name, String collection) throws IOException {
        Matcher found = Pattern.compile("(?m)^" + name + "\\{collection=\"" + collection + "\"} (\\S+)$")
                .matcher(Files.readString(m.path(".vexfs/metrics")));
        assertTrue(found.find(), name + " of " + collection);
        return Double.parseDouble(found.group(1));
    }

    private static byte[] fvecs(Random random, int rows) {
        ByteBuffer b = ByteBuffer.allocate(rows * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            b.putInt(DIM);
            for (int i = 0; i < DIM; i++) {
                b.putFloat((float) random.nextGaussian());
            }
        }
        return b.array();
    }

    @Test
    void indexingIsFollowedUntilReadyAndCountedExactly() throws Exception {
        try (MountFixture m = MountFixture.start()) {
            Random random = new Random(21);
            Files.write(m.root.resolve("a.fvecs"), fvecs(random, 2000));
            Files.write(m.root.resolve("b.fvecs"), fvecs(random, 1500));
            Files.write(m.root.resolve("c.fvecs"), fvecs(random, 500));
            Files.createDirectories(m.path("ann"));
            Files.createDirectories(m.path("flat"));
            m.sh("printf 'index = hnsw\\n' > ann/.collection && cp ../a.fvecs flat/").ok();
            assertEquals(Map.of(), index(m), "no line before the first vector gives the hnsw collection its dimension");

            m.sh("cp ../a.fvecs ../b.fvecs ann/ && mkdir ann/sub && cp ../c.fvecs ann/sub/").ok();
            for (int i = 0; i < 3; i++) {
                String v = String.join(" ", IntStream.range(0, DIM)
                        .mapToObj(d -> Float.toString((float) random.nextGaussian())).toList());
                m.sh("echo '" + v + "' > ann/one" + i + ".vec").ok();
            }
            Map<String, String> ready = awaitReady(m, "ann");
            assertEquals(Set.of("ann"), index(m).keySet(), "the flat collection has no line");
            assertEquals("4003", ready.get("rows_total"));
            assertEquals("4003", ready.get("rows_indexed"));
            assertEquals("0", ready.get("rows_waiting"));
            // A node per row, and a stand-in for each node that concurrent inserts left unreachable.
            assertTrue(Long.parseLong(ready.get("graph_nodes")) >= 4003, ready.toString());
            assertEquals("0", ready.get("restored_rows"));
            assertTrue(Long.parseLong(ready.get("graph_bytes")) > 4003L * 16, "at least the neighbour lists: " + ready);
            assertEquals(4003.0, metric(m, "vexfs_index_rows_indexed", "ann"));
            assertEquals(4003.0, metric(m, "vexfs_index_rows", "ann"));

            m.sh("rm ann/b.fvecs").ok();
            assertEquals("2503", index(m).get("ann").get("rows_total"), "rm lowers the total at once");
            Map<String, String> afterRm = awaitReady(m, "ann");
            assertEquals("2503", afterRm.get("rows_indexed"));
            assertEquals("2503", afterRm.get("rows_total"));

            int exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            m.mount();
            Map<String, String> remounted = awaitReady(m, "ann");
            assertEquals("2503", remounted.get("rows_total"));
            assertEquals("2503", remounted.get("rows_indexed"));
            assertEquals("2503", remounted.get("restored_rows"), "the graph was read from its file, not built again");
            assertFalse(m.sh("cat .vexfs/stats").ok().out().contains("indexed of"), "stats agree: nothing left to index");
        }
    }
}
