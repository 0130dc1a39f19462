package io.vexfs.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LargeRecordLogTest {
    @TempDir
    Path dir;

    @Test
    void aHalfGigabyteRecordIsAppendedAndReplayedWithoutACopy() throws IOException {
        int length = 512 << 20;
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, new Replayed())) {
            log.append(1, Replayed.body(1, 100, true));
            log.append(2, Replayed.body(2, length, true));
            log.append(1, Replayed.body(3, 100, true));
            assertEquals(3, log.stats().segmentCount(), "the big record got a segment of its own");
        }
        Replayed replayed = new Replayed();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, replayed)) {
            assertTrue(log.report().clean());
        }
        assertEquals(List.of(Replayed.expected(1, 1, 100), Replayed.expected(2, 2, length), Replayed.expected(1, 3, 100)),
                replayed.entries);
    }

    @Test
    void appendingAllocatesAlmostNothing() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuffer key = ByteBuffer.allocateDirect(16);
        ByteBuffer body = ByteBuffer.allocateDirect(4096);
        ByteBuffer[] parts = {key, body};
        try (WriteAheadLog log = WriteAheadLog.open(dir, 1L << 30, new Replayed())) {
            for (int i = 0; i < 10_000; i++) {
                key.clear();
                body.clear();
                log.append(1, parts);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            int appends = 10_000;
            for (int i = 0; i < appends; i++) {
                key.clear();
                body.clear();
                log.append(1, parts);
            }
            long perAppend = (threads.getCurrentThreadAllocatedBytes() - before) / appends;
            assertTrue(perAppend < 16, "allocated " + perAppend + " bytes per append");
        }
    }
}
