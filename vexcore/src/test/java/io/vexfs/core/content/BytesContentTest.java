package io.vexfs.core.content;

import static io.vexfs.core.codec.VectorFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BytesContentTest {
    @Test
    void ofServesTheBytesExactly() {
        byte[] bytes = {1, 2, 3, 4, 5};
        BytesContent content = BytesContent.of(bytes);
        assertEquals(5, content.size());
        assertArrayEquals(bytes, readAll(content));
        byte[] two = new byte[2];
        assertEquals(2, content.read(3, MemorySegment.ofArray(two)));
        assertArrayEquals(new byte[] {4, 5}, two);
        byte[] ten = new byte[10];
        assertEquals(1, content.read(4, MemorySegment.ofArray(ten)));
        assertEquals(5, ten[0]);
    }

    @Test
    void readingAtOrPastTheEndReturnsZero() {
        BytesContent content = BytesContent.of(new byte[] {1, 2, 3});
        assertEquals(0, content.read(3, MemorySegment.ofArray(new byte[4])));
        assertEquals(0, content.read(1000, MemorySegment.ofArray(new byte[4])));
        assertEquals(0, content.read(0, MemorySegment.ofArray(new byte[0])));
        assertEquals(0, BytesContent.of(new byte[0]).size());
        assertEquals(0, BytesContent.of(new byte[0]).read(0, MemorySegment.ofArray(new byte[4])));
        assertThrows(IllegalArgumentException.class, () -> content.read(-1, MemorySegment.ofArray(new byte[4])));
    }

    @Test
    void theSizeMustBeTheChunksTotal() {
        assertThrows(IllegalArgumentException.class, () -> new BytesContent(List.of(new byte[3], new byte[4]), 8));
    }

    @Test
    void randomPiecesOfChunkedContentEqualTheWhole() {
        Random random = new Random(5);
        for (int round = 0; round < 50; round++) {
            byte[] whole = new byte[random.nextInt(5000)];
            random.nextBytes(whole);
            List<byte[]> chunks = new ArrayList<>();
            for (int at = 0; at < whole.length; ) {
                int n = Math.min(whole.length - at, random.nextInt(300));
                chunks.add(Arrays.copyOfRange(whole, at, at + n));
                at += n;
            }
            BytesContent content = new BytesContent(chunks, whole.length);
            assertArrayEquals(whole, readAll(content));
            assertPiecesEqual(whole, content, random);
        }
    }

    @Test
    void readsIntoNativeMemory() {
        byte[] whole = new byte[10_000];
        new Random(9).nextBytes(whole);
        BytesContent content = new BytesContent(List.of(Arrays.copyOf(whole, 4096), Arrays.copyOfRange(whole, 4096, 10_000)),
                whole.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(16384);
            assertEquals(9000, content.read(1000, dst));
            assertArrayEquals(Arrays.copyOfRange(whole, 1000, 10_000), dst.asSlice(0, 9000).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** Reads {@code content} in random (position, length) pieces and compares each with {@code whole}. */
    static void assertPiecesEqual(byte[] whole, FileContent content, Random random) {
        for (int i = 0; i < 200; i++) {
            int position = whole.length == 0 ? 0 : random.nextInt(whole.length + 8);
            byte[] piece = new byte[random.nextInt(Math.max(1, Math.min(whole.length, 600)) + 1)];
            int n = content.read(position, MemorySegment.ofArray(piece));
            int expected = Math.max(0, Math.min(piece.length, whole.length - position));
            assertEquals(expected, n, "read at " + position + " of " + piece.length);
            assertArrayEquals(Arrays.copyOfRange(whole, Math.min(position, whole.length), Math.min(position, whole.length) + n),
                    Arrays.copyOf(piece, n), "read at " + position + " of " + piece.length);
        }
        byte[] stitched = new byte[whole.length];
        for (int at = 0; at < whole.length; ) {
            int n = content.read(at, MemorySegment.ofArray(stitched).asSlice(at, Math.min(whole.length - at, 1 + random.nextInt(97))));
            at += n;
        }
        assertArrayEquals(whole, stitched);
    }
}
