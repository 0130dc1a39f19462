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
 * Bytes a commit is about to store (a file's floats, a .vec file's canonical text, the pages a
 * writer touched), written in order: held in 16 KiB pool pages while they stay under the inline
 * limit, then moved to a segment of their own and written there as they come. {@link #place}
 * puts the small ones together into the shared active segment with one append, and seals the
 * large ones. Memory comes from the pool only, so the pool's size bounds what commits hold.
 */
final class Placer implements AutoCloseable {
    static final int PAGE = PageStaging.PAGE;

    private final BufferPool pool;
    private final SegmentStore segments;
    private final long inlineLimit;
    private final List<PooledBuffer> pages = new ArrayList<>();
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
            // A large file: its bytes are written behind, so its writer's next write overlaps the disk's work.
            writer.writeBehind(pool);
            for (MemorySegment part : parts()) {
                writer.append(part);
            }
            release();
        }
        if (writer != null) {
            writer.append(src);
            size += n;
            return;
        }
        long done = 0;
        while (done < n) {
            int page = (int) (size / PAGE);
            long inPage = size % PAGE;
            if (page == pages.size()) {
                pages.add(pool.acquire(PAGE));
            }
            long take = Math.min(n - done, PAGE - inPage);
            MemorySegment.copy(src, done, pages.get(page).segment(), inPage, take);
            done += take;
            size += take;
        }
    }

    void write(byte[] bytes, int length) throws IOException {
        write(MemorySegment.ofArray(bytes).asSlice(0, length));
    }

    /** Reads back bytes written so far (to render .vec text from floats, or for readers of a file being written). */
    int read(long position, MemorySegment dst) throws IOException {
        if (position >= size) {
            return 0;
        }
        long n = Math.min(dst.byteSize(), size - position);
        if (writer != null) {
            return writer.read(position, dst.asSlice(0, n));
        }
        long done = 0;
        while (done < n) {
            long at = position + done;
            int page = (int) (at / PAGE);
            long take = Math.min(n - done, PAGE - at % PAGE);
            MemorySegment.copy(pages.get(page).segment(), at % PAGE, dst, done, take);
            done += take;
        }
        return (int) n;
    }

    /** The bytes in memory as page slices, in order. */
    private MemorySegment[] parts() {
        MemorySegment[] parts = new MemorySegment[pages.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = pages.get(i).segment().asSlice(0, Math.min(PAGE, size - (long) i * PAGE));
        }
        return parts;
    }

    private void release() {
        for (PooledBuffer p : pages) {
            p.close();
        }
        pages.clear();
    }

    /**
     * Stores each placer's bytes: the small ones appended together to the active segment (one
     * append, so one commit costs one write), the large ones sealed as segments of their own.
     * Returns a span per placer, in order. The placers are spent afterwards.
     */
    static Span[] place(SegmentStore segments, Placer... placers) throws IOException {
        Span[] spans = new Span[placers.length];
        List<MemorySegment[]> inline = new ArrayList<>();
        List<Integer> inlineIndex = new ArrayList<>();
        for (int i = 0; i < placers.length; i++) {
            Placer p = placers[i];
            if (p.writer != null) {
                Segment s = p.writer.seal();
                p.writer = null;
                spans[i] = Span.of(s, 0, s.length());
            } else {
                inline.add(p.parts());
                inlineIndex.add(i);
            }
        }
        if (!inline.isEmpty()) {
            SegmentStore.Placed[] appended = segments.appendParts(inline.toArray(MemorySegment[][]::new));
            for (int j = 0; j < appended.length; j++) {
                SegmentStore.Placed a = appended[j];
                spans[inlineIndex.get(j)] = new Span(a.segment(), a.offset(), a.length(), a.crc(), true);
            }
        }
        return spans;
    }

    /** Frees the pages, and drops a segment nobody placed. */
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
