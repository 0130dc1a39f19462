package io.vexfs.core.fs;

import io.vexfs.core.content.FileContent;
import io.vexfs.pool.BufferPool;
import io.vexfs.pool.PooledBuffer;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a file being written, held off-heap in pool buffers until the writer commits.
 * Chunk 0 covers [0, 16 KiB) and grows through the pool's tiers (1, 4, 16 KiB) so a small
 * vector file takes a small buffer; then 16 KiB pages up to 1 MiB; then 1 MiB chunks, which
 * the pool serves from outside its tiers. Bytes in [0, size) are valid; past size is garbage
 * and is zeroed when the file grows over it.
 */
public final class StagedFile implements AutoCloseable {
    static final int PAGE = 16 * 1024;
    static final long SMALL_END = 1L << 20;
    static final int BIG = 1 << 20;
    private static final int SMALL_PAGES = (int) (SMALL_END / PAGE);

    private final BufferPool pool;
    private final List<PooledBuffer> chunks = new ArrayList<>();
    private long size;

    public StagedFile(BufferPool pool) {
        this.pool = pool;
    }

    public long size() {
        return size;
    }

    void loadFrom(FileContent content) {
        long n = content.size();
        long pos = 0;
        while (pos < n) {
            MemorySegment dst = writable(pos, n - pos);
            int got = content.read(pos, dst);
            if (got <= 0) {
                throw new IllegalStateException("content shorter than its size at " + pos);
            }
            pos += got;
            size = Math.max(size, pos);
        }
    }

    public void write(long pos, MemorySegment src) {
        if (pos > size) {
            zero(size, pos);
        }
        long len = src.byteSize();
        long done = 0;
        while (done < len) {
            MemorySegment dst = writable(pos + done, len - done);
            MemorySegment.copy(src, done, dst, 0, dst.byteSize());
            done += dst.byteSize();
        }
        size = Math.max(size, pos + len);
    }

    public int read(long pos, MemorySegment dst) {
        if (pos >= size) {
            return 0;
        }
        long len = Math.min(dst.byteSize(), size - pos);
        long done = 0;
        while (done < len) {
            long at = pos + done;
            int idx = chunkIndex(at);
            long off = at - chunkStart(idx);
            long n = Math.min(len - done, chunkSpan(idx) - off);
            PooledBuffer b = idx < chunks.size() ? chunks.get(idx) : null;
            if (b == null) {
                dst.asSlice(done, n).fill((byte) 0);
            } else {
                MemorySegment.copy(b.segment(), off, dst, done, n);
            }
            done += n;
        }
        return (int) len;
    }

    public void truncate(long newSize) {
        if (newSize > size) {
            zero(size, newSize);
        }
        size = newSize;
    }

    InputStream stream() {
        return new InputStream() {
            private long pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) {
                    return -1;
                }
                int n = StagedFile.this.read(pos, MemorySegment.ofArray(b).asSlice(off, len));
                pos += n;
                return n;
            }
        };
    }

    @Override
    public void close() {
        for (PooledBuffer b : chunks) {
            if (b != null) {
                b.close();
            }
        }
        chunks.clear();
        size = 0;
    }

    private void zero(long from, long to) {
        long pos = from;
        while (pos < to) {
            MemorySegment dst = writable(pos, to - pos);
            dst.fill((byte) 0);
            pos += dst.byteSize();
        }
    }

    /** A writable slice at {@code pos} of at most {@code want} bytes, within one chunk. */
    private MemorySegment writable(long pos, long want) {
        int idx = chunkIndex(pos);
        long off = pos - chunkStart(idx);
        long n = Math.min(want, chunkSpan(idx) - off);
        while (chunks.size() <= idx) {
            chunks.add(null);
        }
        PooledBuffer b = chunks.get(idx);
        long need = off + n;
        if (b == null || b.capacity() < need) {
            // Chunk 0 grows by tier; keep what it held.
            int cap = idx == 0 ? tierFor(need) : (int) chunkSpan(idx);
            PooledBuffer grown = pool.acquire(cap);
            if (b != null) {
                MemorySegment.copy(b.segment(), 0, grown.segment(), 0, Math.min(b.capacity(), Math.max(0, size)));
                b.close();
            }
            b = grown;
            chunks.set(idx, b);
        }
        return b.segment().asSlice(off, n);
    }

    private static int tierFor(long need) {
        return need <= 1024 ? 1024 : need <= 4096 ? 4096 : PAGE;
    }

    private static int chunkIndex(long pos) {
        if (pos < SMALL_END) {
            return (int) (pos / PAGE);
        }
        return SMALL_PAGES + (int) ((pos - SMALL_END) / BIG);
    }

    private static long chunkStart(int idx) {
        return idx < SMALL_PAGES ? (long) idx * PAGE : SMALL_END + (long) (idx - SMALL_PAGES) * BIG;
    }

    private static long chunkSpan(int idx) {
        return idx < SMALL_PAGES ? PAGE : BIG;
    }
}
