package io.vexfs.bench.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the measurements into the table on stdout and the JSON result file. Every printed
 * figure is a median of measured samples; what was not measured prints as "n/a" with a reason.
 */
final class Report {
    static final double STAT_RATIO_TARGET = 1.3;
    static final double WRITES_TARGET = 5000;
    static final double CP_TARGET_MB_S = 300;
    static final double REMOUNT_TARGET_S = 3;
    static final double POOL_HIT_TARGET = 0.85;
    static final String POOL_HITS = "vexfs_pool_hits_total";
    static final String POOL_MISSES = "vexfs_pool_misses_total";
    static final String POOL_ABSENT = "not measured: " + POOL_HITS + " / " + POOL_MISSES
            + " are not in .vexfs/metrics of this build";

    /** One line of the table, kept also in the JSON summary. */
    record Row(String measure, String unit, Double poolOn, Double poolOff, Double cHello, Double onVsC, Double offVsC,
               String target, String met) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<String> analysis = new ArrayList<>();

    Report(Map<String, Object> header) {
        json.putAll(header);
    }

    static double poolHitRate(PromText metrics) {
        double hits = metrics.get(POOL_HITS);
        double misses = metrics.get(POOL_MISSES);
        return hits + misses > 0 ? hits / (hits + misses) : Double.NaN;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    void smallOps(Map<SmallOps.Measure, Map<String, SmallOps.Series>> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : results.entrySet()) {
            SmallOps.Measure m = e.getKey();
            Map<String, SmallOps.Series> byTarget = e.getValue();
            Map<String, Object> mj = new LinkedHashMap<>();
            mj.put("label", m.label);
            mj.put("unit", "ops/s");
            mj.put("client_threads", m.threads);
            Map<String, Object> tj = new LinkedHashMap<>();
            byTarget.forEach((key, s) -> tj.put(key, seriesJson(s, key.startsWith("vexfs"))));
            mj.put("targets", tj);
            Double onVsC = null;
            Double offVsC = null;
            if (m.alsoC) {
                onVsC = pairedRatio(byTarget.get(CoreBench.C_HELLO), byTarget.get(CoreBench.POOL_ON));
                offVsC = pairedRatio(byTarget.get(CoreBench.C_HELLO), byTarget.get(CoreBench.POOL_OFF));
                mj.put("latency_ratio_ours_over_c", Map.of(
                        "definition", "per round: C ops/s / ours ops/s, then the median over rounds",
                        CoreBench.POOL_ON, onVsC, CoreBench.POOL_OFF, offVsC));
            }
            String target = "";
            String met = "";
            if (m == SmallOps.Measure.STAT) {
                target = "ours/C <= " + STAT_RATIO_TARGET;
                met = met(onVsC <= STAT_RATIO_TARGET, offVsC <= STAT_RATIO_TARGET);
            } else if (m == SmallOps.Measure.WRITE_1) {
                target = ">= " + (int) WRITES_TARGET + "/s";
                met = met(medianOf(byTarget.get(CoreBench.POOL_ON)) >= WRITES_TARGET,
                        medianOf(byTarget.get(CoreBench.POOL_OFF)) >= WRITES_TARGET);
            }
            mj.put("target", target);
            mj.put("met", met);
            out.put(m.name().toLowerCase(), mj);
            rows.add(new Row(m.label, "ops/s", medianOf(byTarget.get(CoreBench.POOL_ON)),
                    medianOf(byTarget.get(CoreBench.POOL_OFF)), m.alsoC ? medianOf(byTarget.get(CoreBench.C_HELLO)) : null,
                    onVsC, offVsC, target, met));
            for (String key : List.of(CoreBench.POOL_ON, CoreBench.POOL_OFF)) {
                SmallOps.Series s = byTarget.get(key);
                long ops = s.clientOps();
                double client = median(s.rounds.stream().map(Load.Rate::microsPerOp).toList());
                analysis.add(String.format("%-32s %-15s client %7.1f us/op; in vexfs %7.1f us/op; FUSE calls per op: %s",
                        m.label, key, client, s.ops.totalSeconds() / ops * 1e6, s.ops.summary(ops)));
            }
        }
        json.put("small_ops", out);
    }

