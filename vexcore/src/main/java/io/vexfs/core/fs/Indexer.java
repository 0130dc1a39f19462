package io.vexfs.core.fs;

import io.vexfs.core.index.RowIds;
import io.vexfs.core.metrics.ErrorLog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The store's one background thread that fills hnsw indexes: it takes adds and removes in
 * commit order (they are enqueued under the commit lock) and applies them without holding any
 * lock of the store, as the index's single writer. A file waits here only for the index: until
 * it is added, searches compare it exactly.
 *
 * <p>Removes are batched: the search filter already hides a dead file, so the graph can drop
 * its rows later, all at once, and then check whether to compact.
 */
final class Indexer implements AutoCloseable {
    /** Removes kept back while more work waits in the queue. */
    private static final int REMOVE_BATCH = 256;

    private record Change(Collection collection, CollectionIndex target, Collection.Entry entry, boolean add) {
    }

    private static final Change STOP = new Change(null, null, null, false);

    private final LinkedBlockingQueue<Change> queue = new LinkedBlockingQueue<>();
    private final List<Change> removes = new ArrayList<>();
    private final ErrorLog errors;
    private final Thread thread;
    private final Object progress = new Object();
    /** Changes enqueued and changes fully applied (a remove only once its batch is flushed); guarded by {@link #progress}. */
    private long enqueued;
    private long applied;

    Indexer(ErrorLog errors) {
        this.errors = errors;
        this.thread = Thread.ofPlatform().name("vexfs-indexer").daemon(true).start(this::run);
    }

    /** Under the commit lock (or in replay): adds all rows of {@code entry} to {@code target} later. */
    void add(Collection collection, CollectionIndex target, Collection.Entry entry) {
        target.pendingAdds.incrementAndGet();
        enqueue(new Change(collection, target, entry, true));
    }

    /** Under the commit lock (or in replay): removes {@code entry}'s rows from {@code target} later, if it holds them. */
    void remove(Collection collection, CollectionIndex target, Collection.Entry entry) {
        enqueue(new Change(collection, target, entry, false));
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
        while (true) {
            Change c;
            try {
                c = removes.isEmpty() ? queue.take() : queue.poll();
            } catch (InterruptedException e) {
                // Nothing in vexfs interrupts this thread; whoever does means it to end.
                return;
            }
            if (c == null) {
                flushRemoves();
            } else if (c == STOP) {
                return;
            } else if (c.add()) {
                add(c);
                madeProgress(1);
            } else {
                removes.add(c);
                if (removes.size() >= REMOVE_BATCH) {
                    flushRemoves();
                }
            }
        }
    }

    private void add(Change c) {
        Collection.Entry e = c.entry();
        CollectionIndex target = c.target();
        if (c.collection().hnsw() != target || e.died != Long.MAX_VALUE) {
            // Replaced by a newer index, or the file is gone: nothing a current search needs.
            target.pendingAdds.decrementAndGet();
            return;
        }
        int dim = target.index().dim();
        float[] values = e.search.floats();
        try {
            for (int row = 0; row < e.search.rows(); row++) {
                target.index().add(RowIds.of(e.fileNumber, row), values, row * dim);
            }
        } catch (RuntimeException failure) {
            // The file stays unindexed, so searches keep comparing it exactly; pendingAdds stays up for the same reason.
            errors.record(e.search.path(), "EIO", "hnsw index", failure.toString());
            return;
        }
        e.indexedGeneration = target.generation();
        target.pendingAdds.decrementAndGet();
    }

    private void flushRemoves() {
        Set<CollectionIndex> touched = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Change c : removes) {
            CollectionIndex target = c.target();
            if (c.collection().hnsw() != target || !target.holds(c.entry())) {
                continue;
            }
            for (int row = 0; row < c.entry().search.rows(); row++) {
                target.index().remove(RowIds.of(c.entry().fileNumber, row));
            }
            touched.add(target);
        }
        for (CollectionIndex target : touched) {
            target.index().compactIfNeeded();
        }
        int done = removes.size();
        removes.clear();
        madeProgress(done);
    }

    private void madeProgress(int changes) {
        synchronized (progress) {
            applied += changes;
            progress.notifyAll();
        }
    }

    /**
     * Stops the thread; queued changes are dropped (indexes are rebuilt at every mount). Waits a
     * bounded time: a compaction in progress cannot be cut short, and the daemon thread touches
     * only memory, so a store may close while it finishes.
     */
    @Override
    public void close() throws InterruptedException {
        queue.clear();
        queue.add(STOP);
        thread.join(Duration.ofSeconds(10));
    }
}
