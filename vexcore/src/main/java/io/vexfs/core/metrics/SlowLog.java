package io.vexfs.core.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The most recent operations at or above a threshold (config slow_op_threshold), for
 * .vexfs/slowlog. Fast operations cost one comparison; slow ones take a short lock, which is
 * fine because they are rare by definition and already slow.
 */
public final class SlowLog {
    public static final int DEFAULT_CAPACITY = 128;

    private record Entry(Instant at, String op, String path, long nanos) {
    }

    private final long thresholdNanos;
    private final Clock clock;
    private final Entry[] ring;
    private int next;
    private int size;

    public SlowLog(Duration threshold) {
        this(threshold, DEFAULT_CAPACITY, Clock.systemUTC());
    }

    SlowLog(Duration threshold, int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        }
        this.thresholdNanos = threshold.toNanos();
        this.clock = clock;
        this.ring = new Entry[capacity];
    }

    public Duration threshold() {
        return Duration.ofNanos(thresholdNanos);
    }

    /** Keeps the operation if it took at least the threshold, dropping the oldest kept one when full. */
    public void record(String op, String path, long nanos) {
        if (nanos < thresholdNanos) {
            return;
        }
        Entry entry = new Entry(clock.instant(), op, path, nanos);
        synchronized (ring) {
            ring[next] = entry;
            next = (next + 1) % ring.length;
            size = Math.min(size + 1, ring.length);
        }
    }

    /** Lines {@code time<TAB>op<TAB>microseconds<TAB>path}, slowest first. */
    public String render() {
        List<Entry> entries = new ArrayList<>(ring.length);
        synchronized (ring) {
            for (int i = 0; i < size; i++) {
                entries.add(ring[i]);
            }
        }
        entries.sort(Comparator.comparingLong(Entry::nanos).reversed());
        StringBuilder out = new StringBuilder(entries.size() * 80);
        for (Entry e : entries) {
            out.append(LogText.time(e.at())).append('\t').append(LogText.field(e.op())).append('\t')
                    .append(e.nanos() / 1000).append('\t').append(LogText.field(e.path())).append('\n');
        }
        return out.toString();
    }
}
