package io.vexfs.core.fs;

import io.vexfs.core.content.FileContent;
import io.vexfs.core.storage.SegmentStore;
import io.vexfs.core.storage.SegmentWriter;
import io.vexfs.pool.BufferPool;
import io.vexfs.pool.PooledBuffer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Staged bytes as 16 KiB pages over the committed content (the base): a page a writer touched
 * holds the staged bytes of its range, every other range reads from the base (below
 * {@code baseLimit}, the smallest size the file was cut to meanwhile) or as zeros. A touched
 * page starts as a copy of the base's bytes, so a write of a few bytes in the middle of a file
 * keeps its neighbours.
 *
 * <p>Pages live in the buffer pool until they pass {@code memoryLimit} (or the pool has none to
 * give); then every page moves to a spill file (a segment being written, holding each page at
 * its own file offset) and later writes go there directly. Invariant: bytes of a touched page
 * beyond the size are zeros, so growing the file shows zeros.
 */
final class PageStaging implements Staging {
    static final int PAGE = 16 * 1024;

    private final BufferPool pool;
    private final SegmentStore segments;
    private final long memoryLimit;
    private final FileContent base;
    private long baseLimit;
    private long size;
    /** Touched pages: start page -> end page (exclusive), coalesced. */
    private final TreeMap<Long, Long> touched = new TreeMap<>();
    /** Touched pages' memory, until the spill. */
    private final TreeMap<Long, PooledBuffer> memory = new TreeMap<>();
    private SegmentWriter spill;
    /** Bytes of the spill file at or beyond this were never written: a page there needs no zeroing. */
    private long spillEnd;

    /**
     * @param base the committed content writes go over, or null (a new file, or opened with O_TRUNC)
     */
    PageStaging(BufferPool pool, SegmentStore segments, long memoryLimit, FileContent base) {
        this.pool = pool;
        this.segments = segments;
        this.memoryLimit = memoryLimit;
        this.base = base;
        this.size = base == null ? 0 : base.size();
        this.baseLimit = size;
    }

    @Override
    public long size() {
        return size;
    }

    long baseLimit() {
        return baseLimit;
    }

    boolean spilled() {
        return spill != null;
    }

    @Override
    public int read(long position, MemorySegment dst) throws IOException {
        if (position >= size) {
            return 0;
        }
        long total = Math.min(dst.byteSize(), size - position);
        long done = 0;
        while (done < total) {
            long at = position + done;
            long page = at / PAGE;
            long n = Math.min(total - done, (page + 1) * PAGE - at);
            MemorySegment out = dst.asSlice(done, n);
            if (isTouched(page)) {
                if (spill != null) {
                    readSpill(at, out);
                } else {
                    MemorySegment.copy(memory.get(page).segment(), at - page * PAGE, out, 0, n);
                }
            } else {
                readBase(at, out);
            }
            done += n;
        }
        return (int) total;
    }

    private void readSpill(long at, MemorySegment out) throws IOException {
        int got = spill.read(at, out);
        if (got < out.byteSize()) {
            out.asSlice(got).fill((byte) 0);
        }
    }

    /** Base bytes below baseLimit, zeros beyond. */
    private void readBase(long at, MemorySegment out) {
        long n = out.byteSize();
        long fromBase = base == null ? 0 : Math.max(0, Math.min(n, baseLimit - at));
        if (fromBase > 0) {
            int got = base.read(at, out.asSlice(0, fromBase));
            if (got < fromBase) {
                out.asSlice(got, fromBase - got).fill((byte) 0);
            }
        }
        if (fromBase < n) {
            out.asSlice(fromBase).fill((byte) 0);
        }
    }

    @Override
    public void write(long position, MemorySegment src) throws IOException {
        long total = src.byteSize();
        long done = 0;
        while (done < total) {
            long at = position + done;
            long page = at / PAGE;
            long n = Math.min(total - done, (page + 1) * PAGE - at);
            MemorySegment piece = src.asSlice(done, n);
            touch(page);
            if (spill != null) {
                spill.write(at, piece);
                spillEnd = Math.max(spillEnd, at + n);
            } else {
                MemorySegment.copy(piece, 0, memory.get(page).segment(), at - page * PAGE, n);
            }
            done += n;
        }
        size = Math.max(size, position + total);
    }

    @Override
    public void truncate(long newSize) throws IOException {
        if (newSize < size) {
            baseLimit = Math.min(baseLimit, newSize);
            long page = newSize / PAGE;
            long cut = newSize - page * PAGE;
            if (cut > 0 && isTouched(page)) {
                zero(page, cut, PAGE);
            }
            long firstGone = (newSize + PAGE - 1) / PAGE;
            untouchFrom(firstGone);
        }
        size = newSize;
    }

