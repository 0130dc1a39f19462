package io.vexfs.core.storage;

import static io.vexfs.core.storage.WriteAheadLogTest.files;
import static io.vexfs.core.storage.WriteAheadLogTest.overwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final long SEGMENT_BYTES = WriteAheadLog.MIN_SEGMENT_BYTES;
    private static final int SNAPSHOT = 100;

    @TempDir
    Path dir;

    @Test
    void reopenReplaysTheCheckpointThenOnlyLaterSegments() throws IOException {
        List<Replayed.Entry> expected = new ArrayList<>();
        long seq;
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            appendRecords(log, 0, 20);
            List<Path> before = files(dir, "wal-", ".log");
            seq = log.beginCheckpoint();
            assertEquals(before.size() + 1, seq, "the checkpoint starts at a fresh segment");
            log.writeCheckpoint(seq, sink -> {
                sink.append(SNAPSHOT, Replayed.body(1000, 5000, true));
                sink.append(SNAPSHOT, Replayed.body(1001, 3, false));
            });
            expected.add(Replayed.expected(SNAPSHOT, 1000, 5000));
            expected.add(Replayed.expected(SNAPSHOT, 1001, 3));
            for (Path old : before) {
                assertFalse(Files.exists(old), old + " is covered by the checkpoint");
            }
            expected.addAll(appendRecords(log, 20, 10));
            assertEquals(Files.size(checkpoint(seq)), log.stats().checkpointBytes());
            assertEquals(WriteAheadLogTest.totalSize(files(dir, "wal-", ".log")), log.stats().liveLogBytes());
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, replayed)) {
            RecoveryReport report = log.report();
            assertTrue(report.clean(), report.problems()::toString);
            assertEquals(seq, report.checkpointSeq());
            assertEquals(2, report.checkpointRecords());
            assertEquals(12, report.recordsReplayed());
        }
        assertEquals(expected, replayed.entries);
    }

    @Test
    void aNewCheckpointReplacesTheOldOne() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            appendRecords(log, 0, 5);
            long first = log.beginCheckpoint();
            log.writeCheckpoint(first, sink -> sink.append(SNAPSHOT, Replayed.body(1, 10, true)));
            long second = log.beginCheckpoint();
            assertTrue(second > first, "a checkpoint never reuses the seq of the one before");
            log.writeCheckpoint(second, sink -> sink.append(SNAPSHOT, Replayed.body(2, 10, true)));
            assertEquals(List.of(checkpoint(second)), files(dir, "checkpoint-", ".ckpt"));
            assertEquals(2, log.stats().checkpointsWritten());
            assertEquals(1, log.stats().segmentCount());
            assertThrows(IllegalArgumentException.class, () -> log.writeCheckpoint(first, sink -> { }));
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, replayed)) {
            assertTrue(log.report().clean());
        }
        assertEquals(List.of(Replayed.expected(SNAPSHOT, 2, 10)), replayed.entries);
    }

    @Test
    void appendsGoOnWhileACheckpointIsBeingWritten() throws Exception {
        ExecutorService checkpointer = Executors.newSingleThreadExecutor();
        List<Replayed.Entry> expected = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            appendRecords(log, 0, 3);
            long seq = log.beginCheckpoint();
            CountDownLatch writing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<?> done = checkpointer.submit(() -> {
                log.writeCheckpoint(seq, sink -> {
                    sink.append(SNAPSHOT, Replayed.body(7, 64, true));
                    writing.countDown();
                    await(release);
                });
                return null;
            });
            assertTrue(writing.await(10, TimeUnit.SECONDS));
            expected.add(Replayed.expected(SNAPSHOT, 7, 64));
            expected.addAll(appendRecords(log, 3, 10));
            log.sync();
            assertFalse(done.isDone(), "the checkpoint was still being written during those appends");
            release.countDown();
            done.get(10, TimeUnit.SECONDS);
        } finally {
            checkpointer.shutdownNow();
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, replayed)) {
            assertTrue(log.report().clean());
        }
        assertEquals(expected, replayed.entries);
    }

    @Test
    void aCheckpointThatFailsLeavesTheLogAsItWas() throws IOException {
        List<Replayed.Entry> expected;
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            expected = new ArrayList<>(appendRecords(log, 0, 10));
            long seq = log.beginCheckpoint();
            IOException failure = assertThrows(IOException.class, () -> log.writeCheckpoint(seq, sink -> {
                sink.append(SNAPSHOT, Replayed.body(1, 100, true));
                throw new IOException("state capture failed");
            }));
            assertEquals("state capture failed", failure.getMessage());
            assertTrue(files(dir, "checkpoint-", "").isEmpty(), "no checkpoint and no temp file left behind");
            expected.addAll(appendRecords(log, 10, 2));
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, replayed)) {
            assertTrue(log.report().clean());
            assertEquals(0, log.report().checkpointSeq());
        }
        assertEquals(expected, replayed.entries);
    }

    @Test
    void leftoversOfACrashDuringACheckpointAreIgnoredAndDeleted() throws IOException {
        List<Replayed.Entry> expected = new ArrayList<>();
        Path savedSegment = dir.resolve("saved");
        long seq;
        try (WriteAheadLog log = WriteAheadLog.open(dir.resolve("data"), SEGMENT_BYTES, new Replayed())) {
            appendRecords(log, 0, 10);
            Path first = files(dir.resolve("data"), "wal-", ".log").getFirst();
            Files.copy(first, savedSegment);
            seq = log.beginCheckpoint();
            log.writeCheckpoint(seq, sink -> sink.append(SNAPSHOT, Replayed.body(50, 20, true)));
            expected.add(Replayed.expected(SNAPSHOT, 50, 20));
            expected.addAll(appendRecords(log, 10, 3));
        }
        Path data = dir.resolve("data");
        // A crash after the rename but before the cleanup leaves a covered segment behind...
        Path covered = data.resolve(String.format("wal-%020d.log", 1));
        Files.copy(savedSegment, covered);
        // ...and a crash while writing the next checkpoint leaves its temp file.
        Path temp = data.resolve(String.format("checkpoint-%020d.ckpt.tmp", seq + 5));
        Files.write(temp, new byte[] {1, 2, 3});

        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(data, SEGMENT_BYTES, replayed)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
        }
        assertEquals(expected, replayed.entries);
        assertFalse(Files.exists(temp));
        assertFalse(Files.exists(covered));
    }

    @Test
    void aCorruptCheckpointKeepsItsGoodPrefixAndSetsTheLaterSegmentsAside() throws IOException {
        long seq;
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            appendRecords(log, 0, 5);
            seq = log.beginCheckpoint();
            log.writeCheckpoint(seq, sink -> {
                for (int i = 0; i < 3; i++) {
                    sink.append(SNAPSHOT, Replayed.body(500 + i, 1000, true));
                }
            });
            appendRecords(log, 5, 10);
        }
        List<Path> segments = files(dir, "wal-", ".log");
        Path damaged = checkpoint(seq);
        long secondRecord = 24 + 1009;
        overwrite(damaged, secondRecord + 9 + 40, ByteBuffer.wrap(new byte[] {0x11}));

        Replayed replayed = new Replayed();
        long salvagedSeq = segments.size() + seq;
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, replayed)) {
            assertEquals(List.of(Replayed.expected(SNAPSHOT, 500, 1000)), replayed.entries);
            List<String> problems = log.report().problems();
            assertEquals(damaged.getFileName() + ": corrupt at offset " + secondRecord + ", " + (Files.size(damaged.resolveSibling(
                    damaged.getFileName() + ".corrupt")) - secondRecord) + " bytes dropped (bad checksum); its first 1 records were kept as "
                    + checkpoint(salvagedSeq).getFileName() + ", the original set aside as " + damaged.getFileName()
                    + ".corrupt; replay stopped here", problems.getFirst());
            assertEquals(1 + segments.size(), problems.size(), "one line per segment set aside");
            assertEquals(0, log.report().segmentsReplayed());
            log.append(1, Replayed.body(900, 10, true));
        }
        Replayed again = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, again)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
            assertEquals(salvagedSeq, log.report().checkpointSeq());
        }
        assertEquals(List.of(Replayed.expected(SNAPSHOT, 500, 1000), Replayed.expected(1, 900, 10)), again.entries);
        for (Path segment : segments) {
            assertTrue(Files.exists(segment.resolveSibling(segment.getFileName() + ".corrupt")));
        }
    }

    private Path checkpoint(long seq) {
        return dir.resolve(String.format("checkpoint-%020d.ckpt", seq));
    }

    private static List<Replayed.Entry> appendRecords(WriteAheadLog log, int firstId, int count) throws IOException {
        List<Replayed.Entry> appended = new ArrayList<>();
        for (int id = firstId; id < firstId + count; id++) {
            log.append(1, Replayed.body(id, 1000, true));
            appended.add(Replayed.expected(1, id, 1000));
        }
        return appended;
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IOException("test latch timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
