package io.vexfs.core.fs;

import io.vexfs.core.content.Span;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.storage.Segment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A top-level directory's vectors, versioned so that a search sees one consistent state
 * without holding a lock: entries are appended, marked dead with the version that removed
 * them, and published together with the version in one immutable {@link Table}.
 * Mutators run under the store's commit lock; readers only read {@link #table}.
 *
 * <p>With index = hnsw the collection also keeps a {@link CollectionIndex}: each change is
 * handed to the store's {@link Indexer} in commit order, and the index catches up in the
 * background, so a commit never waits for graph inserts.
 */
public final class Collection {
    /** One stored file's vectors. {@code died} is the version that removed it. */
    public static final class Entry {
        final SearchEntry search;
        final Span floats;
        final long born;
        /** Never reused within the collection. */
        final int fileNumber;
        volatile long died = Long.MAX_VALUE;
        /** The generation of the {@link CollectionIndex} that holds all of its rows; 0 for none. */
        volatile int indexedGeneration;

        Entry(SearchEntry search, Span floats, long born, int fileNumber) {
            this.search = search;
            this.floats = floats;
            this.born = born;
            this.fileNumber = fileNumber;
        }

        public SearchEntry search() {
            return search;
        }

        /** Where the vectors behind the search view are stored: their segment must be pinned while the view is read. */
        public Span floats() {
            return floats;
        }

        public int fileNumber() {
            return fileNumber;
        }

        /** Whether this file is part of the collection as of {@code version}. */
        public boolean liveAt(long version) {
            return born <= version && version < died;
        }
    }

    /** A published state: entries[0..size) as of {@code version}. */
    record Table(Entry[] entries, int size, long version, long vectors) {
    }

    /**
     * The live entries of one version ({@code live}, and their search views in {@code entries}),
     * built once per version and shared by searches, with the segments that hold them.
     */
    public record Snapshot(long version, List<SearchEntry> entries, List<Entry> live, long vectors, List<Segment> segments) {
        /**
         * Pins the segments, so their mappings stay while a search reads them (the search checks
         * each stored block on first touch as it scans: see SearchEntry.check). False, with
         * nothing pinned, when a segment is gone already: the snapshot is old, take a new one.
         */
        public boolean pin() {
            for (int i = 0; i < segments.size(); i++) {
                if (!segments.get(i).tryPin()) {
                    for (int j = 0; j < i; j++) {
                        segments.get(j).unpin();
                    }
                    return false;
                }
            }
            return true;
        }

        public void unpin() {
            for (Segment s : segments) {
                s.unpin();
            }
        }
    }

    private final Indexer indexer;
    private final FileTable files = new FileTable();
    private volatile CollectionSettings settings;
    private volatile CollectionIndex hnsw;
    private int lastGeneration;
    private volatile Table table = new Table(new Entry[16], 0, 0, 0);
    private volatile Snapshot lastSnapshot;
    private int deadEntries;
    /**
     * A text collection's chunk embeddings: a second versioned table beside the vector files',
     * one multi-row entry per embedded text file, never seen by vector queries. Made on first use,
     * under the commit lock.
     */
    private volatile Collection chunkSet;
    private static final Snapshot NO_CHUNKS = new Snapshot(0, List.of(), List.of(), 0, List.of());

    Collection(CollectionSettings settings, Indexer indexer) {
        this.indexer = indexer;
        this.settings = settings;
    }

    public CollectionSettings settings() {
        return settings;
    }

