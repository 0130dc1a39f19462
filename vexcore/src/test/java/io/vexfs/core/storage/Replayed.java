package io.vexfs.core.storage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Test records whose bodies describe themselves: u64 id, then bytes derived from the id, so a
 * replayed body can be checked without keeping what was written. Bodies shorter than 8 bytes
 * are the id's low bytes.
 */
final class Replayed implements RecordVisitor {
    /** What a replayed record looked like: enough to compare without keeping a 512 MB body. */
    record Entry(int type, long length, long id, boolean intact) {
    }

    final List<Entry> entries = new ArrayList<>();

    @Override
    public void visit(int type, MemorySegment body) {
        entries.add(describe(type, body));
    }

    static Entry describe(int type, MemorySegment body) {
        long length = body.byteSize();
        if (length < Long.BYTES) {
            return new Entry(type, length, -1, true);
        }
        long id = body.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        return new Entry(type, length, id, checksum(body.asByteBuffer()) == expectedChecksum(id, length));
    }

    static Entry expected(int type, long id, long length) {
        return new Entry(type, length, length < Long.BYTES ? -1 : id, true);
    }

    static ByteBuffer body(long id, int length, boolean direct) {
        ByteBuffer body = (direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length)).order(ByteOrder.LITTLE_ENDIAN);
        fill(body, id, length);
        return body.flip();
    }

    private static void fill(ByteBuffer body, long id, long length) {
        if (length >= Long.BYTES) {
            body.putLong(id);
        }
        long state = id * 0x9E3779B97F4A7C15L + 1;
        while (body.position() < length) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            body.put((byte) state);
        }
    }

    private static long expectedChecksum(long id, long length) {
        ByteBuffer body = ByteBuffer.allocate((int) Math.min(length, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        if (length <= body.capacity()) {
            fill(body, id, length);
            return checksum(body.flip());
        }
        return checksum(body(id, (int) length, true));
    }

    private static long checksum(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }
}
