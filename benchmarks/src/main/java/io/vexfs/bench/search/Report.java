package io.vexfs.bench.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The table on stdout and the JSON document: every figure measured, the ratios, and the targets with met / not met. */
public final class Report {
    /** The dataset the single-query target is set on (the issue: 100k x 128). */
    public static final String SINGLE_TARGET_DATASET = "random-100k";
    public static final double SINGLE_TARGET_RATIO = 3.0;

    private final StringBuilder table = new StringBuilder();
    private final List<Map<String, Object>> targets = new ArrayList<>();

    public String table() {
        return table.toString();
    }

    public List<Map<String, Object>> targets() {
        return targets;
    }

    /** Appends one dataset's section to the table and returns its JSON. */
    public Map<String, Object> dataset(DatasetBench d, int rounds) throws IOException {
        Map<String, PhaseStats> phases = d.phases();
        int threads = d.faissThreads();
        Map<String, Recall> recall = d.recall();
        line("");
        line("== %s: %d x %d, %s (FAISS %s); base.fvecs %.1f MB copied in by cp-like write in %.2f s (%.0f MB/s)", d.name(),
                d.baseRows(), d.dim(), d.metric(), d.metric().equals("l2") ? "IndexFlatL2" : "IndexFlatIP", d.baseBytes() / 1e6,
                d.ingestSeconds(), d.baseBytes() / 1e6 / d.ingestSeconds());
        line("   %d rounds; per round %d single queries (k=10) per vexfs phase and %d in one batch file; FAISS at %s threads each round",
                rounds, d.singles(), d.batch(), d.peerThreads());
        line("%-36s %8s %11s %11s %11s %10s %10s", "phase", "queries", "QPS median", "p50 us", "p99 us", "recall@10",
                "worst q");
        Map<String, Object> phasesJson = new LinkedHashMap<>();
        for (PhaseStats p : phases.values()) {
            Recall r = recall.get(p.name());
            line("%-36s %8d %11.1f %11s %11s %10s %10s", p.name(), p.queriesPerRun(), p.medianQps(),
                    p.hasLatency() ? String.format("%.0f", p.medianP50Us()) : "-",
                    p.hasLatency() ? String.format("%.0f", p.medianP99Us()) : "-",
                    r == null ? "ref" : String.format("%.4f", r.recall()),
                    r == null ? "-" : String.format("%.2f", r.worstQuery()));
            Map<String, Object> json = p.toJson();
            if (r != null) {
                json.put("recall_at_10", r.recall());
                json.put("recall_worst_query", r.worstQuery());
                json.put("recall_queries_checked", r.queries());
                json.put("max_relative_distance_difference_vs_faiss", r.maxDistanceError());
            }
            phasesJson.put(p.name(), json);
        }

        PhaseStats faissSingle = phases.get(DatasetBench.faissSingle(threads));
        PhaseStats faissBatch = phases.get(DatasetBench.faissBatch(threads));
        PhaseStats faissSingle1 = phases.get(DatasetBench.faissSingle(1));
        PhaseStats faissBatch1 = phases.get(DatasetBench.faissBatch(1));
        PhaseStats single = phases.get(DatasetBench.SINGLE_SIMD);
        PhaseStats batch = phases.get(DatasetBench.BATCH_SIMD);
        Map<String, Object> ratios = new LinkedHashMap<>();
        line("ratios (median of the per-round ratios):");
        ratio(ratios, "vexfs single simd / faiss single " + threads + "t", single, faissSingle);
        ratio(ratios, "vexfs batch simd / faiss batch " + threads + "t", batch, faissBatch);
        ratio(ratios, "vexfs single simd / faiss single 1t", single, faissSingle1);
        ratio(ratios, "vexfs batch simd / faiss batch 1t", batch, faissBatch1);
        double bestBatchRatio = medianRatioToBest(batch, faissBatch, faissBatch1);
        ratios.put("vexfs batch simd / faiss batch best of 1t and " + threads + "t", bestBatchRatio);
        line("  %-44s %8.2fx", "vexfs batch simd / faiss batch, best thread count", bestBatchRatio);
        ratio(ratios, "vexfs 2 clients / 1 client (simd on)", phases.get(DatasetBench.SINGLE_TWO_CLIENTS), single);
        ratio(ratios, "simd on / off, single", single, phases.get(DatasetBench.SINGLE_SCALAR));
        ratio(ratios, "simd on / off, batch", batch, phases.get(DatasetBench.BATCH_SCALAR));

        line("where a query's time goes (us per query, all rounds; server = the mount's vexfs_op_seconds less one idle");
        line("reading of .vexfs/metrics per run, so an op the query barely uses can come out slightly negative):");
        Map<String, Object> split = new LinkedHashMap<>();
        for (String name : List.of(DatasetBench.SINGLE_SIMD, DatasetBench.SINGLE_SCALAR, DatasetBench.BATCH_SIMD,
                DatasetBench.BATCH_SCALAR)) {
            split.put(name, timeSplit(phases.get(name), d.dim()));
        }

        double singleRatio = medianRatio(single, faissSingle);
        if (d.name().equals(SINGLE_TARGET_DATASET)) {
            target(d.name(), "single-query QPS >= " + SINGLE_TARGET_RATIO + "x FAISS one-at-a-time (" + threads + " threads)",
                    String.format("%.2fx", singleRatio), singleRatio >= SINGLE_TARGET_RATIO);
        }
        target(d.name(), "batched QPS >= FAISS batched, best of 1 and " + threads + " threads", String.format("%.2fx", bestBatchRatio),
                bestBatchRatio >= 1.0);
        double worstRecall = recall.values().stream().mapToDouble(Recall::recall).min().orElse(Double.NaN);
        target(d.name(), "recall@10 = 1.0 (every vexfs phase)", String.format("%.4f", worstRecall), worstRecall == 1.0);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", d.name());
        json.put("rows", d.baseRows());
        json.put("dim", d.dim());
        json.put("metric", d.metric());
        json.put("base_bytes", d.baseBytes());
        json.put("ingest_seconds", d.ingestSeconds());
        json.put("single_queries_per_run", d.singles());
        json.put("batch_queries", d.batch());
        json.put("phases", phasesJson);
        json.put("ratios", ratios);
        json.put("time_split_us_per_query", split);
        return json;
    }

