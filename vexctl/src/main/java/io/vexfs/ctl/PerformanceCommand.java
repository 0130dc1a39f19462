package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code vexctl performance dashboard|report|compare}. */
@Command(name = "performance", mixinStandardHelpOptions = true, description = "Live view, reports and comparisons.")
final class PerformanceCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "dashboard", mixinStandardHelpOptions = true,
            description = {"A live view refreshed every --interval: ops/s by operation (from the mount's counts), p50/p95/p99, hit rates, memory.",
                    "Quit with q or Ctrl-C on a terminal; elsewhere give --iterations."})
    int dashboard(@Option(names = "--interval", defaultValue = "1s", converter = Units.DurationConverter.class,
                          description = "Time between frames (default ${DEFAULT-VALUE}).") Duration interval,
                  @Option(names = "--iterations", defaultValue = "0", description = "Frames to show, then stop; 0 = until q or Ctrl-C.") int iterations)
            throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        try (Terminal terminal = Terminal.open()) {
            MetricsScrape previous = plane.scrape();
            for (int frame = 1; iterations == 0 || frame <= iterations; frame++) {
                if (terminal.waitForQuit(interval)) {
                    break;
                }
                MetricsScrape now = plane.scrape();
                if (terminal.raw()) {
                    out.print("\033[H\033[2J");
                }
                frame(out, plane, previous, now, frame, interval);
                out.flush();
                previous = now;
            }
        }
        return Vexctl.OK;
    }

    private static void frame(PrintWriter out, ControlPlane plane, MetricsScrape before, MetricsScrape now, int frame, Duration interval) {
        double seconds = now.secondsSince(before);
        out.printf("vexfs dashboard  %s  %s  frame %d (every %s; q or Ctrl-C quits)%n", plane.mount(), now.at(), frame, Units.seconds(interval));
        Table t = new Table("op", "ops/s", "p50", "p95", "p99", "total");
        for (MetricsScrape.OpStats s : now.opStats()) {
            long delta = s.count() - before.opCount(s.op());
            if (s.count() > 0) {
                t.row(s.op(), Units.rate(delta / seconds), Units.quantile(s.p50Micros()), Units.quantile(s.p95Micros()),
                        Units.quantile(s.p99Micros()), s.count());
            }
        }
        t.print(out);
        out.printf("query cache hit rate %s   pool hit rate %s   searches %s   vectors written %s   log %s/s%n",
                windowRate(before, now, "vexfs_query_cache_hits_total", "vexfs_query_cache_misses_total"),
                windowRate(before, now, "vexfs_pool_hits_total", "vexfs_pool_misses_total"),
                Units.rate(delta(before, now, "vexfs_searches_total") / seconds),
                Units.rate(delta(before, now, "vexfs_vectors_written_total") / seconds),
                Units.bytes(delta(before, now, "vexfs_wal_written_bytes_total") / seconds));
        out.printf("heap %s of %s   pool %s   vectors stored %s   collections %s%n",
                Units.bytes(now.valueOrZero("vexfs_heap_used_bytes")), Units.bytes(now.valueOrZero("vexfs_heap_max_bytes")),
                now.has("vexfs_pool_used_bytes") ? Units.bytes(now.valueOrZero("vexfs_pool_used_bytes")) + " of "
                        + Units.bytes(now.valueOrZero("vexfs_pool_capacity_bytes")) : "n/a",
                CacheCommand.count(now, "vexfs_vectors_stored"), CacheCommand.count(now, "vexfs_collections"));
        out.println();
    }

    private static double delta(MetricsScrape before, MetricsScrape now, String name) {
        return now.valueOrZero(name) - before.valueOrZero(name);
    }

    /** Hits over hits and misses in the window; "n/a" when nothing was asked of the cache in it. */
    private static String windowRate(MetricsScrape before, MetricsScrape now, String hits, String misses) {
        if (!now.has(hits) || !now.has(misses)) {
            return "n/a";
        }
        double h = delta(before, now, hits);
        double total = h + delta(before, now, misses);
        return total == 0 ? "idle" : Units.percent(h / total);
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "A Markdown report of the mount's figures over --window, with its JSON beside it (report.md -> report.json).")
    int report(@Option(names = "--output", required = true, paramLabel = "FILE", description = "The Markdown file.") Path output,
               @Option(names = "--window", defaultValue = "2s", converter = Units.DurationConverter.class,
                       description = "How long to measure rates over (default ${DEFAULT-VALUE}).") Duration window) throws IOException {
        ControlPlane plane = root.controlPlane();
        Observation o = Observation.take(plane, window);
        double seconds = o.now().secondsSince(o.before());
        Map<String, PerfReport.Figure> figures = PerfReport.newFigures();
        List<PerfReport.OpFigures> ops = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("# VexFS performance report\n\n")
                .append("Mount `").append(plane.mount()).append("`, ").append(o.now().at()).append(", rates over ")
                .append(String.format(Locale.ROOT, "%.1f s", seconds)).append(".\n\n## Operations\n\n")
                .append("Counts and mean since the mount started; ops/s over the window; percentiles over the mount's last minute.\n\n")
                .append("| op | count | ops/s | mean | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (MetricsScrape.OpStats s : o.now().opStats()) {
            if (s.count() == 0) {
                continue;
            }
            double rate = o.op(s.op()).count() / seconds;
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |%n", s.op(), s.count(), Units.rate(rate),
                    Units.micros(s.meanMicros()), Units.quantile(s.p50Micros()), Units.quantile(s.p95Micros()), Units.quantile(s.p99Micros()),
                    Units.quantile(s.maxMicros())));
            ops.add(new PerfReport.OpFigures(s.op(), s.count(), 0, 0, rate, s.p50Micros(), s.p95Micros(), s.p99Micros(), s.maxMicros()));
            figures.put(s.op() + ".ops_per_s", new PerfReport.Figure(rate, "ops/s", PerfReport.HIGHER));
            figures.put(s.op() + ".mean_us", new PerfReport.Figure(s.meanMicros(), "us", PerfReport.LOWER));
            figures.put(s.op() + ".p99_us", new PerfReport.Figure(s.p99Micros(), "us", PerfReport.LOWER));
        }
        md.append("\n## Hit rates and memory\n\n| figure | value |\n|---|---:|\n");
        hitRate(md, figures, o, "query_cache", "vexfs_query_cache_hits_total", "vexfs_query_cache_misses_total");
        hitRate(md, figures, o, "pool", "vexfs_pool_hits_total", "vexfs_pool_misses_total");
        for (String gauge : List.of("vexfs_heap_used_bytes", "vexfs_heap_max_bytes", "vexfs_pool_used_bytes", "vexfs_pool_capacity_bytes",
                "vexfs_vectors_stored", "vexfs_collections", "vexfs_segments")) {
            if (o.has(gauge)) {
                md.append("| ").append(gauge).append(" | ").append(MetricsCommand.display(gauge, o.gauge(gauge))).append(" |\n");
            }
        }
        if (o.has("vexfs_heap_used_bytes")) {
            figures.put("heap_used_bytes", new PerfReport.Figure(o.gauge("vexfs_heap_used_bytes"), "bytes", PerfReport.LOWER));
        }
        md.append("\n## Storage (since the mount started)\n\n| counter | value |\n|---|---:|\n");
        for (MetricsScrape.Sample s : o.now().samples()) {
            if (s.labels().isEmpty() && s.name().endsWith("_total") && s.name().startsWith("vexfs_")) {
                md.append("| ").append(s.name()).append(" | ").append(MetricsCommand.display(s.name(), s.value())).append(" |\n");
            }
        }
        md.append("\n## Toggles\n\n");
        o.toggles().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v ? "on" : "off").append('\n'));
        md.append("\n## Slowest recent operations\n\n| time | op | latency | path |\n|---|---|---:|---|\n");
        o.slowlog().stream().limit(10).forEach(s -> md.append("| ").append(s.time()).append(" | ").append(s.op()).append(" | ")
                .append(Units.micros(s.micros())).append(" | `").append(s.path()).append("` |\n"));
        Files.writeString(output, md);
        Path json = PerfReport.jsonBeside(output);
        new PerfReport("live", Instant.now().toString(), plane.mount().toString(), null, figures, ops, null, null, null, null, null).write(json);
        root.out().println("wrote " + output.toAbsolutePath() + " and " + json.toAbsolutePath() + " (" + figures.size() + " figures)");
        return Vexctl.OK;
    }

    private static void hitRate(StringBuilder md, Map<String, PerfReport.Figure> figures, Observation o, String name, String hits, String misses) {
        if (!o.has(hits) || !o.has(misses)) {
            return;
        }
        double h = o.now().valueOrZero(hits);
        double total = h + o.now().valueOrZero(misses);
        md.append("| ").append(name).append(" hit rate (since start) | ").append(total == 0 ? "n/a" : Units.percent(h / total)).append(" |\n");
        if (total > 0) {
            figures.put(name + ".hit_rate_pct", new PerfReport.Figure(100 * h / total, "%", PerfReport.HIGHER));
        }
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Each figure of two reports (JSON, or the .md with its JSON beside it) with its change in percent.")
    int compare(@Option(names = "--baseline", required = true, paramLabel = "A") Path baseline,
                @Option(names = "--current", required = true, paramLabel = "B") Path current,
                @Option(names = "--threshold", defaultValue = "10", description = "Percent worse that counts as a regression (default ${DEFAULT-VALUE}).") double threshold) {
        PerfReport a = PerfReport.read(baseline);
        PerfReport b = PerfReport.read(current);
        PrintWriter out = root.out();
        out.println("baseline " + baseline + " (" + a.kind() + ", " + a.createdAt() + ")");
        out.println("current  " + current + " (" + b.kind() + ", " + b.createdAt() + ")");
        List<Comparison.Change> changes = Comparison.compare(a, b, threshold);
        Comparison.print(out, changes);
        out.println(Comparison.regressions(changes) + " figure(s) worse by more than " + threshold + "%");
        return Vexctl.OK;
    }
}
