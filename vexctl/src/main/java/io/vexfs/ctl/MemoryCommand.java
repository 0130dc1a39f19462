package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code vexctl memory stats|analyze|leaks check}: the mount's heap and off-heap pool. */
@Command(name = "memory", mixinStandardHelpOptions = true, description = "Heap and off-heap buffer pool of the mount.",
        subcommands = MemoryCommand.Leaks.class)
final class MemoryCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Heap, buffer pool and this machine's memory.")
    int stats() throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        MetricsScrape m = plane.scrape();
        Map<String, Long> mem = SystemInfo.meminfo();
        Table t = new Table("memory", "used", "capacity", "use");
        row(t, "mount heap", m, "vexfs_heap_used_bytes", "vexfs_heap_max_bytes");
        row(t, "off-heap buffer pool", m, "vexfs_pool_used_bytes", "vexfs_pool_capacity_bytes");
        long total = mem.getOrDefault("MemTotal", 0L);
        long available = mem.getOrDefault("MemAvailable", 0L);
        t.row("machine (MemTotal - MemAvailable)", Units.bytes(total - available), Units.bytes(total),
                Units.percent(total == 0 ? 0 : (double) (total - available) / total));
        t.print(out);
        out.println();
        out.println("buffer pool: " + CacheCommand.state(plane.optimizations(), "memory") + ", configured "
                + plane.config().string("performance.memory_pool_size").orElse("n/a") + ", hit rate "
                + CacheCommand.hitRate(m, "vexfs_pool_hits_total", "vexfs_pool_misses_total"));
        return Vexctl.OK;
    }

    private static void row(Table t, String what, MetricsScrape m, String used, String capacity) {
        if (m.has(used) && m.has(capacity)) {
            double u = m.valueOrZero(used);
            double c = m.valueOrZero(capacity);
            t.row(what, Units.bytes(u), Units.bytes(c), c == 0 ? "n/a" : Units.percent(u / c));
        } else {
            t.row(what, "n/a", "n/a", "n/a");
        }
    }

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "What in memory holds the mount back, with the numbers and the setting that would help.")
    int analyze() throws IOException {
        Observation o = Observation.take(root.controlPlane(), Duration.ZERO);
        PrintWriter out = root.out();
        out.println("Memory of " + o.plane().mount() + ": heap " + Units.bytes(o.gauge("vexfs_heap_used_bytes")) + " of "
                + Units.bytes(o.gauge("vexfs_heap_max_bytes")) + ", toggles " + o.toggles());
        Diagnosis.print(out, Diagnosis.memory(o, SystemInfo.meminfo()));
        return Vexctl.OK;
    }

    /** {@code memory leaks check}. */
    @Command(name = "leaks", mixinStandardHelpOptions = true, description = "Leak checks of the mount's buffers and handles.")
    static final class Leaks {
        @ParentCommand
        MemoryCommand memory;

        @Command(name = "check", mixinStandardHelpOptions = true,
                description = {"Samples the pool, heap and open handles while the mount is idle.",
                        "Fails (exit 1) when pool bytes grow in every sample with no operations but ours, or the pool reports detected leaks."})
        int check(@Option(names = "--samples", defaultValue = "4", description = "Samples to take (default ${DEFAULT-VALUE}).") int samples,
                  @Option(names = "--interval", defaultValue = "500ms", converter = Units.DurationConverter.class,
                          description = "Time between samples (default ${DEFAULT-VALUE}).") Duration interval) throws IOException {
            if (samples < 2) {
                throw new Vexctl.UsageException("--samples must be at least 2");
            }
            ControlPlane plane = memory.root.controlPlane();
            PrintWriter out = memory.root.out();
            List<MetricsScrape> scrapes = new ArrayList<>();
            for (int i = 0; i < samples; i++) {
                if (i > 0) {
                    Observation.sleep(interval);
                }
                scrapes.add(plane.scrape());
            }
            Table t = new Table("sample", "pool used", "heap used", "open handles", "ops by others");
            boolean poolGrewWhileIdle = scrapes.getFirst().has("vexfs_pool_used_bytes");
            for (int i = 0; i < scrapes.size(); i++) {
                MetricsScrape s = scrapes.get(i);
                long others = i == 0 ? 0 : othersOps(scrapes.get(i - 1), s);
                t.row(i + 1, s.has("vexfs_pool_used_bytes") ? Units.bytes(s.valueOrZero("vexfs_pool_used_bytes")) : "n/a",
                        Units.bytes(s.valueOrZero("vexfs_heap_used_bytes")), openHandles(s), i == 0 ? "-" : others);
                if (i > 0) {
                    poolGrewWhileIdle &= others == 0
                            && s.valueOrZero("vexfs_pool_used_bytes") > scrapes.get(i - 1).valueOrZero("vexfs_pool_used_bytes");
                }
            }
            t.print(out);
            double detected = 0;
            for (MetricsScrape.Sample s : scrapes.getLast().samples()) {
                if (s.name().contains("leak")) {
                    detected += s.value();
                    out.println(s.name() + " = " + Units.number(s.value()));
                }
            }
            out.println();
            if (poolGrewWhileIdle || detected > 0) {
                out.println("LEAK SUSPECTED: " + (detected > 0 ? "the pool detected " + Units.number(detected) + " unreleased buffers"
                        : "pool bytes grew in every sample while no operation ran"));
                return Vexctl.CHECK_FAILED;
            }
            out.println("no leak found: " + (scrapes.getFirst().has("vexfs_pool_used_bytes")
                    ? "pool bytes did not grow while idle" : "this mount does not expose pool bytes; handles checked only")
                    + "; open handles = opens + creates - releases, including vexctl's own read of metrics");
            return Vexctl.OK;
        }

        /** Handles open at the scrape: one of them is vexctl's own open of .vexfs/metrics. */
        private static long openHandles(MetricsScrape s) {
            return s.opCount("open") + s.opCount("create") - s.opCount("release");
        }

        /**
         * Operations between two scrapes other than vexctl's own: a read of a control file costs
         * getattr, open, read, flush and release, in numbers that vary, so only the ops a read never
         * does count as another client's.
         */
        private static long othersOps(MetricsScrape a, MetricsScrape b) {
            long n = 0;
            for (String op : b.ops()) {
                if (!List.of("getattr", "open", "read", "flush", "release").contains(op)) {
                    n += b.opCount(op) - a.opCount(op);
                }
            }
            return n;
        }
    }
}
