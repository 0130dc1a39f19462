package io.vexfs.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Frames records onto a channel with one gather write per record. Reuses its header buffer,
 * checksum and buffer array, so appending allocates nothing. Not thread-safe: each owner
 * (the live log, one checkpoint) has its own.
 */
final class RecordWriter {
    /**
     * The JDK copies a heap buffer into a temporary direct buffer of the same size before a
     * write and caches that per thread, so a 512 MB heap body would pin 512 MB off-heap.
     * Heap parts are therefore written this much at a time.
     */
    private static final int HEAP_CHUNK_BYTES = 1 << 20;

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer header = ByteBuffer.allocateDirect(LogFormat.RECORD_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** Staging for float payloads, made on first use: one copy from the array, then the write. */
    private ByteBuffer floatChunk;
    /** The whole of {@link #floatChunk}, taken once: a view made later would start at its position. */
    private MemorySegment floatChunkMemory;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer[] batch = new ByteBuffer[8];

    /**
     * Writes one record at the channel's position and returns its framed size. On an exception
     * part of the record may have been written; the caller must cut the file back.
     */
    long write(FileChannel channel, int type, long bodyLength, ByteBuffer[] parts) throws IOException {
        crc.reset();
        crc.update(type);
        for (ByteBuffer part : parts) {
            int position = part.position();
            crc.update(part);
            part.position(position);
        }
        header.clear();
        header.putInt((int) bodyLength).putInt((int) crc.getValue()).put((byte) type).flip();
        int count = parts.length + 1;
        if (batch.length < count) {
            batch = new ByteBuffer[Math.max(count, batch.length * 2)];
        }
        batch[0] = header;
        System.arraycopy(parts, 0, batch, 1, parts.length);
        try {
            writeBatch(channel, count);
        } finally {
            // Do not keep the caller's buffers reachable after the call.
            Arrays.fill(batch, 0, count, null);
        }
        return LogFormat.RECORD_HEADER_BYTES + bodyLength;
    }

    /**
     * Writes one record whose body is {@code head} then {@code floats} as float32 little-endian,
     * without materialising the body: the floats pass through one reused direct buffer while
     * the checksum is computed, and the checksum is written into the header last. A crash before
     * that leaves a record whose checksum does not match, which recovery drops as a torn tail.
     */
    long writeFloats(FileChannel channel, int type, ByteBuffer head, float[] floats) throws IOException {
        long bodyLength = head.remaining() + 4L * floats.length;
        long start = channel.position();
        crc.reset();
        crc.update(type);
        header.clear();
        header.putInt((int) bodyLength).putInt(0).put((byte) type).flip();
        writeFully(channel, header);
        int headStart = head.position();
        crc.update(head);
        head.position(headStart);
        writeFully(channel, head);
        if (floatChunk == null) {
            floatChunk = ByteBuffer.allocateDirect(HEAP_CHUNK_BYTES);
            floatChunkMemory = MemorySegment.ofBuffer(floatChunk);
        }
        int perChunk = HEAP_CHUNK_BYTES / 4;
        for (int from = 0; from < floats.length; from += perChunk) {
            int n = Math.min(perChunk, floats.length - from);
            MemorySegment.copy(floats, from, floatChunkMemory, FLOAT_LE, 0, n);
            floatChunk.clear().limit(4 * n);
            crc.update(floatChunk);
            floatChunk.flip();
            writeFully(channel, floatChunk);
        }
        header.clear();
        header.putInt((int) crc.getValue()).flip();
        long at = start + 4;
        while (header.hasRemaining()) {
            at += channel.write(header, at);
        }
        return LogFormat.RECORD_HEADER_BYTES + bodyLength;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private void writeBatch(FileChannel channel, int count) throws IOException {
        int first = 0;
        while (first < count) {
            if (!batch[first].hasRemaining()) {
                first++;
                continue;
            }
            // A gather write must end at a capped heap buffer, or bytes would leave out of order.
            int end = first;
            int cappedLimit = -1;
            while (end < count) {
                ByteBuffer buffer = batch[end++];
                if (!buffer.isDirect() && buffer.remaining() > HEAP_CHUNK_BYTES) {
                    cappedLimit = buffer.limit();
                    buffer.limit(buffer.position() + HEAP_CHUNK_BYTES);
                    break;
                }
            }
            try {
                channel.write(batch, first, end - first);
            } finally {
                if (cappedLimit >= 0) {
                    batch[end - 1].limit(cappedLimit);
                }
            }
        }
    }
}
