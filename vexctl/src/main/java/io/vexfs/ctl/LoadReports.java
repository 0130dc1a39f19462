package io.vexfs.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A load run as a table and as the report JSON, with the mount's own count of what happened beside ours. */
final class LoadReports {
    private LoadReports() {
    }

    static PerfReport report(String kind, LoadGenerator.Result r, List<PerfReport.StressStep> steps) {
        Map<String, PerfReport.Figure> f = PerfReport.newFigures();
        LatencyHistogram all = r.all();
        f.put("ops_per_s", new PerfReport.Figure(r.ops() / r.seconds(), "ops/s", PerfReport.HIGHER));
        f.put("p50_us", new PerfReport.Figure(all.quantileNanos(0.5) / 1e3, "us", PerfReport.LOWER));
        f.put("p95_us", new PerfReport.Figure(all.quantileNanos(0.95) / 1e3, "us", PerfReport.LOWER));
        f.put("p99_us", new PerfReport.Figure(all.quantileNanos(0.99) / 1e3, "us", PerfReport.LOWER));
        f.put("errors", new PerfReport.Figure(r.errors(), "errors", PerfReport.LOWER));
        List<PerfReport.OpFigures> ops = operations(r);
        for (PerfReport.OpFigures o : ops) {
            if (o.count() > 0) {
                f.put(o.op() + ".ops_per_s", new PerfReport.Figure(o.opsPerSecond(), "ops/s", PerfReport.HIGHER));
                f.put(o.op() + ".p99_us", new PerfReport.Figure(o.p99Us(), "us", PerfReport.LOWER));
            }
        }
        Map<String, Long> mountOps = new LinkedHashMap<>();
        for (String op : r.mountAfter().ops()) {
            mountOps.put(op, r.mountAfter().opCount(op) - r.mountBefore().opCount(op));
        }
        Map<String, Double> counters = new LinkedHashMap<>();
        for (MetricsScrape.Sample s : r.mountAfter().samples()) {
            if (s.labels().isEmpty() && s.name().endsWith("_total")) {
                counters.put(s.name(), s.value() - r.mountBefore().valueOrZero(s.name()));
            }
        }
        LoadGenerator.Spec spec = r.spec();
        return new PerfReport(kind, PerfReport.now(), r.collection().getParent().toString(),
                new PerfReport.Workload(spec.duration().toNanos() / 1e9, spec.concurrency(), spec.dim(), spec.vectorsPerFile(), spec.mix().toString()),
                f, ops, mountOps, counters, steps, r.filesCreated(), r.vectorsWritten());
    }

    static List<PerfReport.OpFigures> operations(LoadGenerator.Result r) {
        List<PerfReport.OpFigures> ops = new ArrayList<>();
        for (LoadGenerator.KindResult k : r.kinds()) {
            LatencyHistogram h = k.latency();
            ops.add(new PerfReport.OpFigures(k.kind().label(), h.count(), k.errors(), k.skipped(), h.count() / r.seconds(),
                    h.quantileNanos(0.5) / 1e3, h.quantileNanos(0.95) / 1e3, h.quantileNanos(0.99) / 1e3, h.maxNanos() / 1e3));
        }
        return ops;
    }

    static void print(PrintWriter out, LoadGenerator.Result r, PerfReport report) {
        LoadGenerator.Spec s = r.spec();
        out.printf("Load of %s: %d threads for %.1f s, mix %s, %d-dim vectors, %d per file%n",
                r.collection().getParent(), s.concurrency(), r.seconds(), s.mix(), s.dim(), s.vectorsPerFile());
        Table t = new Table("op", "count", "ops/s", "p50", "p95", "p99", "max", "errors");
        for (PerfReport.OpFigures o : report.operations()) {
            boolean none = o.count() == 0;
            t.row(o.op(), o.count(), Units.rate(o.opsPerSecond()), none ? "-" : Units.micros(o.p50Us()), none ? "-" : Units.micros(o.p95Us()),
                    none ? "-" : Units.micros(o.p99Us()), none ? "-" : Units.micros(o.maxUs()), o.errors());
        }
        LatencyHistogram all = r.all();
        t.row("all", all.count(), Units.rate(all.count() / r.seconds()), Units.micros(all.quantileNanos(0.5) / 1e3),
                Units.micros(all.quantileNanos(0.95) / 1e3), Units.micros(all.quantileNanos(0.99) / 1e3),
                Units.micros(all.maxNanos() / 1e3), r.errors());
        t.print(out);
        if (!r.searchAvailable()) {
            out.println("searches skipped: this mount has no .search/ directory yet ("
                    + r.kinds().get(LoadGenerator.Kind.SEARCH.ordinal()).skipped() + " picked)");
        }
        for (LoadGenerator.KindResult k : r.kinds()) {
            if (k.firstError() != null) {
                out.println("first " + k.kind().label() + " error: " + k.firstError());
            }
        }
        out.printf("the mount counted: %d creates (we created %d files), %d writes, %d reads, %.0f vectors written (we wrote %d)%n",
                report.mountOps().getOrDefault("create", 0L), r.filesCreated(), report.mountOps().getOrDefault("write", 0L),
                report.mountOps().getOrDefault("read", 0L), report.mountCounters().getOrDefault("vexfs_vectors_written_total", 0.0),
                r.vectorsWritten());
    }
}
