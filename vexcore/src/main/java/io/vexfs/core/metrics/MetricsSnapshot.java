package io.vexfs.core.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything .vexfs/stats shows, read at one moment: latency per operation (sorted by name)
 * and the value of every counter and bound gauge, keyed by metric name. Two snapshots give
 * rates: the difference of counts over the difference of {@code takenAt}.
 */
public record MetricsSnapshot(Instant takenAt, Duration uptime, List<OpStats> ops, Map<String, Double> values) {

    public MetricsSnapshot {
        ops = List.copyOf(ops);
        values = Map.copyOf(values);
    }

    public long count(VexCounter counter) {
        return Math.round(values.getOrDefault(counter.metricName(), 0.0));
    }

    /** The gauge's value, or NaN when nothing is bound to it. */
    public double value(VexGauge gauge) {
        return values.getOrDefault(gauge.metricName(), Double.NaN);
    }

    /** Hits over lookups of the query result cache; NaN before the first lookup. */
    public double queryCacheHitRate() {
        return hitRate(count(VexCounter.QUERY_CACHE_HITS), count(VexCounter.QUERY_CACHE_MISSES));
    }

    /** Hits over requests of the buffer pool; NaN before the first request or when the pool is not bound. */
    public double poolHitRate() {
        return hitRate(value(VexGauge.POOL_HITS), value(VexGauge.POOL_MISSES));
    }

    private static double hitRate(double hits, double misses) {
        return hits / (hits + misses);
    }
}
