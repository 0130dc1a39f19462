package io.vexfs.core.content;

import io.vexfs.core.storage.Segment;
import io.vexfs.core.storage.SegmentStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ordinary files as extents over segments: holes, overlays of staged pages, cuts. */
class ExtentContentTest {
    @TempDir
    Path dir;
    private SegmentStore store;

    @BeforeEach
    void open() throws IOException {
        store = SegmentStore.open(dir, 1 << 20);
    }

    @AfterEach
    void close() throws IOException {
        store.close();
    }

    private Span put(byte[] bytes) throws IOException {
        SegmentStore.Placed p = store.append(MemorySegment.ofArray(bytes))[0];
        return new Span(p.segment(), p.offset(), p.length(), p.crc(), true);
    }

    private static byte[] all(ExtentContent c) {
        byte[] out = new byte[(int) c.size()];
        // Odd read sizes cross extent and hole boundaries anywhere.
        for (int at = 0; at < out.length; ) {
            int n = c.read(at, MemorySegment.ofArray(out).asSlice(at, Math.min(7, out.length - at)));
            at += n;
        }
        return out;
    }

    @Test
    void holesReadAsZerosAndTheSizeIsTheSize() throws IOException {
        byte[] a = {1, 2, 3, 4};
        ExtentContent c = ExtentContent.of(20, List.of(new ExtentContent.Extent(5, put(a))));
        byte[] expected = new byte[20];
        System.arraycopy(a, 0, expected, 5, 4);
        assertArrayEquals(expected, all(c));
        ExtentContent huge = ExtentContent.of(1L << 50, List.of());
        assertEquals(1L << 50, huge.size());
        byte[] tail = new byte[16];
        Arrays.fill(tail, (byte) 9);
        assertEquals(16, huge.read((1L << 50) - 16, MemorySegment.ofArray(tail)));
        assertArrayEquals(new byte[16], tail);
    }

    @Test
    void anOverlayKeepsTheBaseAroundWhatWasWritten() throws IOException {
        Random random = new Random(11);
        byte[] base = new byte[1000];
        random.nextBytes(base);
        ExtentContent c = ExtentContent.of(1000, List.of(new ExtentContent.Extent(0, put(base))));
        byte[] w1 = new byte[100];
        byte[] w2 = new byte[50];
        random.nextBytes(w1);
        random.nextBytes(w2);
        ExtentContent over = ExtentContent.overlay(c, 1000, 1200,
                List.of(new ExtentContent.Extent(200, put(w1)), new ExtentContent.Extent(1150, put(w2))));
        byte[] expected = Arrays.copyOf(base, 1200);
        System.arraycopy(w1, 0, expected, 200, 100);
        System.arraycopy(w2, 0, expected, 1150, 50);
        assertArrayEquals(expected, all(over));
    }

    @Test
    void aCutBaseReadsZerosPastTheCutEvenWhenGrownAgain() throws IOException {
        byte[] base = new byte[500];
        Arrays.fill(base, (byte) 7);
        ExtentContent c = ExtentContent.of(500, List.of(new ExtentContent.Extent(0, put(base))));
        ExtentContent grown = ExtentContent.overlay(c, 100, 400, List.of());
        byte[] expected = new byte[400];
        Arrays.fill(expected, 0, 100, (byte) 7);
        assertArrayEquals(expected, all(grown));
        ExtentContent shrunk = ExtentContent.overlay(c, 500, 50, List.of(new ExtentContent.Extent(40, put(new byte[30]))));
        assertEquals(50, shrunk.size());
        byte[] small = new byte[50];
        Arrays.fill(small, 0, 40, (byte) 7);
        assertArrayEquals(small, all(shrunk));
    }

    @Test
    void spansMoveWithoutChangingWhatReads() throws IOException {
        byte[] a = new byte[300];
        new Random(3).nextBytes(a);
        ExtentContent c = ExtentContent.of(300, List.of(new ExtentContent.Extent(0, put(a))));
        Span copy = put(a);
        Segment target = copy.segment();
        ExtentContent moved = c.withSpans(s -> s.movedTo(target, copy.offset()));
        assertArrayEquals(a, all(moved));
        assertEquals(copy.offset(), moved.spans().get(0).offset());
    }
}
