package io.vexfs.core.fs;

import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.storage.Segment;

import io.vexfs.core.index.CorruptIndexException;
import io.vexfs.core.index.Quantization;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The store's background indexer: one thread takes adds and removes in commit order (they are
 * enqueued under the commit lock) and applies them without holding any lock of the store, as
 * the single writer of every hnsw index; the graph inserts themselves run on a pool of one
 * thread per core. A file waits here only for the index: until it is added, searches compare it
 * exactly.
 *
 * <p>Adds that wait together are inserted together, so many small files keep every core busy
 * as one big file does. Removes are batched: the search filter already hides a dead file, so
 * the graph can mark its rows later, all at once, and then repair itself or be rebuilt.
 *
 * <p>Persistence: when the queue has been empty for a second, each index changed since it was
 * last saved is written to its file ({@link AnnIndexFiles}), at most once per
 * {@link #SAVE_INTERVAL} and no more often than ten times as long as the last write took; and
 * once more when the store closes. At mount, before the first change is applied, each hnsw
 * collection's file is read and its blocks matched against the files stored now: the rows of
 * files removed or rewritten since are removed from the graph, and only files the index does
 * not hold are inserted. A file that cannot be read (torn, corrupt, built for other settings) is
 * named in .vexfs/errors and deleted, and the index is rebuilt from the stored vectors.
 */
final class Indexer implements AutoCloseable {
    /** Removes kept back while more work waits in the queue. */
    private static final int REMOVE_BATCH = 256;
    /** Rows inserted in one pass at most: files become searchable through the graph batch by batch. */
    private static final int ADD_BATCH_ROWS = 1 << 16;
    /** The queue stays empty this long before changed indexes are written. */
    private static final long IDLE_MILLIS = 1000;
    /** Changed indexes are written at most this often. */
    private static final Duration SAVE_INTERVAL = Duration.ofSeconds(10);

    private enum Kind { ADD, REMOVE, RETIRE, REQUANTIZE, STOP }

    private record Change(Kind kind, Collection collection, CollectionIndex target, Collection.Entry entry) {
        boolean add() {
            return kind == Kind.ADD;
        }
    }

    /** A stored file's segment as the index pins it: mapped while a search could read the file's rows. */
    private record SegmentPin(Segment segment) implements AnnIndex.Pin {
        @Override
        public boolean tryPin() {
            return segment.tryPin();
        }

        @Override
        public void unpin() {
            segment.unpin();
        }
    }

    private static final Change STOP = new Change(Kind.STOP, null, null, null);

    private final LinkedBlockingQueue<Change> queue = new LinkedBlockingQueue<>();
    private final List<Change> removes = new ArrayList<>();
    /** Indexes made and not retired: the indexer's own, to unpin what they hold when it closes. */
    private final Set<CollectionIndex> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ErrorLog errors;
    private final AnnIndexFiles files;
    private final ForkJoinPool pool;
    private final Thread thread;
    /** Opened by {@link #start}: changes wait in the queue until the stored indexes are read. */
    private final CountDownLatch started = new CountDownLatch(1);
    /** The store's collections by name; set by {@link #start}. */
    private volatile Map<String, Collection> collections = Map.of();
    /** When the last write of index files ended, and how long it took; the indexer thread's. */
    private long lastSaveEnd;
    private long lastSaveNanos;
    private final Object progress = new Object();
    /** Changes enqueued and changes fully applied (a remove only once its batch is flushed); guarded by {@link #progress}. */
    private long enqueued;
    private long applied;
    /** Set while an index file is being written: {@link #close()} waits for it, however long it takes. */
    private volatile boolean writing;
    /** Set by {@link #close()}: inserts in flight stop at the next node. */
    private volatile boolean closing;

    Indexer(ErrorLog errors, Path dataDir) {
        this.errors = errors;
        this.files = new AnnIndexFiles(dataDir);
        this.lastSaveEnd = System.nanoTime() - SAVE_INTERVAL.toNanos();
        this.pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors(), p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("vexfs-index-" + t.getPoolIndex());
            return t;
        }, null, false);
        this.thread = Thread.ofPlatform().name("vexfs-indexer").daemon(true).start(this::run);
    }

    /**
     * After recovery: reads the stored index of each hnsw collection, then applies the changes
     * queued meanwhile (those of the replay first). {@code collections} is the store's live map.
     */
    void start(Map<String, Collection> collections) {
        this.collections = collections;
        for (Collection c : collections.values()) {
            if (c.hnsw() != null) {
                // Before the mount serves anything: progress reports say "reading", never "building" from nothing.
                c.hnsw().markReading(true);
            }
        }
        started.countDown();
    }

    /** A new, empty index for a collection with these settings, filled by this indexer. */
    CollectionIndex newIndex(int generation, CollectionSettings settings) {
        CollectionIndex index = new CollectionIndex(generation, new AnnIndex<>(settings.metric(), settings.dim(),
                settings.annParams(), pool));
        synchronized (open) {
            open.add(index);
        }
        return index;
    }

    /** Under the commit lock: {@code index} is replaced; it lets go of the segments it pins once the changes before are applied. */
    void retire(CollectionIndex index) {
        enqueue(new Change(Kind.RETIRE, null, index, null));
    }

    /** Under the commit lock (or in replay): adds all rows of {@code entry} to {@code target} later. */
    void add(Collection collection, CollectionIndex target, Collection.Entry entry) {
        target.pendingAdds.incrementAndGet();
        enqueue(new Change(Kind.ADD, collection, target, entry));
    }

    /**
     * Under the commit lock (or in replay): gives {@code target} the codes the collection's
     * pq_subspaces and quantization ask for later, keeping its graph.
     */
    void requantize(Collection collection, CollectionIndex target) {
        enqueue(new Change(Kind.REQUANTIZE, collection, target, null));
    }

    /** Under the commit lock (or in replay): removes {@code entry}'s rows from {@code target} later, if it holds them. */
    void remove(Collection collection, CollectionIndex target, Collection.Entry entry) {
        enqueue(new Change(Kind.REMOVE, collection, target, entry));
    }

    private void enqueue(Change change) {
        synchronized (progress) {
            enqueued++;
        }
        queue.add(change);
    }

    /** Waits until every change enqueued before the call is applied; false if {@code timeout} passed first. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            long target = enqueued;
            while (applied < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return true;
        }
    }

    private void run() {
        try {
            started.await();
        } catch (InterruptedException e) {
            // Nothing in vexfs interrupts this thread; whoever does means it to end.
            return;
        }
        if (!closing) {
            restoreAll();
        }
        while (!closing) {
            Change c;
            try {
                c = removes.isEmpty() ? queue.poll(IDLE_MILLIS, TimeUnit.MILLISECONDS) : queue.poll();
            } catch (InterruptedException e) {
                return;
            }
            if (c == null && removes.isEmpty()) {
                if (System.nanoTime() - lastSaveEnd >= Math.max(SAVE_INTERVAL.toNanos(), 10 * lastSaveNanos)) {
                    saveAll();
                }
            } else if (c == null) {
                flushRemoves();
            } else if (c == STOP) {
                break;
            } else if (c.add()) {
                List<Change> adds = new ArrayList<>();
                adds.add(c);
                long rows = c.entry().search.rows();
                // The only consumer: what peek() shows, poll() takes.
                while (rows < ADD_BATCH_ROWS && queue.peek() != null && queue.peek().add()) {
                    Change next = queue.poll();
                    adds.add(next);
                    rows += next.entry().search.rows();
                }
                addAll(adds);
                madeProgress(adds.size());
            } else if (c.kind() == Kind.REQUANTIZE) {
                trainCodes(c.collection(), c.target());
                madeProgress(1);
            } else if (c.kind() == Kind.RETIRE) {
                // Removes wait in a batch; the retired index may hold some of them: apply them first.
                flushRemoves();
                close(c.target());
                madeProgress(1);
            } else {
                removes.add(c);
                if (removes.size() >= REMOVE_BATCH) {
                    flushRemoves();
                }
            }
        }
        // Closing: what was applied is written, so the next mount inserts only what this one had not reached.
        flushRemoves();
        saveAll();
    }

    private void addAll(List<Change> adds) {
        Map<CollectionIndex, List<Change>> byTarget = new IdentityHashMap<>();
        for (Change c : adds) {
            if (c.collection().hnsw() != c.target() || c.entry().died != Long.MAX_VALUE || c.target().holds(c.entry())) {
                // Replaced by a newer index, the file is gone, or the index read at mount holds it already.
                c.target().pendingAdds.decrementAndGet();
            } else {
                byTarget.computeIfAbsent(c.target(), t -> new ArrayList<>()).add(c);
            }
        }
        for (Map.Entry<CollectionIndex, List<Change>> e : byTarget.entrySet()) {
            CollectionIndex target = e.getKey();
            target.unsaved = true;
            List<AnnIndex.Block<Collection.Entry>> blocks = new ArrayList<>(e.getValue().size());
            for (Change c : e.getValue()) {
                blocks.add(new AnnIndex.Block<>(c.entry(), c.entry().search.vectors(), c.entry().search.rows(),
                        new SegmentPin(c.entry().floats().segment())));
            }
            Set<Collection.Entry> gone = Collections.newSetFromMap(new IdentityHashMap<>());
            long started = System.nanoTime();
            int before = target.index().indexed();
            target.startInserts(before);
            try {
                for (AnnIndex.Block<Collection.Entry> b : target.index().addAll(blocks, () -> closing)) {
                    // Its segment is gone: the file was rewritten elsewhere (its new entry is queued), so it is dead.
                    gone.add(b.owner());
                }
            } catch (CancellationException stopped) {
                return;
            } catch (RuntimeException failure) {
                // The files stay unindexed, so searches keep comparing them exactly; pendingAdds stays up for the same reason.
                target.recordInserts(0, 0);
                for (Change c : e.getValue()) {
                    errors.record(c.entry().search.path(), "EIO", "hnsw index", failure.toString());
                }
                continue;
            }
            target.recordInserts(target.index().indexed() - before, System.nanoTime() - started);
            for (Change c : e.getValue()) {
                if (!gone.contains(c.entry())) {
                    c.entry().indexedGeneration = target.generation();
                }
                target.pendingAdds.decrementAndGet();
            }
            // The heap's graph may have outgrown a mapped base: then the two become one.
            if (target.index().rebuildDue() && !repair(target, e.getValue().getFirst().entry().search.path())) {
                return;
            }
        }
    }

    /**
     * Gives {@code target} the codes of the collection's pq_subspaces and quantization as they are
     * now (a later change queues its own), keeping its graph; a failure is named in .vexfs/errors.
     */
    private void trainCodes(Collection collection, CollectionIndex target) {
        if (collection.hnsw() != target) {
            return;
        }
        target.markTraining(true);
        try {
            AnnIndex<Collection.Entry> index = target.index();
            int bytesBefore = index.codeBytes();
            Quantization kindBefore = index.quantization();
            index.requantize(collection.settings().pqSubspaces(), collection.settings().quantization());
            target.unsaved |= index.codeBytes() != bytesBefore || index.quantization() != kindBefore;
        } catch (RuntimeException failure) {
            String name = collections.entrySet().stream().filter(e -> e.getValue() == collection)
                    .map(Map.Entry::getKey).findFirst().orElse(AnnIndexFiles.DIR);
            errors.record(name, "EIO", "hnsw codes", failure.toString());
        } finally {
            target.markTraining(false);
        }
    }

    private void flushRemoves() {
        // Each touched index, with a file of it to name in .vexfs/errors should its repair fail.
        Map<CollectionIndex, String> touched = new IdentityHashMap<>();
        for (Change c : removes) {
            CollectionIndex target = c.target();
            if (c.collection().hnsw() == target && target.index().remove(c.entry())) {
                target.unsaved = true;
                touched.putIfAbsent(target, c.entry().search.path());
            }
        }
        for (Map.Entry<CollectionIndex, String> e : touched.entrySet()) {
            if (!repair(e.getKey(), e.getValue())) {
                return;
            }
        }
        int done = removes.size();
        removes.clear();
        madeProgress(done);
    }

    /**
     * Purges the index's removed nodes when enough wait, and rebuilds it when that is due (many
     * removed, or the heap's graph grown past the mapped base); else unpins what no search can
     * read. False if the store began to close meanwhile. A failure is named in .vexfs/errors
     * under {@code name}: the removed rows stay marked, so searches still never return them; only
     * the repair is lost.
     */
    private boolean repair(CollectionIndex target, String name) {
        AnnIndex<Collection.Entry> index = target.index();
        try {
            if (index.purgeIfNeeded()) {
                target.replace(index.rebuilt(() -> closing));
                target.unsaved = true;
                index.close();
            } else {
                index.releaseRetired();
            }
            return true;
        } catch (CancellationException stopped) {
            return false;
        } catch (RuntimeException failure) {
            errors.record(name, "EIO", "hnsw index repair", failure.toString());
            return true;
        }
    }

    /** Reads each hnsw collection's stored index, before any queued change is applied. */
    private void restoreAll() {
        try {
            files.deleteTemporary();
        } catch (IOException e) {
            errors.record(AnnIndexFiles.DIR, "EIO", "hnsw index file", "could not delete a temporary file: " + e.getMessage());
        }
        List<Collection> untrained = new ArrayList<>();
        for (Map.Entry<String, Collection> e : collections.entrySet()) {
            CollectionIndex target = e.getValue().hnsw();
            if (target != null) {
                try {
                    if (restore(e.getKey(), e.getValue(), target)) {
                        untrained.add(e.getValue());
                    }
                } finally {
                    target.markReading(false);
                }
            }
        }
        // Once every graph serves searches (which walk full vectors meanwhile), before the replay's changes.
        for (Collection c : untrained) {
            trainCodes(c, c.hnsw());
        }
    }

    /** Reads the collection's index file into {@code target}; true if the index read needs the codes its settings ask for trained. */
    private boolean restore(String name, Collection collection, CollectionIndex target) {
        CrashPoints.pause("ann-index-read");
        AnnIndex<Collection.Entry> loaded = read(name, collection);
        if (loaded == null) {
            return false;
        }
        AnnIndex<Collection.Entry> empty = target.index();
        target.replace(loaded);
        empty.close();
        target.unsaved = loaded.codesDroppedAtRead();
        for (Collection.Entry entry : collection.snapshot().live()) {
            if (loaded.contains(entry)) {
                entry.indexedGeneration = target.generation();
            }
        }
        // Rows of files gone since the file was written are removed: repaired now, as after any batch of removes.
        repair(target, name);
        // The file's codes were of other settings (changed since the write), or it was written
        // before there were enough rows to train on: the codes are made once the mount serves
        // searches, and the file is written again.
        return !target.index().codesAre(collection.settings().annParams());
    }

    /**
     * The collection's index file, its blocks matched to the live files: null if there is none or
     * it cannot be used (then named in .vexfs/errors and deleted).
     */
    private AnnIndex<Collection.Entry> read(String name, Collection collection) {
        Map<AnnIndex.BlockKey, ArrayDeque<Collection.Entry>> byKey = new HashMap<>();
        for (Collection.Entry entry : collection.snapshot().live()) {
            byKey.computeIfAbsent(AnnIndexFiles.key(entry), k -> new ArrayDeque<>()).add(entry);
        }
        AnnIndex<Collection.Entry> loaded;
        try {
            loaded = files.read(name, collection.settings(), pool, key -> {
                ArrayDeque<Collection.Entry> matches = byKey.get(key);
                Collection.Entry entry = matches == null ? null : matches.poll();
                return entry == null ? null : new AnnIndex.Block<>(entry, entry.search.vectors(), entry.search.rows(),
                        new SegmentPin(entry.floats().segment()));
            });
        } catch (IOException | CorruptIndexException failure) {
            errors.record(name, "EIO", "hnsw index file " + files.fileFor(name).getFileName(),
                    failure.getMessage() + "; the index is rebuilt from the stored vectors");
            try {
                files.delete(name);
            } catch (IOException e) {
                errors.record(name, "EIO", "hnsw index file", "could not delete it: " + e.getMessage());
            }
            return null;
        }
        return loaded;
    }

    /**
     * Once a graph built on the heap is written, the file read back takes its place, as at the
     * next mount: its graph is then searched where the file maps it, and leaves the heap. Only
     * an index of the same live files and codes replaces it; otherwise (files moved meanwhile)
     * the heap's stays, and a later write tries again.
     */
    private void mapWritten(String name, Collection collection, CollectionIndex target) {
        AnnIndex<Collection.Entry> onHeap = target.index();
        AnnIndex<Collection.Entry> mapped = read(name, collection);
        if (mapped == null) {
            target.unsaved = true;
            return;
        }
        boolean same = mapped.codeBytes() == onHeap.codeBytes() && mapped.quantization() == onHeap.quantization()
                && mapped.indexed() == onHeap.indexed();
        for (Collection.Entry entry : collection.snapshot().live()) {
            same &= onHeap.contains(entry) == mapped.contains(entry);
        }
        if (!same) {
            mapped.close();
            return;
        }
        target.replace(mapped);
        onHeap.close();
    }

    /** Writes every index changed since it was last written; a failure is named in .vexfs/errors and retried at the next idle time. */
    private void saveAll() {
        long start = System.nanoTime();
        boolean wrote = false;
        Set<String> indexed = new java.util.HashSet<>();
        for (Map.Entry<String, Collection> e : collections.entrySet()) {
            Collection collection = e.getValue();
            CollectionIndex target = collection.hnsw();
            if (target != null) {
                indexed.add(e.getKey());
            }
            CollectionSettings settings = collection.settings();
            if (target == null || !target.unsaved || collection.hnsw() != target || !target.index().writable()) {
                continue;
            }
            writing = true;
            try {
                files.write(e.getKey(), settings, target.index());
                target.unsaved = false;
                wrote = true;
                if (!closing && !target.index().graphMapped() && target.index().heapGraphNodes() > 0) {
                    mapWritten(e.getKey(), collection, target);
                }
            } catch (IOException | RuntimeException failure) {
                errors.record(e.getKey(), "EIO", "hnsw index file", "not written: " + failure);
            } finally {
                writing = false;
            }
            target.index().releaseRetired();
        }
        try {
            files.deleteAllBut(indexed);
        } catch (IOException failure) {
            errors.record(AnnIndexFiles.DIR, "EIO", "hnsw index file", "could not delete a stale one: " + failure.getMessage());
        }
        if (wrote) {
            lastSaveEnd = System.nanoTime();
            lastSaveNanos = lastSaveEnd - start;
        }
    }

    private void madeProgress(int changes) {
        synchronized (progress) {
            applied += changes;
            progress.notifyAll();
        }
    }

    /** Unpins everything {@code index} holds and forgets it. */
    private void close(CollectionIndex index) {
        index.index().close();
        synchronized (open) {
            open.remove(index);
        }
    }

    /**
     * Stops the thread and the inserts in flight; queued changes are dropped (the next mount
     * matches the index file against what is stored and inserts what it lacks), changed indexes
     * are written, then every index unpins the segments it holds, so the store can unmap them.
     * Waits for an index write in progress, however long (at 10M rows, minutes: the alternative is
     * a build of an hour at the next mount), and a bounded time for anything else: a graph repair
     * in progress cannot be cut short; if it is still running, the indexes keep their pins (the
     * process is ending).
     */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        started.countDown();
        queue.clear();
        queue.add(STOP);
        thread.join(Duration.ofSeconds(60));
        while (writing && thread.isAlive()) {
            thread.join(Duration.ofSeconds(1));
        }
        pool.shutdownNow();
        if (!thread.isAlive()) {
            List<CollectionIndex> indexes;
            synchronized (open) {
                indexes = List.copyOf(open);
            }
            for (CollectionIndex index : indexes) {
                close(index);
            }
        }
    }
}
