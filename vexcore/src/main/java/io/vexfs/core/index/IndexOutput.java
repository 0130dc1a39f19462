package io.vexfs.core.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Little-endian writes to a file through one 1 MiB buffer, with a running CRC32C of every byte
 * written: what an index file is written with (its trailer holds the checksum).
 */
public final class IndexOutput {
    private static final int BUFFER = 1 << 20;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();
    private long written;

    public IndexOutput(FileChannel channel) {
        this.channel = channel;
    }

    private void room(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
        }
    }

    public void writeByte(int v) throws IOException {
        room(1);
        buffer.put((byte) v);
    }

    public void writeInt(int v) throws IOException {
        room(Integer.BYTES);
        buffer.putInt(v);
    }

    public void writeLong(long v) throws IOException {
        room(Long.BYTES);
        buffer.putLong(v);
    }

    public void writeFloat(float v) throws IOException {
        room(Float.BYTES);
        buffer.putFloat(v);
    }

    public void writeBytes(byte[] bytes) throws IOException {
        writeBytes(bytes, 0, bytes.length);
    }

    /** bytes[from, from + length). */
    public void writeBytes(byte[] bytes, int from, int length) throws IOException {
        for (int end = from + length; from < end; ) {
            room(1);
            int n = Math.min(buffer.remaining(), end - from);
            buffer.put(bytes, from, n);
            from += n;
        }
    }

    /** u32 length, then the UTF-8 bytes. */
    public void writeText(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeInt(bytes.length);
        writeBytes(bytes);
    }

    /** Bytes written so far. */
    public long position() {
        return written + buffer.position();
    }

    /** The CRC32C of every byte written so far. */
    public int crc() throws IOException {
        flush();
        return (int) crc.getValue();
    }

    public void flush() throws IOException {
        buffer.flip();
        crc.update(buffer.duplicate());
        while (buffer.hasRemaining()) {
            written += channel.write(buffer);
        }
        buffer.clear();
    }
}