    /** Zeros bytes [from, to) within a touched page. */
    private void zero(long page, long from, long to) throws IOException {
        if (spill != null) {
            long start = page * PAGE + from;
            long end = Math.min(page * PAGE + to, spillEnd);
            if (end > start) {
                spill.write(start, MemorySegment.ofArray(new byte[(int) (end - start)]));
            }
        } else {
            memory.get(page).segment().asSlice(from, to - from).fill((byte) 0);
        }
    }

    /** Makes {@code page} a touched page holding what it reads as now. */
    private void touch(long page) throws IOException {
        if (isTouched(page)) {
            return;
        }
        if (spill == null && (memory.size() + 1L) * PAGE > memoryLimit) {
            spillAll();
        }
        if (spill == null) {
            PooledBuffer buffer = pool.acquire(PAGE);
            if (!buffer.pooled() && pool.pooling()) {
                // The pool is full: large staging goes to disk, never to memory outside the pool's cap.
                buffer.close();
                spillAll();
            } else {
                readBase(page * PAGE, buffer.segment());
                memory.put(page, buffer);
            }
        }
        if (spill != null) {
            long start = page * PAGE;
            boolean fresh = start >= spillEnd;
            boolean hasBase = base != null && start < baseLimit;
            if (!fresh || hasBase) {
                MemorySegment bytes = MemorySegment.ofArray(new byte[PAGE]);
                readBase(start, bytes);
                spill.write(start, bytes);
                spillEnd = Math.max(spillEnd, start + PAGE);
            }
        }
        addTouched(page);
    }

    /** Moves every page to a spill file, in page order. */
    private void spillAll() throws IOException {
        spill = segments.create();
        for (Map.Entry<Long, PooledBuffer> e : memory.entrySet()) {
            spill.write(e.getKey() * PAGE, e.getValue().segment());
            spillEnd = Math.max(spillEnd, (e.getKey() + 1) * PAGE);
            e.getValue().close();
        }
        memory.clear();
    }

    /** The touched byte ranges within the size: [start, end) pairs in order. */
    List<long[]> runs() {
        List<long[]> runs = new ArrayList<>();
        for (Map.Entry<Long, Long> e : touched.entrySet()) {
            long start = e.getKey() * PAGE;
            long end = Math.min(e.getValue() * PAGE, size);
            if (end > start) {
                runs.add(new long[]{start, end});
            }
        }
        return runs;
    }

    /** Bytes the touched pages hold within the size. */
    long touchedBytes() {
        long n = 0;
        for (long[] r : runs()) {
            n += r[1] - r[0];
        }
        return n;
    }

    /** Writes the touched bytes [start, end) of a run (in memory, not spilled) to a placer. */
    void copyRun(long start, long end, Placer out) throws IOException {
        for (long at = start; at < end; ) {
            long page = at / PAGE;
            long n = Math.min(end - at, (page + 1) * PAGE - at);
            out.write(memory.get(page).segment().asSlice(at - page * PAGE, n));
            at += n;
        }
    }

    /**
     * Seals the touched pages as a segment (spilling them first if they are still in memory),
     * where each page sits at its own file offset: the commit's extents point into it. The
     * staging is spent afterwards.
     */
    io.vexfs.core.storage.Segment sealSpill() throws IOException {
        if (spill == null) {
            spillAll();
        }
        SegmentWriter s = spill;
        spill = null;
        return s.seal();
    }

    @Override
    public void close() throws IOException {
        for (PooledBuffer b : memory.values()) {
            b.close();
        }
        memory.clear();
        touched.clear();
        if (spill != null) {
            SegmentWriter s = spill;
            spill = null;
            s.abort();
        }
    }

    // ---- touched page runs ----

    private boolean isTouched(long page) {
        Map.Entry<Long, Long> e = touched.floorEntry(page);
        return e != null && page < e.getValue();
    }

    private void addTouched(long page) {
        long start = page;
        long end = page + 1;
        Map.Entry<Long, Long> before = touched.floorEntry(page);
        if (before != null && before.getValue() >= page) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
            touched.remove(before.getKey());
        }
        Long after = touched.get(end);
        if (after != null) {
            touched.remove(end);
            end = after;
        }
        touched.put(start, end);
    }

    /** Forgets touched pages from {@code page} on (they are past the size now). */
    private void untouchFrom(long page) {
        Map.Entry<Long, Long> e = touched.lowerEntry(page);
        if (e != null && e.getValue() > page) {
            touched.put(e.getKey(), page);
        }
        touched.tailMap(page, true).clear();
        NavigableMap<Long, PooledBuffer> gone = memory.tailMap(page, true);
        for (PooledBuffer b : gone.values()) {
            b.close();
        }
        gone.clear();
    }
}
