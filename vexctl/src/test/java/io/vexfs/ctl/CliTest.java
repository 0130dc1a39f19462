package io.vexfs.ctl;

import io.vexfs.core.config.ConfigException;
import io.vexfs.core.config.VexConfig;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What needs no mount: usage errors and their exit codes, compare arithmetic, config checks, JFR analysis. */
class CliTest {
    @TempDir
    Path dir;

    private static void assertOneLineError(LiveMount.Run r, int exit, String contains) {
        assertEquals(exit, r.exit(), r.err() + r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("vexctl: ") && r.err().contains(contains), r.err());
    }

    @Test
    void badInputGetsOneLineAndItsExitCode() {
        assertOneLineError(LiveMount.run("--mount", "/nonexistent/mnt", "metrics", "show"), Vexctl.UNREACHABLE, "no vexfs mount at /nonexistent/mnt");
        assertOneLineError(LiveMount.run("--mount", dir.toString(), "cache", "stats"), Vexctl.UNREACHABLE, ".vexfs/metrics is missing");
        assertOneLineError(LiveMount.run("frobnicate"), Vexctl.USAGE, "frobnicate");
        assertOneLineError(LiveMount.run("metrics", "shwo"), Vexctl.USAGE, "shwo");
        assertOneLineError(LiveMount.run("--mount", dir.toString(), "load-test", "generate", "--duration", "5x"), Vexctl.USAGE, "bad duration '5x'");
        assertOneLineError(LiveMount.run("--mount", dir.toString(), "load-test", "generate", "--duration", "0s"), Vexctl.USAGE, "more than zero");
        assertOneLineError(LiveMount.run("performance", "compare", "--baseline", dir.resolve("a.json").toString(),
                "--current", dir.resolve("b.json").toString()), Vexctl.USAGE, "no report at");
    }

