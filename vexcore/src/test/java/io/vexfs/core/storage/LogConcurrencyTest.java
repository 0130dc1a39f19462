package io.vexfs.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogConcurrencyTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 2000;

    @TempDir
    Path dir;

    @Test
    void appendsFromEightThreadsAllReplayIntactAndInEachThreadsOrder() throws Exception {
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 20, new Replayed())) {
            runThreads(id -> {
                log.append(1 + (int) (id >>> 32), Replayed.body(id, 8 + (int) (id % 977), id % 2 == 0));
                if (id % 500 == 0) {
                    log.sync();
                }
            });
            assertEquals(THREADS * PER_THREAD, log.stats().recordsAppended());
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 20, replayed)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
        }
        assertEquals(THREADS * PER_THREAD, replayed.entries.size());
        long[] next = new long[THREADS];
        for (Replayed.Entry entry : replayed.entries) {
            int thread = (int) (entry.id() >>> 32);
            assertTrue(entry.intact(), entry::toString);
            assertEquals(1 + thread, entry.type());
            assertEquals(next[thread]++, entry.id() & 0xFFFF_FFFFL, "thread " + thread + "'s records in its order");
            assertEquals(8 + entry.id() % 977, entry.length());
        }
    }

    /**
     * The integration pattern: writers update the caller's state and append under the caller's
     * lock; the checkpointer takes that lock only to begin and capture, and writes outside it.
     */
    @Test
    void aCheckpointTakenDuringConcurrentAppendsLosesAndRepeatsNothing() throws Exception {
        Set<Long> state = new HashSet<>();
        ExecutorService checkpointer = Executors.newSingleThreadExecutor();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64 * 1024, new Replayed())) {
            Future<?> checkpoints = checkpointer.submit(() -> {
                for (int round = 0; round < 5; round++) {
                    long seq;
                    List<Long> snapshot;
                    synchronized (state) {
                        seq = log.beginCheckpoint();
                        snapshot = new ArrayList<>(state);
                    }
                    log.writeCheckpoint(seq, sink -> {
                        for (long id : snapshot) {
                            sink.append(1, Replayed.body(id, 16, true));
                        }
                    });
                    Thread.sleep(5);
                }
                return null;
            });
            runThreads(id -> {
                synchronized (state) {
                    log.append(1, Replayed.body(id, 16, false));
                    state.add(id);
                }
            });
            checkpoints.get(60, TimeUnit.SECONDS);
            assertEquals(5, log.stats().checkpointsWritten());
        } finally {
            checkpointer.shutdownNow();
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64 * 1024, replayed)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
            assertTrue(log.report().checkpointSeq() > 0);
        }
        Set<Long> ids = new HashSet<>();
        for (Replayed.Entry entry : replayed.entries) {
            assertTrue(entry.intact());
            assertTrue(ids.add(entry.id()), "replayed twice: " + entry.id());
        }
        assertEquals(state, ids);
    }

    /** An append for thread t, record n, has the id t << 32 | n. */
    @FunctionalInterface
    private interface Append {
        void run(long id) throws IOException;
    }

    private static void runThreads(Append append) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long thread = t;
                done.add(threads.submit(() -> {
                    for (long n = 0; n < PER_THREAD; n++) {
                        append.run(thread << 32 | n);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
