package io.vexfs.core.metrics;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent rejected operations, for .vexfs/errors: what a user reads to learn why a
 * write returned EINVAL. Bounded; the oldest entry goes when a new one arrives at capacity.
 */
public final class ErrorLog {
    public static final int DEFAULT_CAPACITY = 256;

    private record Entry(Instant at, String path, String errno, String where, String reason) {
    }

    private final int capacity;
    private final Clock clock;
    private final ArrayDeque<Entry> entries;

    public ErrorLog() {
        this(DEFAULT_CAPACITY, Clock.systemUTC());
    }

    ErrorLog(int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
        this.clock = clock;
        this.entries = new ArrayDeque<>(capacity);
    }

    /**
     * @param path   the path as the user named it
     * @param errno  the symbolic error, e.g. "EINVAL"
     * @param where  the place in the input ("line 3", "row 41", "header"), or "" when it is the whole
     * @param reason what was wrong
     */
    public void record(String path, String errno, String where, String reason) {
        Entry entry = new Entry(clock.instant(), path, errno, where == null ? "" : where, reason);
        synchronized (entries) {
            if (entries.size() == capacity) {
                entries.removeFirst();
            }
            entries.addLast(entry);
        }
    }

    /** Lines {@code time<TAB>path<TAB>errno<TAB>where: reason} (just the reason when where is empty), oldest first. */
    public String render() {
        List<Entry> copy;
        synchronized (entries) {
            copy = new ArrayList<>(entries);
        }
        StringBuilder out = new StringBuilder(copy.size() * 100);
        for (Entry e : copy) {
            out.append(LogText.time(e.at())).append('\t').append(LogText.field(e.path())).append('\t')
                    .append(LogText.field(e.errno())).append('\t');
            if (!e.where().isEmpty()) {
                out.append(LogText.field(e.where())).append(": ");
            }
            out.append(LogText.field(e.reason())).append('\n');
        }
        return out.toString();
    }
}
