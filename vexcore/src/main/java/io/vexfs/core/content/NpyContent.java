package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** An .npy file rendered on demand: its header bytes as written, then the floats little-endian. */
final class NpyContent implements FileContent {
    private final byte[] header;
    private final ByteSource floats;
    private final long size;

    NpyContent(byte[] header, ByteSource floats) {
        this.header = header;
        this.floats = floats;
        this.size = header.length + floats.size();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long position, MemorySegment dst) {
        int total = ContentReads.length(position, size, dst);
        int written = 0;
        if (position < header.length && total > 0) {
            written = (int) Math.min(header.length - position, total);
            MemorySegment.copy(header, (int) position, dst, ValueLayout.JAVA_BYTE, 0, written);
        }
        if (written < total) {
            floats.copyTo(position + written - header.length, dst, written, total - written);
        }
        return total;
    }
}
