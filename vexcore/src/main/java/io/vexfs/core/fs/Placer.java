package io.vexfs.core.fs;

import io.vexfs.core.content.Span;
import io.vexfs.core.storage.Segment;
import io.vexfs.core.storage.SegmentStore;
import io.vexfs.core.storage.SegmentWriter;
import io.vexfs.pool.BufferPool;
import io.vexfs.pool.PooledBuffer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes a commit is about to store (a file's floats, a .vec file's canonical text), written in
 * order: held in a pool buffer while they stay under the inline limit, then moved to a segment
 * of their own and written there as they come. {@link #place} puts small ones together into the
 * shared active segment with one append, and seals the large ones.
 */
final class Placer implements AutoCloseable {
    private final BufferPool pool;
    private final SegmentStore segments;
    private final long inlineLimit;
    private PooledBuffer buffer;
    private SegmentWriter writer;
    private long size;

    Placer(BufferPool pool, SegmentStore segments, long inlineLimit) {
        this.pool = pool;
        this.segments = segments;
        this.inlineLimit = inlineLimit;
    }

    long size() {
        return size;
    }

    void write(MemorySegment src) throws IOException {
        long n = src.byteSize();
        if (writer == null && size + n > inlineLimit) {
            writer = segments.create();
            if (size > 0) {
                writer.append(buffer.segment().asSlice(0, size));
            }
            release();
        }
        if (writer != null) {
            writer.append(src);
        } else {
            ensureRoom(size + n);
            MemorySegment.copy(src, 0, buffer.segment(), size, n);
        }
        size += n;
    }

    void write(byte[] bytes, int length) throws IOException {
        write(MemorySegment.ofArray(bytes).asSlice(0, length));
    }

    /** Reads back bytes written so far (for readers of a file still being written). */
    int read(long position, MemorySegment dst) throws IOException {
        if (position >= size) {
            return 0;
        }
        long n = Math.min(dst.byteSize(), size - position);
        if (writer != null) {
            return writer.read(position, dst.asSlice(0, n));
        }
        MemorySegment.copy(buffer.segment(), position, dst, 0, n);
        return (int) n;
    }

    /** The bytes in memory, for a caller that reads them before placing (rendering .vec text); null once spilled. */
    MemorySegment memory() {
        return writer != null ? null : buffer == null ? MemorySegment.ofArray(new byte[0]) : buffer.segment().asSlice(0, size);
    }

    private void ensureRoom(long needed) {
        if (buffer != null && buffer.capacity() >= needed) {
            return;
        }
        long capacity = Math.max(needed, buffer == null ? 1024 : Math.min(inlineLimit, buffer.capacity() * 2));
        PooledBuffer grown = pool.acquire(capacity);
        if (buffer != null) {
            MemorySegment.copy(buffer.segment(), 0, grown.segment(), 0, size);
            buffer.close();
        }
        buffer = grown;
    }

    private void release() {
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
    }

    /**
     * Stores each placer's bytes: the small ones appended together to the active segment (one
     * append, so one commit costs one write), the large ones sealed as segments of their own.
     * Returns a span per placer, in order. The placers are spent afterwards.
     */
    static Span[] place(SegmentStore segments, Placer... placers) throws IOException {
        Span[] spans = new Span[placers.length];
        List<MemorySegment> inline = new ArrayList<>();
        List<Integer> inlineIndex = new ArrayList<>();
        for (int i = 0; i < placers.length; i++) {
            Placer p = placers[i];
            if (p.writer != null) {
                Segment s = p.writer.seal();
                p.writer = null;
                spans[i] = Span.of(s, 0, s.length());
            } else {
                inline.add(p.memory());
                inlineIndex.add(i);
            }
        }
        if (!inline.isEmpty()) {
            SegmentStore.Placed[] appended = segments.append(inline.toArray(MemorySegment[]::new));
            for (int j = 0; j < appended.length; j++) {
                SegmentStore.Placed a = appended[j];
                spans[inlineIndex.get(j)] = new Span(a.segment(), a.offset(), a.length(), a.crc(), true);
            }
        }
        return spans;
    }

    /** Frees the buffer, and drops a segment nobody placed. */
    @Override
    public void close() throws IOException {
        release();
        if (writer != null) {
            SegmentWriter w = writer;
            writer = null;
            w.abort();
        }
    }
}
