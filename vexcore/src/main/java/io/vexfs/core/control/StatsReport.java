package io.vexfs.core.control;

import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.metrics.MetricsSnapshot;
import io.vexfs.core.metrics.OpStats;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.metrics.VexGauge;
import io.vexfs.pool.PoolStats;
import io.vexfs.pool.TierStats;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * .vexfs/stats: the human summary. Rates are measured against the newest snapshot that is at
 * least a second old (or since start), so `watch cat .vexfs/stats` shows current ops/s even
 * though every stat of the file renders it too.
 */
public final class StatsReport {
    private final VexStore store;
    private final Supplier<PoolStats> pool;
    private static final long MIN_WINDOW_MS = 1000;
    /** Text collections' embedding progress; empty when there are none. */
    private final Supplier<String> text;
    private MetricsSnapshot previous;
    private MetricsSnapshot latest;

    public StatsReport(VexStore store, Supplier<PoolStats> pool, Supplier<String> text) {
        this.store = store;
        this.pool = pool;
        this.text = text;
    }

    public synchronized String render() {
        MetricsSnapshot now = store.metrics().snapshot();
        if (latest != null && now.takenAt().toEpochMilli() - latest.takenAt().toEpochMilli() >= MIN_WINDOW_MS) {
            previous = latest;
            latest = now;
        } else if (latest == null) {
            latest = now;
        }
        MetricsSnapshot before = previous;
        double seconds = before == null ? now.uptime().toNanos() / 1e9
                : (now.takenAt().toEpochMilli() - before.takenAt().toEpochMilli()) / 1e3;
        StringBuilder sb = new StringBuilder();
        Map<String, Collection> collections = new TreeMap<>(store.collections());
        long vectors = collections.values().stream().mapToLong(Collection::vectorCount).sum();
        line(sb, "uptime", String.format(Locale.ROOT, "%.0f s", now.uptime().toNanos() / 1e9));
        line(sb, "collections", collections.size() + "");
        line(sb, "vectors", vectors + "");
        for (Map.Entry<String, Collection> e : collections.entrySet()) {
            var s = e.getValue().settings();
            line(sb, "  " + e.getKey(), e.getValue().vectorCount() + " vectors, dim " + s.dim() + ", " + s.metric().key()
                    + ", " + indexText(e.getKey(), e.getValue()) + ", version " + e.getValue().version());
        }
        Runtime rt = Runtime.getRuntime();
        line(sb, "heap", mib(rt.totalMemory() - rt.freeMemory()) + " used of " + mib(rt.maxMemory()));
        PoolStats p = pool.get();
        line(sb, "pool", (p.pooling() ? "on" : "off") + ", " + mib(p.heldBytesInUse()) + " in use of " + mib(p.capacityBytes())
                + ", high water " + mib(p.highWaterBytes()) + ", hit rate " + pct(p.hitRate())
                + ", fragmentation " + pct(p.fragmentation()));
        for (TierStats t : p.tiers()) {
            line(sb, "  tier " + t.tier().slotSize() / 1024 + "K", t.slotsInUse() + "/" + t.slots() + " slots, "
                    + t.hits() + " hits, " + t.misses() + " misses");
        }
        line(sb, "query cache", "hit rate " + pct(now.queryCacheHitRate()) + " (" + now.count(VexCounter.QUERY_CACHE_HITS)
                + " hits, " + now.count(VexCounter.QUERY_CACHE_MISSES) + " misses)");
        line(sb, "searches", now.count(VexCounter.SEARCHES) + " (" + now.count(VexCounter.VECTORS_SCANNED) + " vectors scanned)");
        line(sb, "commits", now.count(VexCounter.COMMITS) + " (" + now.count(VexCounter.VECTOR_WRITES) + " vectors written)");
        line(sb, "storage", (long) now.value(VexGauge.SEGMENTS) + " segments, " + mib(now.value(VexGauge.DATA_BYTES)) + " of data, "
                + mib(now.value(VexGauge.LIVE_BYTES)) + " live, " + size(now.count(VexCounter.BYTES_COMPACTED))
                + " compacted");
        line(sb, "log", size(now.count(VexCounter.WAL_BYTES)) + " written, " + now.count(VexCounter.WAL_FSYNCS) + " fsyncs, "
                + now.count(VexCounter.COMPACTIONS) + " checkpoints");
        line(sb, "rejected", now.count(VexCounter.REJECTED_OPERATIONS) + " (see .vexfs/errors)");
        String textSection = text.get();
        if (!textSection.isEmpty()) {
            sb.append("text\n").append(textSection);
        }
        sb.append(String.format(Locale.ROOT, "%nops over the last %.1f s:%n", seconds));
        sb.append(String.format(Locale.ROOT, "  %-10s %10s %10s %10s %10s %10s%n", "op", "count", "ops/s", "p50 us", "p95 us", "p99 us"));
        for (OpStats op : now.ops()) {
            long earlier = before == null ? 0 : before.ops().stream().filter(o -> o.op().equals(op.op()))
                    .mapToLong(OpStats::count).findFirst().orElse(0);
            long delta = op.count() - earlier;
            if (op.count() == 0) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "  %-10s %10d %10.1f %10.1f %10.1f %10.1f%n", op.op(), op.count(),
                    seconds > 0 ? delta / seconds : 0.0, op.p50Micros(), op.p95Micros(), op.p99Micros()));
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(String.format(Locale.ROOT, "%-14s %s%n", key, value));
    }

    private static String mib(double bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
    }

    private static String size(long bytes) {
        return bytes < 1 << 20 ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0) : mib(bytes);
    }

    private static String pct(double rate) {
        return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * rate);
    }

    /** "flat", or the hnsw index's progress and memory (see {@link IndexProgress#statsText}). */
    private static String indexText(String name, Collection c) {
        IndexProgress.Row hnsw = IndexProgress.of(name, c);
        return hnsw == null ? c.settings().index() : IndexProgress.statsText(hnsw);
    }
}
