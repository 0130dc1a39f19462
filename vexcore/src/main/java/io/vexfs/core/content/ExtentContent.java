package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * An ordinary file: {@code size} bytes, stored as extents (a file offset and the span that holds
 * the bytes from there). Bytes no extent covers are a hole and read as zeros, so a file
 * truncated up to a terabyte costs nothing. Extents are sorted, do not overlap, and end within
 * the size.
 */
public final class ExtentContent implements StoredContent {
    private static final ExtentContent EMPTY = new ExtentContent(0, new long[0], new Span[0]);

    private final long size;
    private final long[] starts;
    private final Span[] spans;

    private ExtentContent(long size, long[] starts, Span[] spans) {
        this.size = size;
        this.starts = starts;
        this.spans = spans;
    }

    public static ExtentContent empty() {
        return EMPTY;
    }

    /** A piece of a file: bytes from {@code start} held by {@code span}. */
    public record Extent(long start, Span span) {
        long end() {
            return start + span.length();
        }
    }

    /** A file of {@code size} bytes made of these extents (sorted, not overlapping, within size). */
    public static ExtentContent of(long size, List<Extent> extents) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        long[] starts = new long[extents.size()];
        Span[] spans = new Span[extents.size()];
        long end = 0;
        int n = 0;
        for (Extent e : extents) {
            if (e.span().length() == 0) {
                continue;
            }
            if (e.start() < end || e.end() > size) {
                throw new IllegalArgumentException("extent at " + e.start() + " overlaps or passes the size " + size);
            }
            starts[n] = e.start();
            spans[n] = e.span();
            n++;
            end = e.end();
        }
        return new ExtentContent(size, Arrays.copyOf(starts, n), Arrays.copyOf(spans, n));
    }

    /**
     * {@code base} seen through a staging: its bytes below {@code baseLimit} (the smallest size the
     * file was truncated to meanwhile), then {@code written} on top (sorted, not overlapping), cut
     * to {@code newSize}; anything else is a hole.
     */
    public static ExtentContent overlay(ExtentContent base, long baseLimit, long newSize, List<Extent> written) {
        TreeMap<Long, Extent> pieces = new TreeMap<>();
        long limit = Math.min(baseLimit, newSize);
        if (base != null) {
            for (int i = 0; i < base.starts.length && base.starts[i] < limit; i++) {
                Extent e = new Extent(base.starts[i], base.spans[i]);
                pieces.put(e.start(), e.end() > limit ? cut(e, e.start(), limit) : e);
            }
        }
        for (Extent w : written) {
            if (w.start() >= newSize) {
                continue;
            }
            Extent clipped = w.end() > newSize ? cut(w, w.start(), newSize) : w;
            punch(pieces, clipped.start(), clipped.end());
            pieces.put(clipped.start(), clipped);
        }
        return of(newSize, new ArrayList<>(pieces.values()));
    }

    /** Removes [from, to) from the pieces, keeping what lies outside it. */
    private static void punch(TreeMap<Long, Extent> pieces, long from, long to) {
        Map.Entry<Long, Extent> before = pieces.lowerEntry(from);
        if (before != null && before.getValue().end() > from) {
            Extent e = before.getValue();
            pieces.put(e.start(), cut(e, e.start(), from));
            if (e.end() > to) {
                pieces.put(to, cut(e, to, e.end()));
            }
        }
        for (Map.Entry<Long, Extent> en = pieces.ceilingEntry(from); en != null && en.getKey() < to; en = pieces.ceilingEntry(from)) {
            Extent e = pieces.remove(en.getKey());
            if (e.end() > to) {
                pieces.put(to, cut(e, to, e.end()));
                break;
            }
        }
    }

    /** The part [from, to) of an extent. */
    private static Extent cut(Extent e, long from, long to) {
        Span s = e.span();
        return new Extent(from, new Span(s.segment(), s.offset() + (from - e.start()), to - from, 0, false));
    }

    public List<Extent> extents() {
        List<Extent> list = new ArrayList<>(starts.length);
        for (int i = 0; i < starts.length; i++) {
            list.add(new Extent(starts[i], spans[i]));
        }
        return list;
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
        // The last extent that starts at or before the position, or -1.
        int i = Arrays.binarySearch(starts, position);
        if (i < 0) {
            i = -i - 2;
        }
        long done = 0;
        while (done < total) {
            long at = position + done;
            long n;
            if (i >= 0 && at < starts[i] + spans[i].length()) {
                n = Math.min(total - done, starts[i] + spans[i].length() - at);
                spans[i].copyTo(at - starts[i], dst, done, n);
            } else if (i + 1 < starts.length && starts[i + 1] <= at) {
                i++;
                continue;
            } else {
                long holeEnd = i + 1 < starts.length ? starts[i + 1] : size;
                n = Math.min(total - done, holeEnd - at);
                dst.asSlice(done, n).fill((byte) 0);
            }
            done += n;
        }
        return total;
    }

    @Override
    public List<Span> spans() {
        return List.of(spans);
    }

    @Override
    public ExtentContent withSpans(UnaryOperator<Span> move) {
        Span[] moved = new Span[spans.length];
        for (int i = 0; i < spans.length; i++) {
            moved[i] = move.apply(spans[i]);
        }
        return new ExtentContent(size, starts, moved);
    }
}
