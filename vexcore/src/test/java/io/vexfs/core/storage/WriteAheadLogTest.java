package io.vexfs.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
    private static final long SEGMENT_BYTES = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void replaysManyRecordsOfRandomSizesIncludingEmptyAndLargeBodies() throws IOException {
        Random random = new Random(42);
        List<Replayed.Entry> written = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            assertTrue(log.report().clean());
            for (int i = 0; i < 2000; i++) {
                int type = 1 + random.nextInt(255);
                int length = random.nextInt(10) == 0 ? random.nextInt(8) : random.nextInt(20_000);
                log.append(type, Replayed.body(i, length, random.nextBoolean()));
                written.add(Replayed.expected(type, i, length));
            }
            log.append(7);
            written.add(Replayed.expected(7, 0, 0));
            log.append(9, Replayed.body(5000, 64 << 20, true));
            written.add(Replayed.expected(9, 5000, 64 << 20));
            log.append(10, Replayed.body(5001, (64 << 20) + 3, false));
            written.add(Replayed.expected(10, 5001, (64 << 20) + 3));
            log.append(11, Replayed.body(5002, 100, false));
            written.add(Replayed.expected(11, 5002, 100));
            assertEquals(written.size(), log.stats().recordsAppended());
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, replayed)) {
            assertEquals(written, replayed.entries);
            RecoveryReport report = log.report();
            assertTrue(report.clean(), report.problems()::toString);
            assertEquals(written.size(), report.recordsReplayed());
            assertEquals(written.stream().mapToLong(e -> e.length() + 9).sum(), report.bytesReplayed());
        }
    }

    @Test
    void bodyMayBeSplitAcrossParts() throws IOException {
        ByteBuffer whole = Replayed.body(77, 10_000, false);
        ByteBuffer head = whole.duplicate().limit(8);
        ByteBuffer middle = ByteBuffer.allocateDirect(5000).put(whole.duplicate().position(8).limit(5008)).flip();
        ByteBuffer tail = whole.duplicate().position(5008);
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            log.append(3, head, ByteBuffer.allocate(0), middle, tail);
            assertFalse(tail.hasRemaining(), "append consumes its parts");
        }
        assertEquals(List.of(Replayed.expected(3, 77, 10_000)), replay().entries);
    }

    @Test
    void largeHeapPartsWrittenInChunksKeepTheirOrderAmongDirectParts() throws IOException {
        ByteBuffer whole = Replayed.body(88, 7 << 20, false);
        ByteBuffer first = whole.duplicate().limit(3 << 20);
        ByteBuffer second = ByteBuffer.allocateDirect(2 << 20).put(whole.duplicate().position(3 << 20).limit(5 << 20)).flip();
        ByteBuffer third = whole.duplicate().position(5 << 20).limit((7 << 20) - 5);
        ByteBuffer fourth = whole.duplicate().position((7 << 20) - 5);
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            log.append(4, first, second, third, fourth);
        }
        assertEquals(List.of(Replayed.expected(4, 88, 7 << 20)), replay().entries);
    }

    @Test
    void aVisitorThatFailsFailsTheOpenAndReleasesTheDirectory() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            log.append(1, Replayed.body(1, 100, true));
        }
        IOException failure = assertThrows(IOException.class, () -> WriteAheadLog.open(dir, SEGMENT_BYTES, (type, body) -> {
            throw new IOException("cannot apply record");
        }));
        assertEquals("cannot apply record", failure.getMessage());
        assertEquals(1, replay().entries.size());
    }

    @Test
    void appendRefusesTypesOutsideOneTo255() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            assertThrows(IllegalArgumentException.class, () -> log.append(0));
            assertThrows(IllegalArgumentException.class, () -> log.append(256));
            log.append(255);
        }
        assertEquals(List.of(Replayed.expected(255, 0, 0)), replay().entries);
    }

    @Test
    void rollsToANewSegmentWhenTheCurrentOneWouldOverflow() throws IOException {
        long segmentBytes = WriteAheadLog.MIN_SEGMENT_BYTES;
        List<Replayed.Entry> written = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, segmentBytes, new Replayed())) {
            for (int i = 0; i < 100; i++) {
                log.append(1, Replayed.body(i, 500, true));
                written.add(Replayed.expected(1, i, 500));
            }
            log.append(2, Replayed.body(100, 10_000, true));
            written.add(Replayed.expected(2, 100, 10_000));
            log.append(1, Replayed.body(101, 500, true));
            written.add(Replayed.expected(1, 101, 500));
            List<Path> segments = segments();
            assertEquals(segments.size(), log.stats().segmentCount());
            assertEquals(totalSize(segments), log.stats().liveLogBytes());
            long oversized = 0;
            for (Path segment : segments) {
                long size = Files.size(segment);
                if (size > segmentBytes) {
                    oversized++;
                    assertEquals(24 + 9 + 10_000, size, "an oversized record gets a segment of its own");
                }
            }
            assertEquals(1, oversized);
            assertTrue(segments.size() >= 100 * 509 / segmentBytes + 2, "rolled: " + segments.size());
        }
        Replayed replayed = replay();
        assertEquals(written, replayed.entries);
    }

    @Test
    void reopeningTwiceReplaysTheSameRecordsAndAppendsContinue() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, new Replayed())) {
            for (int i = 0; i < 50; i++) {
                log.append(1, Replayed.body(i, 300, false));
            }
        }
        List<Replayed.Entry> first = replay().entries;
        assertEquals(50, first.size());
        assertEquals(first, replay().entries);
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, new Replayed())) {
            log.append(2, Replayed.body(50, 300, false));
        }
        List<Replayed.Entry> after = replay().entries;
        assertEquals(51, after.size());
        assertEquals(first, after.subList(0, 50));
        assertEquals(Replayed.expected(2, 50, 300), after.get(50));
    }

    @Test
    void syncCountsFsyncsAndDirectorySyncAfterARoll() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, new Replayed())) {
            log.append(1, Replayed.body(1, 100, true));
            log.sync();
            assertEquals(1, log.stats().fsyncs());
            log.append(1, Replayed.body(2, 5000, true));
            log.append(1, Replayed.body(3, 100, true));
            log.sync();
            // two rolls (the 5000-byte record gets a segment of its own) each fsync the sealed
            // segment; the sync fsyncs the live one and, since segments were created, the directory
            assertEquals(5, log.stats().fsyncs());
            assertEquals(3, log.stats().segmentCount());
            log.sync();
            assertEquals(6, log.stats().fsyncs(), "no directory fsync without a new segment");
        }
    }

    @Test
    void emptyDirectoryAndSegmentWithOnlyAHeaderOpenClean() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir.resolve("fresh"), SEGMENT_BYTES, new Replayed())) {
            assertTrue(log.report().clean());
            assertEquals(0, log.report().recordsReplayed());
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir.resolve("fresh"), SEGMENT_BYTES, replayed)) {
            assertTrue(log.report().clean());
            assertEquals(1, log.report().segmentsReplayed());
            assertTrue(replayed.entries.isEmpty());
        }
    }

    @Test
    void segmentShorterThanItsHeaderIsRewrittenEmpty() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, new Replayed())) {
            log.append(1, Replayed.body(1, 5000, true));
            log.append(1, Replayed.body(2, 100, true));
        }
        Path last = segments().getLast();
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.truncate(10);
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, replayed)) {
            assertEquals(List.of(Replayed.expected(1, 1, 5000)), replayed.entries);
            assertEquals(List.of(last.getFileName() + ": torn tail at offset 0, 10 bytes dropped (incomplete file header)"),
                    log.report().problems());
            assertEquals(24, Files.size(last));
            log.append(1, Replayed.body(3, 100, true));
        }
        Replayed again = replay();
        assertEquals(List.of(Replayed.expected(1, 1, 5000), Replayed.expected(1, 3, 100)), again.entries);
    }

    @Test
    void refusesFilesThatAreNotOursOrFromANewerBuild() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            log.append(1);
        }
        Path segment = segments().getFirst();
        overwrite(segment, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(7).flip());
        IOException newer = assertThrows(IOException.class, () -> WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed()));
        assertTrue(newer.getMessage().endsWith("format version 7 is newer than this build (2)"), newer.getMessage());
        overwrite(segment, 0, ByteBuffer.wrap("NOTVEXFS".getBytes()));
        IOException foreign = assertThrows(IOException.class, () -> WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed()));
        assertTrue(foreign.getMessage().endsWith("not a vexfs log file"), foreign.getMessage());
        assertTrue(foreign.getMessage().contains(segment.getFileName().toString()), foreign.getMessage());
    }

    @Test
    void secondOpenOfTheSameDirectoryFailsClearlyUntilTheFirstCloses() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed())) {
            log.append(1);
            IOException e = assertThrows(IOException.class, () -> WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed()));
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
            log.append(2);
        }
        assertEquals(2, replay().entries.size());
    }

    @Test
    void appendAfterCloseFails() throws IOException {
        WriteAheadLog log = WriteAheadLog.open(dir, SEGMENT_BYTES, new Replayed());
        log.close();
        IOException e = assertThrows(IOException.class, () -> log.append(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    private Replayed replay() throws IOException {
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, replayed)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
        }
        return replayed;
    }

    private List<Path> segments() throws IOException {
        return files(dir, "wal-", ".log");
    }

    static List<Path> files(Path dir, String prefix, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(suffix))
                    .sorted().toList();
        }
    }

    static long totalSize(List<Path> files) throws IOException {
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        return total;
    }

    static void overwrite(Path file, long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            while (bytes.hasRemaining()) {
                offset += channel.write(bytes, offset);
            }
        }
    }
}
