package io.vexfs.bench.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One measured phase (e.g. vexfs single queries with SIMD) over all rounds: per-round figures and their medians. */
public final class PhaseStats {
    private final String name;
    private final List<Integer> queries = new ArrayList<>();
    private final List<Double> seconds = new ArrayList<>();
    private final List<Double> qps = new ArrayList<>();
    private final List<Double> p50Us = new ArrayList<>();
    private final List<Double> p99Us = new ArrayList<>();
    private final List<ServerMetrics.Delta> server = new ArrayList<>();

    public PhaseStats(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** A run of {@code count} queries in {@code wallSeconds}, with per-query latencies in ns if one query per call. */
    public void add(int count, double wallSeconds, long[] latencyNanos, ServerMetrics.Delta delta) {
        queries.add(count);
        seconds.add(wallSeconds);
        qps.add(count / wallSeconds);
        if (latencyNanos != null) {
            long[] sorted = latencyNanos.clone();
            Arrays.sort(sorted);
            p50Us.add(percentile(sorted, 0.50) / 1e3);
            p99Us.add(percentile(sorted, 0.99) / 1e3);
        }
        if (delta != null) {
            server.add(delta);
        }
    }

    /** A run timed by someone else (the FAISS peer), as it reports it. */
    public void addReported(int count, double reportedQps, double p50, double p99) {
        queries.add(count);
        seconds.add(count / reportedQps);
        qps.add(reportedQps);
        if (!Double.isNaN(p50)) {
            p50Us.add(p50);
            p99Us.add(p99);
        }
    }

    /** Nearest-rank percentile. */
    private static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    public static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public int runs() {
        return qps.size();
    }

    public List<Double> qps() {
        return qps;
    }

    public double medianQps() {
        return median(qps);
    }

    public double medianP50Us() {
        return median(p50Us);
    }

    public double medianP99Us() {
        return median(p99Us);
    }

    public boolean hasLatency() {
        return !p50Us.isEmpty();
    }

    public int queriesPerRun() {
        return queries.isEmpty() ? 0 : queries.getFirst();
    }

    /** The server's totals over every run of this phase, summed. */
    public ServerMetrics.Delta serverTotal() {
        Map<String, Double> opSeconds = new LinkedHashMap<>();
        Map<String, Long> opCounts = new LinkedHashMap<>();
        long searches = 0;
        long scanned = 0;
        long cacheHits = 0;
        for (ServerMetrics.Delta d : server) {
            d.opSeconds().forEach((op, s) -> opSeconds.merge(op, s, Double::sum));
            d.opCounts().forEach((op, c) -> opCounts.merge(op, c, Long::sum));
            searches += d.searches();
            scanned += d.vectorsScanned();
            cacheHits += d.cacheHits();
        }
        return new ServerMetrics.Delta(opSeconds, opCounts, searches, scanned, cacheHits);
    }

    public boolean hasServer() {
        return !server.isEmpty();
    }

    public double totalQueries() {
        return queries.stream().mapToDouble(Integer::doubleValue).sum();
    }

    public double totalSeconds() {
        return seconds.stream().mapToDouble(Double::doubleValue).sum();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runs", runs());
        json.put("queries_per_run", queries);
        json.put("qps_per_run", qps);
        json.put("median_qps", medianQps());
        if (hasLatency()) {
            json.put("p50_us_per_run", p50Us);
            json.put("p99_us_per_run", p99Us);
            json.put("median_p50_us", medianP50Us());
            json.put("median_p99_us", medianP99Us());
        }
        if (hasServer()) {
            ServerMetrics.Delta total = serverTotal();
            json.put("server_op_seconds", total.opSeconds());
            json.put("server_op_counts", total.opCounts());
            json.put("server_searches", total.searches());
            json.put("server_vectors_scanned", total.vectorsScanned());
            json.put("server_cache_hits", total.cacheHits());
            json.put("client_wall_seconds", totalSeconds());
        }
        return json;
    }
}
