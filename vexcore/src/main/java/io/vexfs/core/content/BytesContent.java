package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of an ordinary file, held in chunks so a large file needs no single huge array.
 * The chunks are taken over, not copied: nobody may write into them afterwards.
 */
public final class BytesContent implements FileContent {
    private static final BytesContent EMPTY = new BytesContent(List.of(), 0);

    private final byte[][] chunks;
    /** starts[i] is the file offset of chunks[i]'s first byte. */
    private final long[] starts;
    private final long size;

    /** @param size the chunks' total length, which it must equal */
    public BytesContent(List<byte[]> chunks, long size) {
        List<byte[]> nonEmpty = new ArrayList<>(chunks.size());
        long total = 0;
        for (byte[] chunk : chunks) {
            if (chunk.length > 0) {
                nonEmpty.add(chunk);
                total += chunk.length;
            }
        }
        if (total != size) {
            throw new IllegalArgumentException("chunks hold " + total + " bytes, not " + size);
        }
        this.chunks = nonEmpty.toArray(new byte[0][]);
        this.starts = new long[this.chunks.length];
        long start = 0;
        for (int i = 0; i < this.chunks.length; i++) {
            starts[i] = start;
            start += this.chunks[i].length;
        }
        this.size = size;
    }

    /** A content of exactly {@code bytes}, which is taken over, not copied. */
    public static BytesContent of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new BytesContent(List.of(bytes), bytes.length);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long position, MemorySegment dst) {
        int total = ContentReads.length(position, size, dst);
        if (total == 0) {
            return 0;
        }
        int chunk = Arrays.binarySearch(starts, position);
        if (chunk < 0) {
            chunk = -chunk - 2;
        }
        int offset = (int) (position - starts[chunk]);
        long written = 0;
        while (written < total) {
            int n = (int) Math.min(chunks[chunk].length - offset, total - written);
            MemorySegment.copy(chunks[chunk], offset, dst, ValueLayout.JAVA_BYTE, written, n);
            written += n;
            chunk++;
            offset = 0;
        }
        return total;
    }
}
