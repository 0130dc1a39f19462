package io.vexfs.core.content;

import io.vexfs.core.storage.Segment;

import java.lang.foreign.MemorySegment;

/**
 * Stored bytes: data bytes [offset, offset + length) of a segment. {@code crc} is the CRC32C of
 * exactly these bytes when {@code hasCrc} (payloads appended to the shared active segment carry
 * it, so recovery can tell a payload torn by a crash from a whole one); block checksums cover
 * the rest.
 */
public record Span(Segment segment, long offset, long length, int crc, boolean hasCrc) implements ByteSource {
    /** No bytes, in no segment: the floats of a vector file with no rows. */
    public static final Span EMPTY = new Span(null, 0, 0, 0, false);

    public Span {
        if (offset < 0 || length < 0 || (segment == null && length != 0)) {
            throw new IllegalArgumentException("span at " + offset + " of " + length + " bytes");
        }
    }

    public static Span of(Segment segment, long offset, long length) {
        return new Span(segment, offset, length, 0, false);
    }

    @Override
    public long size() {
        return length;
    }

    /** Checks the blocks under [from, from + n) first: a corrupt block throws CorruptDataException. */
    @Override
    public void copyTo(long from, MemorySegment dst, long dstOffset, long n) {
        if (n == 0) {
            return;
        }
        segment.verify(offset + from, n);
        MemorySegment.copy(segment.slice(offset + from, n), 0, dst, dstOffset, n);
    }

    /** The span's bytes as mapped memory, checked: what a search scans. Valid while the segment is pinned. */
    public MemorySegment checkedMemory() {
        if (segment != null) {
            segment.verify(offset, length);
        }
        return memory();
    }

    /**
     * A scan is about to read bytes [from, from + n) of the span: their blocks are checked (on
     * first touch), and, for a span of at least one read-ahead window, each time the scan enters a
     * new window the OS is asked to read the next one. Smaller spans (many small files) get no
     * advice: two 8 MiB madvise calls per small file made a search of 1,000 of them 10x slower.
     */
    public void check(long from, long n) {
        if (n > 0) {
            long window = Segment.READ_AHEAD_BYTES;
            if (length < window) {
                segment.verify(offset + from, n);
                return;
            }
            if (from == 0) {
                segment.readAhead(offset);
            }
            if (from == 0 || (offset + from) / window != (offset + from - n) / window) {
                segment.readAhead(offset + from + window);
            }
            segment.verify(offset + from, n);
        }
    }

    /** The span's bytes as mapped memory, not checked. */
    public MemorySegment memory() {
        return segment == null ? MemorySegment.NULL : segment.slice(offset, length);
    }

    /** The same bytes, moved to another place (by compaction). */
    public Span movedTo(Segment target, long targetOffset) {
        if (segment == null) {
            return this;
        }
        return new Span(target, targetOffset, length, crc, hasCrc);
    }
}
