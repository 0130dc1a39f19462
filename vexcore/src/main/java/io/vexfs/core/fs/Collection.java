package io.vexfs.core.fs;

import io.vexfs.core.search.SearchEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * A top-level directory's vectors, versioned so that a search sees one consistent state
 * without holding a lock: entries are appended, marked dead with the version that removed
 * them, and published together with the version in one immutable {@link Table}.
 * Mutators run under the store's commit lock; readers only read {@link #table}.
 */
public final class Collection {
    /** One stored file's vectors. {@code died} is the version that removed it. */
    public static final class Entry {
        final SearchEntry search;
        final long born;
        volatile long died = Long.MAX_VALUE;

        Entry(SearchEntry search, long born) {
            this.search = search;
            this.born = born;
        }

        public SearchEntry search() {
            return search;
        }
    }

    /** A published state: entries[0..size) as of {@code version}. */
    record Table(Entry[] entries, int size, long version, long vectors) {
    }

    /** The live entries of one version, built once per version and shared by searches. */
    public record Snapshot(long version, List<SearchEntry> entries, long vectors) {
    }

    private volatile CollectionSettings settings;
    private volatile Table table = new Table(new Entry[16], 0, 0, 0);
    private volatile Snapshot lastSnapshot;
    private int deadEntries;

    Collection(CollectionSettings settings) {
        this.settings = settings;
    }

    public CollectionSettings settings() {
        return settings;
    }

    void setSettings(CollectionSettings settings) {
        this.settings = settings;
    }

    public long version() {
        return table.version();
    }

    public long vectorCount() {
        return table.vectors();
    }

    public boolean hasVectors() {
        return table.vectors() > 0;
    }

    /** Replaces {@code old} (null: nothing) by {@code search} (null: nothing) as one new version. */
    Entry replace(Entry old, SearchEntry search) {
        Table t = table;
        long v = t.version() + 1;
        long vectors = t.vectors();
        if (old != null) {
            old.died = v;
            deadEntries++;
            vectors -= old.search.rows();
        }
        Entry[] arr = t.entries();
        int size = t.size();
        Entry added = null;
        if (search != null) {
            added = new Entry(search, v);
            if (size == arr.length) {
                arr = java.util.Arrays.copyOf(arr, arr.length * 2);
            }
            arr[size++] = added;
            vectors += search.rows();
        }
        table = new Table(arr, size, v, vectors);
        if (deadEntries > 64 && deadEntries * 2 > size) {
            compact();
        }
        return added;
    }

    private void compact() {
        Table t = table;
        Entry[] live = new Entry[Math.max(16, (t.size() - deadEntries) * 2)];
        int n = 0;
        for (int i = 0; i < t.size(); i++) {
            if (t.entries()[i].died == Long.MAX_VALUE) {
                live[n++] = t.entries()[i];
            }
        }
        // Same version: the compacted table describes exactly the same live set.
        table = new Table(live, n, t.version(), t.vectors());
        deadEntries = 0;
    }

    /** The live entries as of the current version; cheap when nothing changed since the last call. */
    public Snapshot snapshot() {
        Table t = table;
        Snapshot s = lastSnapshot;
        if (s != null && s.version() == t.version()) {
            return s;
        }
        List<SearchEntry> live = new ArrayList<>(t.size());
        long v = t.version();
        for (int i = 0; i < t.size(); i++) {
            Entry e = t.entries()[i];
            if (e.born <= v && e.died > v) {
                live.add(e.search);
            }
        }
        s = new Snapshot(v, List.copyOf(live), t.vectors());
        lastSnapshot = s;
        return s;
    }
}