    /**
     * The states a real mount shows only for moments (reading the index file at mount, a build
     * half done), from a directory that stands in for a mount's .vexfs/.
     */
    @Test
    void indexStatusDrawsEveryState() throws IOException {
        Path plane = Files.createDirectories(dir.resolve(".vexfs"));
        Files.writeString(plane.resolve("metrics"), "");
        LiveMount.Run old = LiveMount.run("--mount", dir.toString(), "index", "status");
        assertOneLineError(old, Vexctl.CHECK_FAILED, "no .vexfs/index");
        Files.writeString(plane.resolve("index"), """
                collection\tstate\trows_indexed\trows_total\trows_waiting\tfiles_waiting\trate_per_s\teta_s\tgraph_bytes\tgraph_nodes\trestored_rows
                big\treading\t0\t1000000\t1000000\t40\t0.0\t-1\t0\t0\t0
                half\tbuilding\t250\t1000\t750\t3\t25.0\t30\t3145728\t260\t0
                small\tready\t10\t10\t0\t0\t0.0\t-1\t1048576\t10\t10
                """);
        LiveMount.Run r = LiveMount.run("--mount", dir.toString(), "index", "status", "--watch", "--interval", "10ms", "--iterations", "2");
        assertEquals(Vexctl.OK, r.exit(), r.err());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("collection")).count(), "two frames, as half is not ready:\n" + r.out());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("big         reading   0/1000000  [....................]   0%       0       -             40  0.0 MiB         0"),
                r.out());
        assertTrue(lines.contains("half        building  250/1000   [#####...............]  25%      25  30.0 s              3  3.0 MiB         0"),
                r.out());
        assertTrue(lines.contains("small       ready     10/10      [####################] 100%       0       -              0  1.0 MiB        10"),
                r.out());
        assertTrue(r.out().contains("1000750 rows wait for the indexer"), r.out());
    }

    @Test
    void durationsParseEveryUnit() {
        Units.DurationConverter converter = new Units.DurationConverter();
        assertEquals(300_000, converter.convert("300s").toMillis());
        assertEquals(300_000, converter.convert("5m").toMillis());
        assertEquals(3_600_000, converter.convert("1h").toMillis());
        assertEquals(500, converter.convert("500ms").toMillis());
        assertEquals(90_000, converter.convert("90").toMillis(), "bare seconds, as in the config");
    }

    /** vexctl reads sizes and durations with the mount's own parser: what the mount refuses, vexctl refuses. */
    @Test
    void sizesAndDurationsFollowTheMountsGrammar() throws Exception {
        assertOneLineError(LiveMount.run("--mount", dir.toString(), "load-test", "generate", "--duration", "1.5s"),
                Vexctl.USAGE, "bad duration '1.5s': expected a whole number");
        Path conf = dir.resolve("fractional.conf");
        Files.writeString(conf, "[performance]\nmemory_pool_size = \"1.5GiB\"\n");
        LiveMount.Run r = LiveMount.run("--config", conf.toString(), "config", "validate-performance");
        assertEquals(Vexctl.CHECK_FAILED, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("'1.5GiB' is not a size"), r.out());
        ConfigException mount = assertThrows(ConfigException.class, () -> VexConfig.load(conf, dir));
        assertTrue(mount.getMessage().contains("memory_pool_size must be a size like"), mount.getMessage());
    }

    @Test
    void theProcessExitsWithTheCode() throws Exception {
        assertEquals(Vexctl.UNREACHABLE, java("--mount", dir.toString(), "storage", "analyze"));
    }

    private static int java(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Vexctl.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue();
    }

    @Test
    void completionScriptNamesTheCommands() {
        LiveMount.Run r = LiveMount.run("generate-completion");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("load-test") && r.out().contains("complete -F"), r.out());
    }

    @Test
    void compareComputesPercentChangesAndVerdicts() throws IOException {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Files.writeString(a, """
                {"kind":"load-test","figures":{
                  "ops_per_s":{"value":1000,"unit":"ops/s","better":"higher"},
                  "p99_us":{"value":200,"unit":"us","better":"lower"},
                  "p50_us":{"value":100,"unit":"us","better":"lower"},
                  "errors":{"value":0,"unit":"errors","better":"lower"},
                  "gone":{"value":1,"unit":"x","better":"lower"}}}""");
        Files.writeString(b, """
                {"kind":"load-test","figures":{
                  "ops_per_s":{"value":750,"unit":"ops/s","better":"higher"},
                  "p99_us":{"value":150,"unit":"us","better":"lower"},
                  "p50_us":{"value":105,"unit":"us","better":"lower"},
                  "errors":{"value":3,"unit":"errors","better":"lower"},
                  "fresh":{"value":2,"unit":"x","better":"lower"}}}""");
        LiveMount.Run r = LiveMount.run("performance", "compare", "--baseline", a.toString(), "--current", b.toString());
        assertEquals(0, r.exit(), r.err());
        assertRow(r.out(), "ops_per_s", "-25.0%", "regressed");
        assertRow(r.out(), "p99_us", "-25.0%", "better");
        assertRow(r.out(), "p50_us", "+5.0%", "worse");
        assertRow(r.out(), "errors", "n/a", "regressed");
        assertRow(r.out(), "gone", "n/a", "gone");
        assertRow(r.out(), "fresh", "n/a", "new");
        assertTrue(r.out().contains("2 figure(s) worse by more than 10.0%"), r.out());

        List<Comparison.Change> changes = Comparison.compare(PerfReport.read(a), PerfReport.read(b), 10);
        assertEquals(-25.0, changes.getFirst().percent(), 1e-9);
    }

    private static void assertRow(String out, String figure, String change, String verdict) {
        String row = out.lines().filter(l -> l.startsWith(figure + " ")).findFirst().orElseThrow(() -> new AssertionError(figure + " in\n" + out));
        String[] cells = row.trim().split("\\s{2,}");
        assertEquals(change, cells[cells.length - 2], row);
        assertEquals(verdict, cells[cells.length - 1], row);
    }

    @Test
    void configValidationNamesTheLines() throws IOException {
        Path conf = dir.resolve("vexfs.conf");
        Files.writeString(conf, """
                [mount]
                data_dir = "%s"

                [performance]
                memory_pool_size = "64TiB"
                io_threads = 4096
                enable_simd = true

                [optimization]
                enable_simd_optimization = false
                """.formatted(dir.resolve("data")));
        LiveMount.Run r = LiveMount.run("--config", conf.toString(), "config", "validate-performance");
        assertEquals(Vexctl.CHECK_FAILED, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("   5  performance.memory_pool_size") && l.contains("error")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("   6  performance.io_threads") && l.contains("warning")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  10  optimization.enable_simd_optimization") && l.contains("line 7")), r.out());

        Files.writeString(conf, "[performance]\ncache_size = = 3\n");
        LiveMount.Run broken = LiveMount.run("--config", conf.toString(), "config", "validate-performance");
        assertEquals(Vexctl.CHECK_FAILED, broken.exit());
        assertTrue(broken.out().startsWith(conf + ":2: "), broken.out());

        Files.writeString(conf, "[performance]\nmemory_pool_size = \"64MiB\"\n");
        assertEquals(Vexctl.OK, LiveMount.run("--config", conf.toString(), "config", "validate-performance").exit());
    }

    @Test
    void profileAnalysisReadsARecording() throws IOException, ParseException {
        Path jfr = dir.resolve("test.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
            recording.start();
            Object lock = new Object();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    long end = System.nanoTime() + 600_000_000L;
                    List<int[]> garbage = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        synchronized (lock) {
                            garbage.add(new int[4096]);
                            LiveMount.sleepMillis(2);
                        }
                        if (garbage.size() > 100) {
                            garbage.clear();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                assertTrue(join(t));
            }
            System.gc();
            recording.stop();
            recording.dump(jfr);
        }
        Path md = dir.resolve("profile.md");
        LiveMount.Run r = LiveMount.run("profile", "analyze", "--file", jfr.toString(), "--output", md.toString());
        assertEquals(0, r.exit(), r.err());
        for (String section : List.of("Hottest methods", "Allocation by site", "Lock contention", "Parks", "GC pauses")) {
            assertTrue(r.out().contains(section), section + " in\n" + r.out());
        }
        assertTrue(r.out().contains("java.lang.Object at io.vexfs.ctl.CliTest"), "the contended monitor and its site:\n" + r.out());
        assertTrue(Files.readString(md).contains("Hottest methods"));

        LiveMount.Run c = LiveMount.run("contention", "analyze", "--file", jfr.toString());
        assertEquals(0, c.exit(), c.err());
        assertTrue(c.out().contains("most contended: java.lang.Object at io.vexfs.ctl.CliTest"), c.out());
    }

    private static boolean join(Thread t) {
        try {
            t.join();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void histogramPercentilesAreWithinTheirBucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 1000);
        }
        assertEquals(100_000, h.count());
        assertEquals(50_000_000, h.quantileNanos(0.5), 50_000_000 * 0.04);
        assertEquals(99_000_000, h.quantileNanos(0.99), 99_000_000 * 0.04);
        assertEquals(100_000_000, h.quantileNanos(1.0));
        for (long v : new long[]{0, 31, 32, 63, 64, 1000, 123_456_789}) {
            assertTrue(LatencyHistogram.upper(LatencyHistogram.index(v)) >= v, "bucket of " + v);
        }
    }
}
