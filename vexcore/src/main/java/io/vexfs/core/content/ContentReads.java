package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** What every FileContent read shares: how much to copy, and the little-endian image of floats. */
final class ContentReads {
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Below this many floats a plain loop beats the setup of a bulk copy (rows of tiny vectors). */
    private static final int BULK_FLOATS = 16;

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

    /**
     * Copies {@code byteCount} bytes of the little-endian image of {@code values}, starting at byte
     * {@code byteOffset} of that image, to {@code dst} at {@code dstOffset}: whole floats in bulk,
     * a float cut by either end byte by byte.
     */
    static void copyFloats(float[] values, long byteOffset, MemorySegment dst, long dstOffset, int byteCount) {
        int index = (int) (byteOffset >>> 2);
        int skip = (int) (byteOffset & 3);
        int done = 0;
        if (skip != 0) {
            done = Math.min(Float.BYTES - skip, byteCount);
            copyBytes(Float.floatToRawIntBits(values[index]), skip, done, dst, dstOffset);
            index++;
        }
        int whole = (byteCount - done) >>> 2;
        if (whole >= BULK_FLOATS) {
            MemorySegment.copy(values, index, dst, FLOAT_LE, dstOffset + done, whole);
            done += whole * Float.BYTES;
            index += whole;
        } else {
            for (int end = index + whole; index < end; index++, done += Float.BYTES) {
                dst.set(FLOAT_LE, dstOffset + done, values[index]);
            }
        }
        if (done < byteCount) {
            copyBytes(Float.floatToRawIntBits(values[index]), 0, byteCount - done, dst, dstOffset + done);
        }
    }

    /** Copies bytes [from, from + count) of the little-endian int {@code bits} to dst at dstOffset. */
    static void copyBytes(int bits, int from, int count, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + i, (byte) (bits >>> (8 * (from + i))));
        }
    }
}
