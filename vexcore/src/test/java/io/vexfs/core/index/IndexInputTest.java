package io.vexfs.core.index;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexInputTest {
    /** Links as an index file holds them: per link a u32 neighbour and an f32 score, little-endian. */
    private static IndexInput links(int... neighbours) {
        ByteBuffer b = ByteBuffer.allocate(neighbours.length * 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int n : neighbours) {
            b.putInt(n).putFloat(0.5f);
        }
        b.putInt(77);
        return new IndexInput(MemorySegment.ofArray(b.array()));
    }

    @Test
    void linksInRangeAreSkippedWhole() {
        IndexInput in = links(0, 9, 3, 9);
        in.skipLinks(4, 10, "neighbour");
        assertEquals(32, in.position());
        assertEquals(77, in.readInt(), "what follows the links is read next");
        IndexInput none = links();
        none.skipLinks(0, 10, "neighbour");
        assertEquals(0, none.position());
    }

    @Test
    void aNeighbourOutOfRangeOrLinksPastTheEndAreCorrupt() {
        CorruptIndexException high = assertThrows(CorruptIndexException.class, () -> links(1, 10, 2).skipLinks(3, 10, "neighbour"));
        assertTrue(high.getMessage().contains("neighbour 10 out of range [0, 10) at byte 8"), high.getMessage());
        CorruptIndexException negative = assertThrows(CorruptIndexException.class, () -> links(-1).skipLinks(1, 10, "neighbour"));
        assertTrue(negative.getMessage().contains("neighbour -1 out of range"), negative.getMessage());
        CorruptIndexException truncated = assertThrows(CorruptIndexException.class, () -> links(1, 2).skipLinks(3, 10, "neighbour"));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    }
}
