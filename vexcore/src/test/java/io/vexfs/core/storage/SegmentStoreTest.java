package io.vexfs.core.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data segments: appends, sealed files read back and checked, torn and flipped bytes caught, lifetimes. */
class SegmentStoreTest {
    private static final long CAPACITY = 1 << 20;

    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(Segment s, long offset, int n) {
        byte[] out = new byte[n];
        assertEquals(n, s.read(offset, MemorySegment.ofArray(out)));
        return out;
    }

    @Test
    void appendedPayloadsReadBackAndSurviveReopen() throws IOException {
        byte[] a = random(100, 1);
        byte[] b = random(200_000, 2);
        SegmentStore.Placed[] placed;
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            placed = store.append(MemorySegment.ofArray(a), MemorySegment.ofArray(b));
            assertEquals(0, placed[0].offset());
            assertEquals(100, placed[1].offset());
            assertArrayEquals(b, read(placed[1].segment(), 100, b.length));
        }
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            Segment s = store.get(placed[0].segment().id());
            assertTrue(s.sealed());
            assertFalse(s.unsealedAtStart());
            assertEquals(200_100, s.length());
            assertArrayEquals(a, read(s, 0, a.length));
            assertArrayEquals(b, read(s, 100, b.length));
        }
    }

    @Test
    void aFullActiveSegmentIsSealedAndAnotherStarted() throws IOException {
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            Segment first = store.append(MemorySegment.ofArray(new byte[700_000]))[0].segment();
            Segment second = store.append(MemorySegment.ofArray(new byte[700_000]))[0].segment();
            assertTrue(first != second);
            assertTrue(first.sealed());
            assertEquals(second, store.active());
        }
    }

    @Test
    void aFlippedByteFailsOnlyTheBlockItIsIn() throws IOException {
        byte[] data = random(300_000, 3);
        long id;
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            id = store.append(MemorySegment.ofArray(data))[0].segment().id();
        }
        Path file = dir.resolve(SegmentFormat.fileName(id));
        long flipAt = SegmentFormat.HEADER_BYTES + 70_000;
        flip(file, flipAt);
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            Segment s = store.get(id);
            assertArrayEquals(java.util.Arrays.copyOf(data, 65_536), read(s, 0, 65_536));
            CorruptDataException e = assertThrows(CorruptDataException.class, () -> read(s, 65_536, 100));
            assertEquals(SegmentFormat.HEADER_BYTES + 65_536, e.offset());
            assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 131_072, 300_000), read(s, 131_072, 300_000 - 131_072));
        }
    }

    @Test
    void anUnsealedSegmentIsSealedAtWhatIsReferencedAndTornPayloadsFail() throws IOException {
        byte[] a = random(70_000, 4);
        byte[] b = random(1000, 5);
        SegmentStore crashed = SegmentStore.open(dir, CAPACITY);
        SegmentStore.Placed[] placed = crashed.append(MemorySegment.ofArray(a), MemorySegment.ofArray(b));
        crashed.sync();
        // No close: the process died while appending. A later start finds no footer.
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            Segment s = store.get(placed[0].segment().id());
            assertTrue(s.unsealedAtStart());
            store.sealRecovered(s, 71_000, List.of(new long[]{70_000, 1000}));
            assertFalse(s.unsealedAtStart());
            assertArrayEquals(java.util.Arrays.copyOf(a, 65_536), read(s, 0, 65_536));
            assertThrows(CorruptDataException.class, () -> read(s, 70_000, 1000));
        }
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            Segment s = store.get(placed[0].segment().id());
            assertTrue(s.sealed());
            assertEquals(71_000, s.length());
        }
    }

    @Test
    void writersChecksumInOrderOutOfOrderAndSparseBytes() throws IOException {
        byte[] seq = random(200_000, 6);
        byte[] patch = random(5000, 7);
        long id;
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            SegmentWriter w = store.create();
            w.append(MemorySegment.ofArray(seq));
            w.write(100_000, MemorySegment.ofArray(patch));
            w.write(1_000_000, MemorySegment.ofArray(patch));
            Segment s = w.seal();
            id = s.id();
            assertEquals(1_005_000, s.length());
        }
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            Segment s = store.get(id);
            byte[] expected = seq.clone();
            System.arraycopy(patch, 0, expected, 100_000, patch.length);
            assertArrayEquals(expected, read(s, 0, expected.length));
            assertArrayEquals(new byte[800_000], read(s, 200_000, 800_000));
            assertArrayEquals(patch, read(s, 1_000_000, patch.length));
        }
    }

    @Test
    void appendsWrittenBehindReadBackAndCheckOut() throws IOException {
        byte[] data = random(5_000_000, 9);
        long id;
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY);
             io.vexfs.pool.BufferPool pool = io.vexfs.pool.BufferPool.builder().capacity(16 << 20).build()) {
            SegmentWriter w = store.create();
            w.writeBehind(pool);
            for (int at = 0; at < data.length; at += 131_072) {
                w.append(MemorySegment.ofArray(data).asSlice(at, Math.min(131_072, data.length - at)));
            }
            byte[] middle = new byte[1000];
            assertEquals(1000, w.read(2_000_000, MemorySegment.ofArray(middle)), "reads wait for the pages behind");
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 2_000_000, 2_001_000), middle);
            id = w.seal().id();
            assertEquals(0, pool.stats().heldBytesInUse(), "every page went back to the pool");
        }
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            assertArrayEquals(data, read(store.get(id), 0, data.length), "the checksums taken behind match what is on disk");
        }
    }

    @Test
    void anAbortedOrUnsealedWriterLeavesNothingAStartTakesForData() throws IOException {
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            store.create().append(MemorySegment.ofArray(new byte[10]));
            SegmentWriter aborted = store.create();
            aborted.append(MemorySegment.ofArray(new byte[10]));
            aborted.abort();
        }
        SegmentStore.open(dir, CAPACITY).close();
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aRetiredSegmentIsDeletedWhenItsLastReaderUnpins() throws IOException {
        try (SegmentStore store = SegmentStore.open(dir, CAPACITY)) {
            SegmentWriter w = store.create();
            w.append(MemorySegment.ofArray(new byte[]{1, 2, 3}));
            Segment s = w.seal();
            assertTrue(s.tryPin());
            store.retire(s);
            assertTrue(Files.exists(s.path()));
            assertEquals(1, s.slice(0, 3).get(ValueLayout.JAVA_BYTE, 0));
            s.unpin();
            assertFalse(Files.exists(s.path()));
            assertFalse(s.tryPin());
        }
    }

    static void flip(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.flip();
            one.put(0, (byte) (one.get(0) ^ 0x40));
            ch.write(one, at);
        }
    }
}
