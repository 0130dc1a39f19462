package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** What every FileContent read shares: how much to copy, and the bytes of a little-endian int. */
final class ContentReads {
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ContentReads() {
    }

    /** The number of bytes a read at {@code position} into {@code dst} returns from content of {@code size}. */
    static int length(long position, long size, MemorySegment dst) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        if (position >= size) {
            return 0;
        }
        return (int) Math.min(Math.min(dst.byteSize(), size - position), Integer.MAX_VALUE);
    }

    /** Copies bytes [from, from + count) of the little-endian int {@code bits} to dst at dstOffset. */
    static void copyBytes(int bits, int from, int count, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + i, (byte) (bits >>> (8 * (from + i))));
        }
    }
}