    /** Under the commit lock. Starts a new index (and enqueues every live file for it) when the index's shape changes. */
    void setSettings(CollectionSettings next) {
        CollectionSettings before = settings;
        settings = next;
        if (!next.hnsw()) {
            if (hnsw != null) {
                indexer.retire(hnsw);
            }
            hnsw = null;
            return;
        }
        if (next.dim() == 0) {
            // The first vector sets the dimension, and an index needs it.
            return;
        }
        boolean sameGraph = hnsw != null && before.hnsw() && before.dim() == next.dim() && before.metric() == next.metric()
                && before.m() == next.m() && before.efConstruction() == next.efConstruction() && before.alpha() == next.alpha();
        if (sameGraph) {
            if (before.pqSubspaces() != next.pqSubspaces() || before.quantization() != next.quantization()) {
                // The graph is linked by exact scores whatever the codes: only they are made again.
                indexer.requantize(this, hnsw);
            }
            return;
        }
        CollectionIndex index = indexer.newIndex(++lastGeneration, next);
        if (hnsw != null) {
            indexer.retire(hnsw);
        }
        hnsw = index;
        Table t = table;
        for (int i = 0; i < t.size(); i++) {
            Entry e = t.entries()[i];
            if (e.died == Long.MAX_VALUE) {
                indexer.add(this, index, e);
            }
        }
    }

    /** The hnsw index searches use, or null when the index is flat (or no vector has set the dimension yet). */
    public CollectionIndex hnsw() {
        return hnsw;
    }

    /** The live entry with this file number, or null; safe without a lock. */
    public Entry entry(int fileNumber) {
        return files.get(fileNumber);
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

    /** Replaces {@code old} (null: nothing) by {@code search} over {@code floats} (null: nothing) as one new version. */
    Entry replace(Entry old, SearchEntry search, Span floats) {
        Table t = table;
        long v = t.version() + 1;
        long vectors = t.vectors();
        CollectionIndex index = hnsw;
        if (old != null) {
            old.died = v;
            deadEntries++;
            vectors -= old.search.rows();
            files.remove(old);
            if (index != null) {
                indexer.remove(this, index, old);
            }
        }
        Entry[] arr = t.entries();
        int size = t.size();
        Entry added = null;
        if (search != null) {
            added = new Entry(search, floats, v, files.nextFileNumber());
            if (size == arr.length) {
                arr = Arrays.copyOf(arr, arr.length * 2);
            }
            arr[size++] = added;
            vectors += search.rows();
            files.put(added);
        }
        table = new Table(arr, size, v, vectors);
        if (added != null && index != null) {
            indexer.add(this, index, added);
        }
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

    /**
     * {@code taken} pinned for a search (see {@link Snapshot#pin}), or, if it is stale already,
     * the current snapshot pinned. A snapshot can only go stale if it held vectors, so the
     * collection's dimension has not changed since.
     */
    public Snapshot pinned(Snapshot taken) {
        Snapshot s = taken;
        while (!s.pin()) {
            s = snapshot();
        }
        return s;
    }

    /** Under the commit lock: the chunk set, made on first use. */
    Collection chunkSet() {
        Collection c = chunkSet;
        if (c == null) {
            c = new Collection(CollectionSettings.DEFAULT, indexer);
            chunkSet = c;
        }
        return c;
    }

    /**
     * The text files' chunk embeddings as of one version, under the files' text names, pinned for
     * a search (see {@link Snapshot#pin}): unpin it when done. No lock.
     */
    public Snapshot pinnedChunks() {
        Collection c = chunkSet;
        return c == null ? NO_CHUNKS : c.pinned(c.snapshot());
    }

    /** The live entries as of the current version; cheap when nothing changed since the last call. */
    public Snapshot snapshot() {
        Table t = table;
        Snapshot s = lastSnapshot;
        if (s != null && s.version() == t.version()) {
            return s;
        }
        List<Entry> live = new ArrayList<>(t.size());
        List<SearchEntry> searches = new ArrayList<>(t.size());
        Set<Segment> segments = Collections.newSetFromMap(new IdentityHashMap<>());
        long v = t.version();
        for (int i = 0; i < t.size(); i++) {
            Entry e = t.entries()[i];
            if (e.liveAt(v)) {
                live.add(e);
                searches.add(e.search);
                segments.add(e.floats.segment());
            }
        }
        s = new Snapshot(v, List.copyOf(searches), List.copyOf(live), t.vectors(), List.copyOf(segments));
        lastSnapshot = s;
        return s;
    }
}
