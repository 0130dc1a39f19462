package io.vexfs.ctl;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What vexctl read from a mount for one analysis: the metrics (and, for a live window, the
 * metrics at its start), the effective config, the toggles and the slow log.
 *
 * @param before the scrape at the start of the window, or null when figures are since the mount started
 */
record Observation(ControlPlane plane, MetricsScrape before, MetricsScrape now, VexConfigFile config,
                   Map<String, Boolean> toggles, List<ControlPlane.SlowOp> slowlog) {

    /** Reads the mount; with a non-zero window, scrapes twice that far apart so counts are of the window. */
    static Observation take(ControlPlane plane, Duration window) throws IOException {
        MetricsScrape before = null;
        if (!window.isZero()) {
            before = plane.scrape();
            sleep(window);
        }
        return new Observation(plane, before, plane.scrape(), plane.config(), plane.optimizations(), plane.slowlog());
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** "in the last 5.0 s" or "since the mount started". */
    String span() {
        return before == null ? "since the mount started" : "in the last " + String.format(Locale.ROOT, "%.1f s", now.secondsSince(before));
    }

    /** An operation's figures over the window: count and total time are deltas, percentiles the mount's recent ones. */
    MetricsScrape.OpStats op(String op) {
        MetricsScrape.OpStats s = now.op(op);
        if (before == null) {
            return s;
        }
        MetricsScrape.OpStats b = before.op(op);
        return new MetricsScrape.OpStats(op, s.count() - b.count(), s.totalMicros() - b.totalMicros(),
                s.p50Micros(), s.p95Micros(), s.p99Micros(), s.maxMicros());
    }

    List<MetricsScrape.OpStats> ops() {
        return now.ops().stream().map(this::op).toList();
    }

    /** A counter over the window (or its total). */
    double counter(String name) {
        double v = now.valueOrZero(name);
        return before == null ? v : v - before.valueOrZero(name);
    }

    double gauge(String name) {
        return now.valueOrZero(name);
    }

    boolean has(String name) {
        return now.has(name);
    }

    boolean toggle(String name, boolean fallback) {
        return toggles.getOrDefault(name, fallback);
    }
}
