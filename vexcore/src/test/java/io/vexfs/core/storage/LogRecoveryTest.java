package io.vexfs.core.storage;

import static io.vexfs.core.storage.WriteAheadLogTest.files;
import static io.vexfs.core.storage.WriteAheadLogTest.overwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LogRecoveryTest {
    private static final int BODY = 1000;
    private static final int FRAMED = 9 + BODY;
    private static final int RECORDS = 10;
    private static final long LAST_RECORD = 24 + (RECORDS - 1) * (long) FRAMED;
    private static final long LOG_END = 24 + RECORDS * (long) FRAMED;

    @TempDir
    Path dir;

    /** Ways a crash or a bad disk leaves the end of the last segment. */
    enum Tear {
        MID_LENGTH_FIELD(RECORDS - 1, LAST_RECORD, 2, "incomplete record header"),
        MID_BODY(RECORDS - 1, LAST_RECORD, 9 + 500, "record length 1000 runs past the end of the file"),
        FLIPPED_BODY_BYTE(RECORDS - 1, LAST_RECORD, FRAMED, "bad checksum"),
        ZERO_FILLED_AFTER_LAST_RECORD(RECORDS, LOG_END, 4096, "invalid record type 0");

        final int intactRecords;
        final long offset;
        final long dropped;
        final String reason;

        Tear(int intactRecords, long offset, long dropped, String reason) {
            this.intactRecords = intactRecords;
            this.offset = offset;
            this.dropped = dropped;
            this.reason = reason;
        }

        void apply(Path segment) throws IOException {
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                switch (this) {
                    case MID_LENGTH_FIELD -> channel.truncate(LAST_RECORD + 2);
                    case MID_BODY -> channel.truncate(LAST_RECORD + 9 + 500);
                    case FLIPPED_BODY_BYTE -> overwrite(segment, LAST_RECORD + 9 + 100, ByteBuffer.wrap(new byte[] {(byte) 0xA5}));
                    case ZERO_FILLED_AFTER_LAST_RECORD -> overwrite(segment, LOG_END, ByteBuffer.allocate(4096));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Tear.class)
    void tornTailIsCutReportedAndTheLogGoesOn(Tear tear) throws IOException {
        List<Replayed.Entry> written = writeRecords(RECORDS, 1L << 20);
        Path segment = files(dir, "wal-", ".log").getFirst();
        tear.apply(segment);

        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 20, replayed)) {
            assertEquals(written.subList(0, tear.intactRecords), replayed.entries);
            assertEquals(List.of(segment.getFileName() + ": torn tail at offset " + tear.offset + ", " + tear.dropped
                    + " bytes dropped (" + tear.reason + ")"), log.report().problems());
            assertEquals(tear.intactRecords, log.report().recordsReplayed());
            assertEquals(tear.offset, Files.size(segment), "cut back to the last good record");
            log.append(42, Replayed.body(999, 123, true));
        }
        Replayed again = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 20, again)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
        }
        List<Replayed.Entry> expected = new ArrayList<>(written.subList(0, tear.intactRecords));
        expected.add(Replayed.expected(42, 999, 123));
        assertEquals(expected, again.entries);
    }

    @Test
    void corruptionInAMiddleSegmentStopsReplayAndSetsTheRestAside() throws IOException {
        List<Replayed.Entry> written = writeRecords(20, WriteAheadLog.MIN_SEGMENT_BYTES);
        List<Path> segments = files(dir, "wal-", ".log");
        assertEquals(5, segments.size(), "four records of 1009 bytes per 4096-byte segment");
        Path damaged = segments.get(1);
        overwrite(damaged, 24 + FRAMED + 9 + 500, ByteBuffer.wrap(new byte[] {0x55}));

        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, replayed)) {
            assertEquals(written.subList(0, 5), replayed.entries);
            List<String> problems = log.report().problems();
            assertEquals(damaged.getFileName() + ": corrupt record at offset " + (24 + FRAMED) + ", " + (3 * FRAMED)
                    + " bytes dropped (bad checksum); replay stopped here", problems.getFirst());
            assertEquals(4, problems.size());
            for (int i = 2; i < 5; i++) {
                Path later = segments.get(i);
                assertEquals(later.getFileName() + ": not replayed because it follows the corruption in " + damaged.getFileName()
                        + "; set aside as " + later.getFileName() + ".corrupt", problems.get(i - 1));
                assertTrue(Files.exists(dir.resolve(later.getFileName() + ".corrupt")));
            }
            assertEquals(segments.subList(0, 2), files(dir, "wal-", ".log"));
            for (int i = 0; i < 10; i++) {
                log.append(2, Replayed.body(100 + i, BODY, true));
            }
        }
        Replayed again = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, again)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
        }
        assertEquals(15, again.entries.size());
        assertEquals(written.subList(0, 5), again.entries.subList(0, 5));
        assertEquals(Replayed.expected(2, 109, BODY), again.entries.getLast());
    }

    @Test
    void aMissingSegmentStopsReplayBeforeTheGap() throws IOException {
        List<Replayed.Entry> written = writeRecords(12, WriteAheadLog.MIN_SEGMENT_BYTES);
        List<Path> segments = files(dir, "wal-", ".log");
        assertEquals(3, segments.size());
        Files.delete(segments.get(1));

        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, WriteAheadLog.MIN_SEGMENT_BYTES, replayed)) {
            assertEquals(written.subList(0, 4), replayed.entries);
            assertEquals(segments.get(1).getFileName() + ": missing (segments must be consecutive); replay stopped before "
                    + segments.get(2).getFileName(), log.report().problems().getFirst());
            assertTrue(Files.exists(dir.resolve(segments.get(2).getFileName() + ".corrupt")));
        }
    }

    @Test
    void zeroFilledHeaderOfTheLastSegmentIsRewritten() throws IOException {
        writeRecords(1, 1L << 20);
        Path segment = files(dir, "wal-", ".log").getFirst();
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        overwrite(segment, 0, ByteBuffer.allocate(100));
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 20, replayed)) {
            assertTrue(replayed.entries.isEmpty());
            assertEquals(List.of(segment.getFileName() + ": torn tail at offset 0, 100 bytes dropped (zero-filled file header)"),
                    log.report().problems());
            log.append(1, Replayed.body(5, 50, false));
        }
        Replayed again = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 20, again)) {
            assertTrue(log.report().clean());
        }
        assertEquals(List.of(Replayed.expected(1, 5, 50)), again.entries);
    }

    private List<Replayed.Entry> writeRecords(int count, long segmentBytes) throws IOException {
        List<Replayed.Entry> written = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, segmentBytes, new Replayed())) {
            for (int i = 0; i < count; i++) {
                log.append(1, Replayed.body(i, BODY, false));
                written.add(Replayed.expected(1, i, BODY));
            }
        }
        return written;
    }
}
