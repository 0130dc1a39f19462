package io.vexfs.core.metrics;

/**
 * Latency of one FUSE operation. {@code count} and {@code meanMicros} cover the whole
 * uptime; the percentiles and the maximum cover a window of the last two minutes or so,
 * so they describe current behaviour.
 */
public record OpStats(
        String op, long count, double meanMicros, double p50Micros, double p95Micros, double p99Micros,
        double maxMicros) {
}
