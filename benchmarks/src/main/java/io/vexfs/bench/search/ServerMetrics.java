package io.vexfs.bench.search;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reading of a mount's .vexfs/metrics (Prometheus text), and what changed between two:
 * the mount's own time per FUSE operation, searches and vectors scanned. Comparing the server's
 * time with the client's wall time splits a query into search and FUSE round trips.
 */
public final class ServerMetrics {
    private static final String OP_SUM = "vexfs_op_seconds_sum{op=\"";
    private static final String OP_COUNT = "vexfs_op_seconds_count{op=\"";
    /**
     * The mount reuses a control file's rendering for 250 ms (one `cat` must see one size), so
     * a reading sooner than that after the previous one would repeat the old figures.
     */
    private static final long RENDERING_REUSE_MILLIS = 300;

    private final Map<String, Double> samples;

    private ServerMetrics(Map<String, Double> samples) {
        this.samples = samples;
    }

    private static ServerMetrics read(Path mount) throws IOException, InterruptedException {
        Thread.sleep(RENDERING_REUSE_MILLIS);
        Map<String, Double> samples = new HashMap<>();
        for (String line : Files.readAllLines(mount.resolve(".vexfs/metrics"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.valueOf(line.substring(space + 1)));
        }
        return new ServerMetrics(samples);
    }

    private double value(String name) {
        Double v = samples.get(name);
        if (v == null) {
            throw new IllegalStateException(".vexfs/metrics has no sample " + name);
        }
        return v;
    }

    /** What happened on the server between {@code before} and this reading. */
    private Delta since(ServerMetrics before) {
        Map<String, Double> opSeconds = new TreeMap<>();
        Map<String, Long> opCounts = new TreeMap<>();
        for (String name : samples.keySet()) {
            if (name.startsWith(OP_SUM)) {
                String op = name.substring(OP_SUM.length(), name.length() - 2);
                long count = Math.round(value(OP_COUNT + op + "\"}") - before.value(OP_COUNT + op + "\"}"));
                if (count > 0) {
                    opSeconds.put(op, value(name) - before.value(name));
                    opCounts.put(op, count);
                }
            }
        }
        return new Delta(opSeconds, opCounts,
                Math.round(value("vexfs_searches_total") - before.value("vexfs_searches_total")),
                Math.round(value("vexfs_vectors_scanned_total") - before.value("vexfs_vectors_scanned_total")),
                Math.round(value("vexfs_query_cache_hits_total") - before.value("vexfs_query_cache_hits_total")));
    }

    /**
     * Starts an interval. Reading the metrics is itself a stat, open, read and close that the
     * next reading counts, so two readings with nothing between them measure that cost, which
     * {@link Interval#finish} takes off.
     */
    public static Interval start(Path mount) throws IOException, InterruptedException {
        ServerMetrics idle = read(mount);
        ServerMetrics start = read(mount);
        return new Interval(mount, start, start.since(idle));
    }

    /** An interval being measured; {@code readingCost} is what one reading of the metrics adds. */
    public record Interval(Path mount, ServerMetrics start, Delta readingCost) {
        public Delta finish() throws IOException, InterruptedException {
            return read(mount).since(start).minus(readingCost);
        }
    }

    /** Server-side totals over an interval: seconds and calls per FUSE op, queries searched, vectors compared. */
    public record Delta(Map<String, Double> opSeconds, Map<String, Long> opCounts, long searches, long vectorsScanned,
                        long cacheHits) {
        /** These totals without {@code other}'s; an op left with no calls is dropped. */
        Delta minus(Delta other) {
            Map<String, Double> seconds = new TreeMap<>();
            Map<String, Long> counts = new TreeMap<>();
            opCounts.forEach((op, count) -> {
                long left = count - other.opCounts().getOrDefault(op, 0L);
                if (left > 0) {
                    counts.put(op, left);
                    seconds.put(op, opSeconds.get(op) - other.opSeconds().getOrDefault(op, 0.0));
                }
            });
            return new Delta(seconds, counts, searches - other.searches(), vectorsScanned - other.vectorsScanned(),
                    cacheHits - other.cacheHits());
        }

        public double totalOpSeconds() {
            return opSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }
}
