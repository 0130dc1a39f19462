package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.stream.Collectors;

/** {@code vexctl metrics show}: the mount's Prometheus metrics as tables. */
@Command(name = "metrics", mixinStandardHelpOptions = true, description = "Read .vexfs/metrics.")
final class MetricsCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Operations (count, latency percentiles) and every counter and gauge of the mount.")
    int show(@Option(names = "--all", description = "Also list operations that never ran.") boolean all,
             @Option(names = "--raw", description = "Print the Prometheus text as the mount serves it.") boolean raw)
            throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        if (raw) {
            out.print(plane.read("metrics"));
            return Vexctl.OK;
        }
        MetricsScrape m = plane.scrape();
        out.println("Operations of " + plane.mount() + " (count and total since the mount started; percentiles over its last minute)");
        Table ops = new Table("op", "count", "mean", "p50", "p95", "p99", "max");
        for (MetricsScrape.OpStats s : m.opStats()) {
            if (all || s.count() > 0) {
                ops.row(s.op(), s.count(), Units.micros(s.meanMicros()), Units.quantile(s.p50Micros()),
                        Units.quantile(s.p95Micros()), Units.quantile(s.p99Micros()), Units.quantile(s.maxMicros()));
            }
        }
        ops.print(out);
        Table.heading(out, "Counters and gauges");
        Table values = new Table("metric", "value");
        for (MetricsScrape.Sample s : m.samples()) {
            if (!s.name().startsWith(MetricsScrape.OP_SECONDS)) {
                values.row(s.name() + labels(s), display(s.name(), s.value()));
            }
        }
        values.print(out);
        return Vexctl.OK;
    }

    private static String labels(MetricsScrape.Sample s) {
        if (s.labels().isEmpty()) {
            return "";
        }
        return s.labels().entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    static String display(String name, double value) {
        return name.contains("_bytes") ? Units.bytes(value) : Units.number(value);
    }
}
