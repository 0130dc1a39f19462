package io.vexfs.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command against one live mount, checked against what the mount itself says. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveMountTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LiveMount mount;

    @BeforeAll
    void mount() throws IOException {
        mount = LiveMount.start("""
                [performance]
                slow_op_threshold = "0s"
                """);
        Files.createDirectory(mount.mnt.resolve("docs"));
        Files.writeString(mount.mnt.resolve("docs/a.vec"), "0.1 0.2 0.3\n0.4 0.5 0.6\n");
        Files.readString(mount.mnt.resolve("docs/a.vec"));
    }

    @AfterAll
    void unmount() throws IOException {
        mount.close();
    }

    private LiveMount.Run ok(String... args) {
        LiveMount.Run r = mount.vexctl(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ":\n" + r.err() + r.out());
        return r;
    }

    @Test
    void loadTestCountsMatchTheMountsOwnCounts() throws IOException {
        Path json = mount.root.resolve("load.json");
        MetricsScrape before = mount.scrape();
        LiveMount.Run r = ok("load-test", "generate", "--duration", "2s", "--concurrency", "6", "--output", json.toString());
        MetricsScrape after = mount.scrape();
        JsonNode report = JSON.readTree(json.toFile());
        long created = report.get("filesCreated").asLong();
        long writes = op(report, "write").get("count").asLong();
        assertTrue(writes > 0, r.out());
        assertTrue(op(report, "read").get("count").asLong() > 0 && op(report, "stat").get("count").asLong() > 0, r.out());
        // Each write creates one file; each thread's first search creates its query file.
        long searchThreads = op(report, "search").get("count").asLong() > 0 ? 6 : 0;
        assertTrue(created >= writes && created <= writes + searchThreads, created + " created, " + writes + " writes");
        assertEquals(created, report.get("mountOps").get("create").asLong(), "the run's own view of the mount");
        // Between our two scrapes the run also wrote its seed file (one create, vectors-per-file vectors).
        assertEquals(created + 1, after.opCount("create") - before.opCount("create"));
        assertEquals(report.get("vectorsWritten").asLong() + 4,
                (long) (after.valueOrZero("vexfs_vectors_written_total") - before.valueOrZero("vexfs_vectors_written_total")));
        assertEquals(writes * 4, report.get("vectorsWritten").asLong());
        assertTrue(after.opCount("write") - before.opCount("write") >= writes);
        for (String figure : List.of("ops_per_s", "p50_us", "p95_us", "p99_us")) {
            assertTrue(report.get("figures").get(figure).get("value").asDouble() > 0, figure);
        }
        double p50 = report.get("figures").get("p50_us").get("value").asDouble();
        double p99 = report.get("figures").get("p99_us").get("value").asDouble();
        assertTrue(p50 <= p99, p50 + " <= " + p99);
        assertTrue(r.out().contains("the mount counted: " + created + " creates (we created " + created + " files)"), r.out());
        assertTrue(r.err().contains("100%"), "progress bar on stderr: " + r.err());
        try (var left = Files.list(mount.mnt)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("vexctl-load-")), "the run removed its collection");
        }
    }

    private static JsonNode op(JsonNode report, String name) {
        for (JsonNode o : report.get("operations")) {
            if (o.get("op").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no operation " + name);
    }

    @Test
    void regressionTestFailsOnAPlantedRegressionAndPassesAgainstItself() throws IOException {
        Path base = mount.root.resolve("base.json");
        ok("load-test", "generate", "--duration", "1s", "--concurrency", "4", "--mix", "write=1,read=1", "--quiet", "--output", base.toString());
        PerfReport real = PerfReport.read(base);
        Map<String, PerfReport.Figure> better = PerfReport.newFigures();
        real.figures().forEach((k, f) -> better.put(k, new PerfReport.Figure(
                PerfReport.HIGHER.equals(f.better()) ? f.value() * 100 : f.value() / 100, f.unit(), f.better())));
        Path planted = mount.root.resolve("planted.json");
        new PerfReport(real.kind(), real.createdAt(), real.mount(), real.workload(), better, real.operations(), real.mountOps(),
                real.mountCounters(), null, real.filesCreated(), real.vectorsWritten()).write(planted);
        LiveMount.Run r = mount.vexctl("regression-test", "run", "--baseline", planted.toString(), "--quiet",
                "--output", mount.root.resolve("reg.json").toString());
        assertEquals(Vexctl.CHECK_FAILED, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL: ") && r.out().lines().anyMatch(l -> l.startsWith("ops_per_s") && l.endsWith("regressed")), r.out());

        LiveMount.Run lenient = mount.vexctl("regression-test", "run", "--baseline", base.toString(), "--threshold", "100000",
                "--quiet", "--output", mount.root.resolve("reg2.json").toString());
        assertEquals(0, lenient.exit(), lenient.out() + lenient.err());
        assertTrue(lenient.out().contains("PASS"), lenient.out());
    }

    @Test
    void stressTestRaisesConcurrencyAndReportsTheKnee() throws IOException {
        Path json = mount.root.resolve("stress.json");
        LiveMount.Run r = ok("stress-test", "run", "--step-duration", "500ms", "--max-concurrency", "4", "--p99-bound", "10s",
                "--quiet", "--output", json.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*1\\s.*ok")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*4\\s.*ok")), r.out());
        assertTrue(r.out().contains("knee: 4 threads"), r.out());
        PerfReport report = PerfReport.read(json);
        assertEquals(3, report.steps().size());
        assertEquals(4, report.figures().get("knee_concurrency").value());

        LiveMount.Run broken = mount.vexctl("stress-test", "run", "--step-duration", "300ms", "--max-concurrency", "2",
                "--p99-bound", "1ns", "--quiet", "--output", mount.root.resolve("stress2.json").toString());
        assertEquals(Vexctl.CHECK_FAILED, broken.exit(), broken.out());
        assertTrue(broken.out().contains("stopped at 1 threads: p99 over"), broken.out());
    }

    @Test
    void optimizeFlipsALiveToggleAndReadsItBack() throws IOException {
        ok("optimize", "simd", "--disable");
        assertTrue(Files.readString(mount.mnt.resolve(".vexfs/optimizations")).contains("simd off"));
        LiveMount.Run on = ok("optimize", "simd", "--enable");
        assertTrue(on.out().lines().anyMatch(l -> l.matches("simd\\s+off\\s+on")), on.out());
        assertTrue(Files.readString(mount.mnt.resolve(".vexfs/optimizations")).contains("simd on"));

        ok("optimize", "memory", "--disable");
        assertTrue(Files.readString(mount.mnt.resolve(".vexfs/optimizations")).contains("memory off"));
        ok("optimize", "memory", "--enable");

        LiveMount.Run cache = mount.vexctl("optimize", "cache", "--disable");
        if (ControlPlane.open(mount.mnt).optimizations().containsKey("cache")) {
            assertEquals(0, cache.exit(), cache.err());
            ok("optimize", "cache", "--enable");
        } else {
            assertEquals(Vexctl.CHECK_FAILED, cache.exit());
            assertTrue(cache.err().contains("no toggle 'cache'"), cache.err());
        }
        assertEquals(Vexctl.USAGE, mount.vexctl("optimize", "simd").exit());
        assertEquals(Vexctl.USAGE, mount.vexctl("optimize", "simd", "--enable", "--disable").exit());
    }

    @Test
    void optimizeSystemOnlyShowsWithoutYes() throws IOException {
        Path swappiness = Path.of("/proc/sys/vm/swappiness");
        String before = Files.readString(swappiness);
        LiveMount.Run r = ok("optimize", "system", "--apply-all");
        assertTrue(r.out().contains("vm.swappiness") && r.out().contains("vm.dirty_ratio") && r.out().contains("dry run"), r.out());
        assertEquals(before, Files.readString(swappiness));
        assertEquals(Vexctl.USAGE, mount.vexctl("optimize", "system", "--yes").exit());
    }

    @Test
    void dashboardPrintsOneFramePerIteration() {
        LiveMount.Run r = ok("performance", "dashboard", "--iterations", "2", "--interval", "300ms");
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("vexfs dashboard")).count(), r.out());
        assertTrue(r.out().contains("frame 2") && r.out().contains("getattr") && r.out().contains("heap "), r.out());
    }

    @Test
    void performanceReportWritesMarkdownAndJson() throws IOException {
        Path md = mount.root.resolve("report.md");
        ok("performance", "report", "--output", md.toString(), "--window", "300ms");
        assertTrue(Files.readString(md).startsWith("# VexFS performance report"));
        PerfReport json = PerfReport.read(md);
        assertEquals("live", json.kind());
        assertTrue(json.figures().containsKey("getattr.mean_us"), json.figures().keySet().toString());
        LiveMount.Run same = ok("performance", "compare", "--baseline", md.toString(), "--current", md.toString());
        assertTrue(same.out().contains("+0.0%") && same.out().contains("0 figure(s) worse"), same.out());
    }

    @Test
    void metricsShowListsOperationsAndEveryCounter() throws IOException {
        LiveMount.Run r = ok("metrics", "show");
        MetricsScrape m = mount.scrape();
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("create ")), r.out());
        for (String name : List.of("vexfs_vectors_stored", "vexfs_commits_total", "vexfs_wal_written_bytes_total", "vexfs_heap_used_bytes")) {
            assertTrue(m.has(name), name);
            assertTrue(r.out().contains(name), name);
        }
        assertTrue(ok("metrics", "show", "--raw").out().contains("# TYPE vexfs_op_seconds summary"));
    }

    @Test
    void inspectionCommandsPrintTheirTables() {
        assertTrue(ok("cache", "stats").out().contains("query results"));
        LiveMount.Run memory = ok("memory", "stats");
        assertTrue(memory.out().contains("mount heap") && memory.out().contains("machine"), memory.out());
        assertTrue(ok("memory", "analyze").out().startsWith("Memory of " + mount.mnt));
        LiveMount.Run leaks = ok("memory", "leaks", "check", "--samples", "2", "--interval", "200ms");
        assertTrue(leaks.out().contains("open handles"), leaks.out());
        LiveMount.Run sys = ok("system", "resources");
        assertTrue(sys.out().contains("MemTotal") && sys.out().contains("cores") && sys.out().contains("data directory"), sys.out());
        LiveMount.Run storage = ok("storage", "analyze");
        assertTrue(storage.out().lines().anyMatch(l -> l.matches("vectors stored\\s+\\d+")), storage.out());
        assertTrue(storage.out().contains("storage.sync_on_close"), storage.out());
    }

    @Test
    void textStatusFollowsEmbeddingToTheEnd() throws IOException {
        assertTrue(ok("text", "status").out().contains("no text collections"));
        Path notes = mount.mnt.resolve("notes");
        Files.createDirectory(notes);
        Files.writeString(notes.resolve(".collection"), "embed = minilm\n");
        Files.writeString(notes.resolve("a.md"), "Log rotation: logrotate compresses old log files every week.");
        Files.writeString(notes.resolve("b.md"), "Boil the pasta for nine minutes.");
        Files.write(notes.resolve("c.bin"), new byte[]{1, 0, 2, 0});
        LiveMount.Run r = ok("text", "status", "--watch", "--interval", "200ms", "--iterations", "300");
        String last = r.out().substring(r.out().lastIndexOf("collection"));
        assertTrue(last.lines().anyMatch(l -> l.startsWith("notes") && l.contains("minilm") && l.contains("2/2")
                && l.contains("[####################] 100%")), r.out());
        assertTrue(last.contains("per batch of document chunks") && last.contains("2 chunks"), last);
        String table = last.lines().filter(l -> l.startsWith("notes")).findFirst().orElseThrow();
        assertTrue(table.matches(".*\\s1\\s+0\\s*$"), "one file skipped, none failed: " + table);
    }

    @Test
    void indexStatusFollowsTheBuildToReady() throws IOException {
        assertTrue(ok("index", "status").out().contains("no hnsw collections"));
        Path ann = mount.mnt.resolve("ann");
        Files.createDirectory(ann);
        Files.writeString(ann.resolve(".collection"), "index = hnsw\n");
        Random random = new Random(3);
        for (int f = 0; f < 4; f++) {
            StringBuilder rows = new StringBuilder();
            for (int r = 0; r < 250; r++) {
                rows.append(random.nextFloat()).append(' ').append(random.nextFloat()).append(' ').append(random.nextFloat()).append('\n');
            }
            Files.writeString(ann.resolve("p" + f + ".vec"), rows);
        }
        LiveMount.Run r = ok("index", "status", "--watch", "--interval", "200ms", "--iterations", "300");
        String last = r.out().substring(r.out().lastIndexOf("collection"));
        String line = last.lines().filter(l -> l.startsWith("ann ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(line.matches("ann\\s+ready\\s+1000/1000\\s+\\[#{20}] 100%\\s+0\\s+-\\s+0\\s+\\d+\\.\\d MiB\\s+0"), line);
        assertFalse(last.contains("docs"), "a flat collection has no line: " + last);
        // The graph's size as the mount gives it in .vexfs/index, in MiB as the table prints it.
        String tsv = Files.readString(mount.mnt.resolve(".vexfs/index"));
        long graphBytes = Long.parseLong(tsv.lines().filter(l -> l.startsWith("ann\t")).findFirst().orElseThrow().split("\t")[8]);
        assertTrue(line.contains(String.format(Locale.ROOT, "%.1f MiB", graphBytes / (double) (1 << 20))), line + " / " + tsv);
    }

    @Test
    void analysesRankWithEvidence() {
        LiveMount.Run b = ok("bottlenecks", "identify");
        assertTrue(b.out().contains("1. [") && b.out().contains("evidence: ") && b.out().contains("helps: "), b.out());
        LiveMount.Run windowed = ok("bottlenecks", "identify", "--window", "200ms");
        assertTrue(windowed.out().contains("in the last 0."), windowed.out());
        LiveMount.Run slow = ok("slow-log", "analyze");
        assertTrue(slow.out().contains("By operation") && slow.out().contains("By collection")
                && slow.out().lines().anyMatch(l -> l.startsWith(".vexfs ")), slow.out());
        assertEquals("docs", SlowLogCommand.collection("/docs/a.vec"));
        assertEquals("docs", SlowLogCommand.collection("/docs"));
        assertEquals("/", SlowLogCommand.collection("/"));
        assertTrue(ok("resources", "analyze").out().contains("mount heap"));
        LiveMount.Run io = ok("io", "bottlenecks");
        assertTrue(io.out().contains("Write-ahead log") && io.out().contains("vm.dirty_ratio"), io.out());
    }

    @Test
    void profileRecordsInTheMountAndAnalyzesTheRecording() throws IOException {
        ok("profile", "start", "--duration", "1s");
        assertTrue(Files.readString(mount.mnt.resolve(".vexfs/profile")).contains("state recording"));
        Files.readString(mount.mnt.resolve("docs/a.vec"));
        ok("profile", "stop");
        LiveMount.Run status = ok("profile", "status");
        String file = status.out().lines().filter(l -> l.startsWith("file ")).findFirst().orElseThrow().substring(5);
        assertFalse(file.equals("none"), status.out());
        LiveMount.Run analyzed = ok("profile", "analyze");
        assertTrue(analyzed.out().contains("Hottest methods") && analyzed.out().contains(file), analyzed.out());
    }

    @Test
    void defaultMountComesFromTheConfig() throws IOException {
        Path conf = mount.root.resolve("pick.conf");
        Files.writeString(conf, "[mount]\nmountpoint = \"" + mount.mnt + "\"\n");
        assertEquals(0, LiveMount.run("--config", conf.toString(), "storage", "analyze").exit());
    }
}