    private Map<String, Object> timeSplit(PhaseStats p, int dim) {
        ServerMetrics.Delta server = p.serverTotal();
        double queries = p.totalQueries();
        double wallUs = p.totalSeconds() / queries * 1e6;
        double serverUs = server.totalOpSeconds() / queries * 1e6;
        StringBuilder ops = new StringBuilder();
        Map<String, Object> opJson = new LinkedHashMap<>();
        server.opSeconds().entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> {
                    double us = e.getValue() / queries * 1e6;
                    double calls = server.opCounts().get(e.getKey()) / queries;
                    ops.append(String.format(" %s %.0f (%.2g calls)", e.getKey(), us, calls));
                    opJson.put(e.getKey(), Map.of("us_per_query", us, "calls_per_query", calls));
                });
        double flushSeconds = server.opSeconds().getOrDefault("flush", 0.0);
        double scanGbs = server.vectorsScanned() * (double) dim * Float.BYTES / flushSeconds / 1e9;
        double requests = server.opCounts().values().stream().mapToLong(Long::longValue).sum() / queries;
        line("  %-34s wall %.0f = server %.0f [%s ] + outside the server (kernel FUSE, client) %.0f;", p.name(), wallUs,
                serverUs, ops.toString().trim(), wallUs - serverUs);
        line("  %-34s %.1f FUSE requests per query, %.0f us outside the server per request", "", requests,
                (wallUs - serverUs) / requests);
        line("  %-34s %.0f vectors scanned per query, read at %.2f GB/s during flush (search + result text)", "",
                server.vectorsScanned() / queries, scanGbs);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("client_wall_us", wallUs);
        json.put("server_us", serverUs);
        json.put("outside_server_us", wallUs - serverUs);
        json.put("server_ops", opJson);
        json.put("fuse_requests_per_query", requests);
        json.put("vectors_scanned_per_query", server.vectorsScanned() / queries);
        json.put("flush_scan_gb_per_s", scanGbs);
        return json;
    }

    private void ratio(Map<String, Object> json, String label, PhaseStats numerator, PhaseStats denominator) {
        double r = medianRatio(numerator, denominator);
        json.put(label, r);
        line("  %-44s %8.2fx", label, r);
    }

    /** Per-round ratios when both ran every round (interleaved pairs), else the ratio of the medians. */
    static double medianRatio(PhaseStats numerator, PhaseStats denominator) {
        if (numerator.runs() != denominator.runs()) {
            return numerator.medianQps() / denominator.medianQps();
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < numerator.runs(); i++) {
            ratios.add(numerator.qps().get(i) / denominator.qps().get(i));
        }
        return PhaseStats.median(ratios);
    }

    /** Per round, the numerator over the better of two peers in that round; the median of those. */
    static double medianRatioToBest(PhaseStats numerator, PhaseStats a, PhaseStats b) {
        if (numerator.runs() != a.runs() || numerator.runs() != b.runs()) {
            return numerator.medianQps() / Math.max(a.medianQps(), b.medianQps());
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < numerator.runs(); i++) {
            ratios.add(numerator.qps().get(i) / Math.max(a.qps().get(i), b.qps().get(i)));
        }
        return PhaseStats.median(ratios);
    }

    private void target(String dataset, String what, String measured, boolean met) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("dataset", dataset);
        t.put("target", what);
        t.put("measured", measured);
        t.put("met", met);
        targets.add(t);
    }

    /** The targets, after all datasets. */
    public void targetsSection() {
        line("");
        line("== targets");
        for (Map<String, Object> t : targets) {
            line("  %-14s %-62s %10s  %s", t.get("dataset"), t.get("target"), t.get("measured"),
                    (Boolean) t.get("met") ? "MET" : "NOT MET");
        }
    }

    public void line(String format, Object... args) {
        table.append(String.format(format, args)).append('\n');
    }
}
