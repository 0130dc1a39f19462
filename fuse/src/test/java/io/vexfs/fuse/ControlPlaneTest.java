package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .vexfs/ through a real mount: configuration, live toggles, metrics, stats, slowlog, profile. */
class ControlPlaneTest {

    private static double metric(String metrics, String line) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(line) + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void aBadConfigurationStopsTheMountWithItsLine() throws IOException {
        String[][] cases = {
            {"[performance]\ncache_sise = 3\n", ":2: ", "unknown key 'cache_sise'"},
            {"[performance]\nenable_simd = \"yes\"\n", ":2: ", "enable_simd"},
            {"[performance]\nmemory_pool_size = \"64TiB\"\n", ":2: ", "does not fit in this machine's memory"},
            {"[perfromance]\n", ":1: ", "unknown section [perfromance]"},
        };
        for (String[] c : cases) {
            Path root = Files.createTempDirectory(Path.of("/tmp"), "vexfs-test");
            Path conf = root.resolve("bad.conf");
            Files.writeString(conf, c[0]);
            List<String> cmd = new ArrayList<>(MountFixture.javaCommand(List.of("-Xmx2g")));
            cmd.addAll(List.of(Main.class.getName(), "mount", "--config", conf.toString(),
                    "--data", root.resolve("data").toString(), "--mountpoint", root.resolve("mnt").toString()));
            MountFixture.Result r = MountFixture.run(cmd.toArray(String[]::new));
            assertNotEquals(0, r.exit());
            // file:line: reason, on one line.
            assertTrue(r.err().lines().anyMatch(l -> l.contains(conf + c[1]) && l.contains(c[2])), r.err());
            MountFixture.run("rm", "-rf", root.toString());
        }
    }

    @Test
    void togglesSwitchLiveWithoutChangingAnswers() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Files.createDirectories(m.path("t"));
            byte[] bytes = new byte[300_000];
            new Random(9).nextBytes(bytes);
            String before = Files.readString(m.path(".vexfs/optimizations"));
            assertTrue(before.contains("simd on") && before.contains("memory on") && before.contains("zerocopy on"), before);
            for (String state : new String[]{"off", "on"}) {
                m.sh("printf 'memory " + state + "\\nzerocopy " + state + "\\nsimd " + state + "\\n' | tee .vexfs/optimizations > /dev/null").ok();
                String now = Files.readString(m.path(".vexfs/optimizations"));
                assertTrue(now.contains("memory " + state) && now.contains("zerocopy " + state) && now.contains("simd " + state), now);
                Files.write(m.path("t/blob-" + state), bytes);
                Files.writeString(m.path("t/v-" + state + ".vec"), "0.1 0.2 0.3\n");
                assertArrayEquals(bytes, Files.readAllBytes(m.path("t/blob-" + state)));
                assertEquals("0.1 0.2 0.3\n", Files.readString(m.path("t/v-" + state + ".vec")));
            }
            String stats = Files.readString(m.path(".vexfs/stats"));
            assertTrue(stats.contains("pool           on"), stats);
            MountFixture.Result bad = m.sh("echo 'warp on' | tee .vexfs/optimizations > /dev/null");
            assertNotEquals(0, bad.exit());
            assertTrue(Files.readString(m.path(".vexfs/errors")).contains("unknown optimization 'warp'"));
            assertTrue(Files.readString(m.path(".vexfs/config")).contains("enable_simd = true"));
        }
    }

    @Test
    void metricsMoveWithOperations() throws IOException {
        String config = "[performance]\nslow_op_threshold = \"0s\"\n";
        try (MountFixture m = MountFixture.start(config)) {
            Files.createDirectories(m.path("m"));
            String before = Files.readString(m.path(".vexfs/metrics"));
            for (int i = 0; i < 20; i++) {
                Files.writeString(m.path("m/v" + i + ".vec"), i + " 1\n");
                Files.readString(m.path("m/v" + i + ".vec"));
            }
            String after = Files.readString(m.path(".vexfs/metrics"));
            assertEquals(20, metric(after, "vexfs_commits_total") - metric(before, "vexfs_commits_total"), 0.0);
            assertEquals(20, metric(after, "vexfs_vectors_written_total") - metric(before, "vexfs_vectors_written_total"), 0.0);
            assertTrue(metric(after, "vexfs_op_seconds_count{op=\"create\"}") - metric(before, "vexfs_op_seconds_count{op=\"create\"}") >= 20, after);
            assertTrue(metric(after, "vexfs_wal_written_bytes_total") > metric(before, "vexfs_wal_written_bytes_total"));
            assertEquals(20, metric(after, "vexfs_vectors_stored"), 0.0);
            assertTrue(metric(after, "vexfs_pool_hits_total") > 0, after);
            assertTrue(after.contains("vexfs_op_seconds{op=\"read\",quantile=\"0.99\"}"), after);
            // threshold 0: every operation is in the slow log.
            assertTrue(Files.readString(m.path(".vexfs/slowlog")).contains("/m/v19.vec"));
            assertTrue(Files.readString(m.path(".vexfs/stats")).contains("commits        20"));
        }
    }

    @Test
    void profileRecordsInTheMountProcess() throws IOException, InterruptedException {
        try (MountFixture m = MountFixture.start()) {
            m.sh("echo 'start 1' | tee .vexfs/profile > /dev/null").ok();
            assertTrue(Files.readString(m.path(".vexfs/profile")).contains("state recording"));
            Files.createDirectories(m.path("p"));
            for (int i = 0; i < 50; i++) {
                Files.writeString(m.path("p/x" + i + ".vec"), "1 2\n");
            }
            String state = "";
            for (int i = 0; i < 100 && !state.contains("state idle"); i++) {
                Thread.sleep(100);
                state = Files.readString(m.path(".vexfs/profile"));
            }
            assertTrue(state.contains("state idle"), state);
            Matcher file = Pattern.compile("(?m)^file (.+)$").matcher(state);
            assertTrue(file.find(), state);
            assertTrue(Files.size(Path.of(file.group(1))) > 0);
            assertNotEquals(0, m.sh("echo 'start forever' | tee .vexfs/profile > /dev/null").exit());
        }
    }

    @Test
    void metricsAreServedOverHttpOnLocalhostWhenConfigured() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (MountFixture m = MountFixture.start("[performance]\nmetrics_port = " + port + "\n")) {
            Files.createDirectories(m.path("h"));
            Files.writeString(m.path("h/a.vec"), "1 2\n");
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(1.0, metric(r.body(), "vexfs_commits_total"), 0.0);
        }
    }
}
