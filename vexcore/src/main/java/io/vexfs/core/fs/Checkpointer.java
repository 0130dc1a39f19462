package io.vexfs.core.fs;

import io.vexfs.core.storage.LogStats;
import io.vexfs.core.storage.Segment;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The store's background flush: takes a checkpoint when the log since the last one grows past
 * its bound (so a remount replays little, however long the history), when segments that died
 * are waiting to be deleted, and at a clean close; then compacts mostly-dead segments. One
 * thread; commits only wake it.
 */
final class Checkpointer implements AutoCloseable {
    /** How often the thread looks even when nobody pokes it (dead segments, a quiet mount). */
    private static final long IDLE_LOOK_MS = 5_000;

    private final VexStore store;
    private final long logBytesLimit;
    private final long logRecordsLimit;
    private final long compactionMinDead;
    private final Thread thread;
    private final Object signal = new Object();
    private boolean poked;
    private volatile boolean stopping;
    private long recordsAtCheckpoint;

    Checkpointer(VexStore store, StoreOptions options) {
        this.store = store;
        this.logBytesLimit = options.checkpointLogBytes();
        this.logRecordsLimit = options.checkpointLogRecords();
        this.compactionMinDead = options.compactionMinDead();
        this.thread = Thread.ofPlatform().name("vexfs-checkpoint").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** After a commit: wakes the thread if the log has grown past a bound. */
    void poke() {
        if (logDue()) {
            synchronized (signal) {
                poked = true;
                signal.notifyAll();
            }
        }
    }

    private boolean logDue() {
        LogStats s = store.log().stats();
        return s.liveLogBytes() >= logBytesLimit || s.recordsAppended() - recordsAtCheckpoint >= logRecordsLimit;
    }

    /**
     * Segments wait for a checkpoint: one that died (to be retired and deleted), or enough dead
     * bytes (deleted and overwritten files) that sealing the active segment lets compaction take them.
     */
    private boolean segmentsDue() {
        long dead = 0;
        for (Segment s : store.segments().segments()) {
            if (s.isRetired()) {
                continue;
            }
            if (s != store.segments().active() && s.liveBytes() == 0 && s.stagingRefs() == 0) {
                return true;
            }
            dead += s.length() - s.liveBytes();
        }
        return dead > 0 && dead >= compactionMinDead;
    }

    private void run() {
        boolean first = true;
        while (!stopping) {
            synchronized (signal) {
                if (!poked && !first) {
                    try {
                        signal.wait(IDLE_LOOK_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                poked = false;
            }
            if (stopping) {
                return;
            }
            var report = store.recoveryReport();
            boolean replayedLog = first && report.recordsReplayed() > report.checkpointRecords();
            first = false;
            try {
                if (replayedLog || logDue() || segmentsDue()) {
                    checkpoint();
                }
                store.compact();
            } catch (IOException | RuntimeException e) {
                System.err.println("vexfs: background checkpoint failed: " + e);
                store.errors().record(store.options().dataDir().toString(), "EIO", "checkpoint", e.toString());
                sleepAfterFailure();
            }
        }
    }

    private void checkpoint() throws IOException {
        long records = store.log().stats().recordsAppended();
        store.checkpoint();
        recordsAtCheckpoint = records;
    }

    /** A failing disk (full, read-only) is not retried in a tight loop. */
    private void sleepAfterFailure() {
        try {
            TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Stops the thread (waiting for a checkpoint in progress), then takes a last one if the log grew, so the next mount replays nothing. */
    @Override
    public void close() throws IOException {
        stopping = true;
        synchronized (signal) {
            signal.notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a checkpoint to finish", e);
        }
        if (store.log().stats().liveLogBytes() > 0 && store.log().stats().recordsAppended() > recordsAtCheckpoint) {
            store.checkpoint();
        }
    }
}
