package io.vexfs.core.fs;

import io.vexfs.core.index.AnnIndex;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One hnsw index of a collection, filled by the store's {@link Indexer}. A change of the index
 * kind or of a build parameter makes a new one with the next generation; an entry belongs to
 * this index when its {@code indexedGeneration} equals {@link #generation()}, so entries need no
 * reset when the index is replaced. Within a generation the indexer may swap in a rebuilt
 * {@link AnnIndex} of the same live entries (to reclaim removed nodes); searches read
 * {@link #index()} once and keep to it.
 */
public final class CollectionIndex {
    private final int generation;
    private volatile AnnIndex<Collection.Entry> index;
    /** Adds enqueued for this index and not yet done (done: added, or skipped because the file died). */
    final AtomicInteger pendingAdds = new AtomicInteger();
    /** Rows per second of the indexer's recent inserts into this index (an exponential average; 0 before the first). */
    private volatile double rowsPerSecond;
    /** Whether the index changed since it was last written to (or read from) its file; the indexer's only. */
    boolean unsaved;
    /** Set from the indexer's start until it has read (or failed to read) this index's file at mount. */
    private volatile boolean reading;
    /** Set while the indexer trains product codes of a changed pq_subspaces. */
    private volatile boolean training;

    CollectionIndex(int generation, AnnIndex<Collection.Entry> index) {
        this.generation = generation;
        this.index = index;
    }

    public int generation() {
        return generation;
    }

    public AnnIndex<Collection.Entry> index() {
        return index;
    }

    /**
     * The indexer's: publishes a rebuild that holds exactly the live entries the current index
     * holds, or (at mount, before any add) the index read from its file.
     */
    void replace(AnnIndex<Collection.Entry> rebuilt) {
        index = rebuilt;
    }

    /** When the batch being inserted began (0: none), and the rows indexed then. */
    private volatile long batchStartNanos;
    private volatile int batchStartIndexed;

    /** The indexer's: a batch of inserts begins, {@code indexed} rows in already. */
    void startInserts(int indexed) {
        batchStartIndexed = indexed;
        batchStartNanos = System.nanoTime();
    }

    /** The indexer's: {@code rows} went in in {@code nanos}; the batch is over. */
    void recordInserts(long rows, long nanos) {
        batchStartNanos = 0;
        if (rows > 0 && nanos > 0) {
            double rate = rows * 1e9 / nanos;
            rowsPerSecond = rowsPerSecond == 0 ? rate : 0.7 * rowsPerSecond + 0.3 * rate;
        }
    }

    /**
     * Rows per second, for progress reports: of the batch being inserted once it has run a
     * second (one big file is one batch), else of the recent batches; 0 before any.
     */
    public double rowsPerSecond(int indexedNow) {
        long start = batchStartNanos;
        long elapsed = System.nanoTime() - start;
        if (start != 0 && elapsed > 1_000_000_000L && indexedNow > batchStartIndexed) {
            return (indexedNow - batchStartIndexed) * 1e9 / elapsed;
        }
        return rowsPerSecond;
    }

    /** The indexer's: this index's file is about to be read at mount (true), or was read (false). */
    void markReading(boolean now) {
        synchronized (this) {
            reading = now;
            if (!now) {
                notifyAll();
            }
        }
    }

    /**
     * Waits until the index file read at mount is read (or failed), at most {@code timeout}:
     * false if it still is. In the 1M x 128 remount benchmark the graph was ready 0.54 s after the
     * mount came up (no query running).
     */
    public boolean awaitRead(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (reading) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return true;
        }
    }

    /** The indexer's: product codes of a changed pq_subspaces are being trained (true), or are done (false). */
    void markTraining(boolean now) {
        training = now;
    }

    /**
     * Whether the indexer is training codes of a changed pq_subspaces or quantization; searches
     * walk the old codes (or full vectors) meanwhile.
     */
    public boolean training() {
        return training;
    }

    /** Whether the indexer is still to read this index's file at mount: until it has, the index holds none of it. */
    public boolean reading() {
        return reading;
    }

    /**
     * Rows of the batch being inserted that are in the graph already: a batch's files count as
     * held only once all of it is in (see {@link #holds}); 0 between batches.
     */
    public int rowsInFlight() {
        return batchStartNanos == 0 ? 0 : Math.max(0, index.indexed() - batchStartIndexed);
    }

    /** Whether every add enqueued so far is done, so no live entry of a snapshot taken before waits for the indexer. */
    public boolean caughtUp() {
        return pendingAdds.get() == 0;
    }

    /** Whether all of {@code entry}'s rows are in this index. */
    public boolean holds(Collection.Entry entry) {
        return entry.indexedGeneration == generation;
    }
}