    private static Map<String, Object> seriesJson(SmallOps.Series s, boolean vexfs) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("samples", s.perSecond());
        j.put("median", median(s.perSecond()));
        j.put("client_us_per_op_median", median(s.rounds.stream().map(Load.Rate::microsPerOp).toList()));
        j.put("client_ops", s.clientOps());
        if (vexfs) {
            j.put("server_us_per_client_op", s.ops.totalSeconds() / s.clientOps() * 1e6);
            j.put("fuse_ops", s.ops.perClientOp(s.clientOps()));
        }
        return j;
    }

    private static double medianOf(SmallOps.Series s) {
        return median(s.perSecond());
    }

    /** Median over rounds of (C rate / our rate) in the same round: how many times longer our op takes. */
    private static double pairedRatio(SmallOps.Series c, SmallOps.Series ours) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(c.rounds.size(), ours.rounds.size()); i++) {
            ratios.add(c.rounds.get(i).perSecond() / ours.rounds.get(i).perSecond());
        }
        return median(ratios);
    }

    void bulk(List<BulkCopy.Run> runs, long vectors, long bytes) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vectors", vectors);
        out.put("file_bytes", bytes);
        out.put("mb", "10^6 bytes");
        List<Map<String, Object>> reps = new ArrayList<>();
        for (BulkCopy.Run r : runs) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("mode", r.mode());
            j.put("rep", r.rep());
            j.put("empty_start_seconds", r.emptyStartSeconds());
            j.put("cp_seconds", r.cpSeconds());
            j.put("cp_mb_per_s", r.mbPerSecond());
            j.put("stop_seconds", r.stopSeconds());
            j.put("remount_seconds", r.remount().seconds());
            j.put("replayed_records", r.remount().replayedRecords());
            j.put("replay_ms", r.remount().replayMillis());
            j.put("pool_hit_rate", Double.isNaN(r.poolHitRate()) ? null : r.poolHitRate());
            j.put("fuse_ops_during_cp", r.ops().perClientOp(1));
            reps.add(j);
        }
        out.put("reps", reps);
        json.put("bulk", out);

        double cpOn = medianRuns(runs, CoreBench.POOL_ON, BulkCopy.Run::mbPerSecond);
        double cpOff = medianRuns(runs, CoreBench.POOL_OFF, BulkCopy.Run::mbPerSecond);
        rows.add(new Row(String.format("cp %,d x 128 .fvecs", vectors), "MB/s", cpOn, cpOff, null, null, null,
                ">= " + (int) CP_TARGET_MB_S + " MB/s", met(cpOn >= CP_TARGET_MB_S, cpOff >= CP_TARGET_MB_S)));
        rows.add(new Row("stop (SIGTERM until exit)", "s", medianRuns(runs, CoreBench.POOL_ON, BulkCopy.Run::stopSeconds),
                medianRuns(runs, CoreBench.POOL_OFF, BulkCopy.Run::stopSeconds), null, null, null, "", ""));
        rows.add(new Row("start on an empty data dir", "s", medianRuns(runs, CoreBench.POOL_ON, BulkCopy.Run::emptyStartSeconds),
                medianRuns(runs, CoreBench.POOL_OFF, BulkCopy.Run::emptyStartSeconds), null, null, null, "", ""));
        double reOn = medianRuns(runs, CoreBench.POOL_ON, r -> r.remount().seconds());
        double reOff = medianRuns(runs, CoreBench.POOL_OFF, r -> r.remount().seconds());
        rows.add(new Row(String.format("remount with %,d vectors", vectors), "s", reOn, reOff, null, null, null,
                "< " + (int) REMOUNT_TARGET_S + " s", met(reOn < REMOUNT_TARGET_S, reOff < REMOUNT_TARGET_S)));
        rows.add(new Row("  of which replay (mount's report)", "ms",
                medianRuns(runs, CoreBench.POOL_ON, r -> r.remount().replayMillis()),
                medianRuns(runs, CoreBench.POOL_OFF, r -> r.remount().replayMillis()), null, null, null, "", ""));
        rows.add(new Row("  log records replayed", "records",
                medianRuns(runs, CoreBench.POOL_ON, r -> r.remount().replayedRecords()),
                medianRuns(runs, CoreBench.POOL_OFF, r -> r.remount().replayedRecords()), null, null, null, "", ""));
        for (BulkCopy.Run r : runs) {
            if (r.mode().equals(CoreBench.POOL_ON)) {
                long calls = (long) r.ops().get("write").calls();
                analysis.add(String.format("cp rep %d %-15s %.2f s: %,d write calls, %.2f s in write; flush (commit) %.2f s; "
                                + "release %.2f s; stop %.2f s; remount %.2f s (replay %d ms)", r.rep(), r.mode(), r.cpSeconds(),
                        calls, r.ops().get("write").seconds(), r.ops().get("flush").seconds(),
                        r.ops().get("release").seconds(), r.stopSeconds(), r.remount().seconds(), r.remount().replayMillis()));
            }
        }
    }

    private static double medianRuns(List<BulkCopy.Run> runs, String mode, ToDoubleFunction<BulkCopy.Run> f) {
        return median(runs.stream().filter(r -> r.mode().equals(mode)).map(r -> f.applyAsDouble(r)).toList());
    }

    /** Hit rate of the pool=on mount: over the per-op workload, and over the cp repetitions. */
    void poolHitRates(Map<String, Double> smallOps, List<BulkCopy.Run> runs) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("definition", POOL_HITS + " / (" + POOL_HITS + " + " + POOL_MISSES + ") from .vexfs/metrics");
        smallOps.forEach((k, v) -> out.put("small_ops_" + k, Double.isNaN(v) ? null : v));
        double cpOn = medianRuns(runs, CoreBench.POOL_ON, BulkCopy.Run::poolHitRate);
        double cpOff = medianRuns(runs, CoreBench.POOL_OFF, BulkCopy.Run::poolHitRate);
        out.put("cp_" + CoreBench.POOL_ON, Double.isNaN(cpOn) ? null : cpOn);
        out.put("cp_" + CoreBench.POOL_OFF, Double.isNaN(cpOff) ? null : cpOff);
        boolean absent = smallOps.values().stream().allMatch(d -> Double.isNaN(d)) && Double.isNaN(cpOn);
        if (absent) {
            out.put("note", POOL_ABSENT);
        }
        json.put("pool_hit_rate", out);
        String target = ">= " + (int) (POOL_HIT_TARGET * 100) + "% (pool=on)";
        double on = smallOps.getOrDefault(CoreBench.POOL_ON, Double.NaN);
        rows.add(new Row("pool hit rate, per-op workload", "%", pct(on), pct(smallOps.getOrDefault(CoreBench.POOL_OFF, Double.NaN)),
                null, null, null, target, Double.isNaN(on) ? "n/a" : on >= POOL_HIT_TARGET ? "met" : "NOT met"));
        rows.add(new Row("pool hit rate, cp", "%", pct(cpOn), pct(cpOff), null, null, null, target,
                Double.isNaN(cpOn) ? "n/a" : cpOn >= POOL_HIT_TARGET ? "met" : "NOT met"));
        if (absent) {
            analysis.add("pool hit rate: " + POOL_ABSENT);
        }
    }

    private static Double pct(double rate) {
        return Double.isNaN(rate) ? Double.NaN : rate * 100;
    }

    private static String met(boolean on, boolean off) {
        return "on " + (on ? "met" : "NOT met") + " / off " + (off ? "met" : "NOT met");
    }

    void print() {
        String fmt = "%-36s %-7s %10s %10s %10s %6s %6s  %-18s %s%n";
        System.out.println();
        System.out.printf(fmt, "measure", "unit", "pool=on", "pool=off", "C hello", "on/C", "off/C", "target", "met");
        System.out.println("-".repeat(140));
        for (Row r : rows) {
            System.out.printf(fmt, r.measure(), r.unit(), num(r.poolOn()), num(r.poolOff()), num(r.cHello()),
                    ratio(r.onVsC()), ratio(r.offVsC()), r.target(), r.met());
        }
        System.out.println();
        System.out.println("on/C, off/C: latency ratio ours/C (C ops/s over ours, per round, median). n/a: not measured, see the JSON.");
        System.out.println();
        System.out.println("Where the time goes (pool=on and pool=off mounts, from .vexfs/metrics vexfs_op_seconds):");
        analysis.forEach(System.out::println);
    }

    private static String num(Double v) {
        if (v == null) {
            return "-";
        }
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return Math.abs(v) >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
    }

    private static String ratio(Double v) {
        return v == null ? "-" : String.format("%.2f", v);
    }

    void write(Path out) throws IOException {
        List<Map<String, Object>> summary = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("measure", r.measure());
            j.put("unit", r.unit());
            j.put(CoreBench.POOL_ON, nullIfNaN(r.poolOn()));
            j.put(CoreBench.POOL_OFF, nullIfNaN(r.poolOff()));
            j.put(CoreBench.C_HELLO, nullIfNaN(r.cHello()));
            j.put("on_vs_c", nullIfNaN(r.onVsC()));
            j.put("off_vs_c", nullIfNaN(r.offVsC()));
            j.put("target", r.target());
            j.put("met", r.met());
            summary.add(j);
        }
        json.put("summary", summary);
        json.put("analysis", analysis);
        Files.createDirectories(out.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        System.out.println();
        System.out.println("bench-core: results written to " + out);
    }

    private static Double nullIfNaN(Double v) {
        return v == null || Double.isNaN(v) ? null : v;
    }
}
