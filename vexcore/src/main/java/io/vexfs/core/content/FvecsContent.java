package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;

/** An .fvecs file rendered on demand from its floats: per row the int32 dimension, then the floats, little-endian. */
final class FvecsContent implements FileContent {
    private final int dim;
    private final ByteSource floats;
    private final long recordBytes;
    private final long size;

    FvecsContent(long rows, int dim, ByteSource floats) {
        this.dim = dim;
        this.floats = floats;
        this.recordBytes = Integer.BYTES + (long) Float.BYTES * dim;
        this.size = rows * recordBytes;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long position, MemorySegment dst) {
        int total = ContentReads.length(position, size, dst);
        long row = position / recordBytes;
        int inRecord = (int) (position - row * recordBytes);
        int written = 0;
        while (written < total) {
            int n;
            if (inRecord < Integer.BYTES) {
                n = Math.min(Integer.BYTES - inRecord, total - written);
                if (n == Integer.BYTES) {
                    dst.set(ContentReads.INT_LE, written, dim);
                } else {
                    ContentReads.copyBytes(dim, inRecord, n, dst, written);
                }
            } else {
                n = (int) Math.min(recordBytes - inRecord, total - written);
                floats.copyTo(row * dim * Float.BYTES + inRecord - Integer.BYTES, dst, written, n);
            }
            written += n;
            inRecord += n;
            if (inRecord == recordBytes) {
                row++;
                inRecord = 0;
            }
        }
        return total;
    }
}
