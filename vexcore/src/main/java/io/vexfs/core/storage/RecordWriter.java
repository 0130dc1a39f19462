package io.vexfs.core.storage;

import java.io.IOException;
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

    private final ByteBuffer header = ByteBuffer.allocateDirect(LogFormat.RECORD_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
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
