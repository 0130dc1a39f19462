package io.vexfs.core.content;

import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.codec.VectorFormat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A committed vector file: {@code rows} vectors of {@code dim} float32, little-endian and
 * row-major in one span (what searches scan), read back in the file's canonical encoding:
 * .fvecs and .npy rendered from the floats on demand (an .npy with the header it was written
 * with), .vec from the canonical text rendered once at commit and stored beside the floats.
 */
public final class VectorContent implements StoredContent {
    private final VectorFormat format;
    private final long rows;
    private final int dim;
    private final Span floats;
    private final byte[] npyHeader;
    private final ExtentContent text;
    private final FileContent rendered;

    /**
     * @param npyHeader the exact header bytes of an .npy file (null: numpy's header for the shape)
     * @param text      the canonical text of a .vec file; null for the binary formats
     */
    public VectorContent(VectorFormat format, long rows, int dim, Span floats, byte[] npyHeader, ExtentContent text) {
        if (floats.length() != rows * dim * Float.BYTES) {
            throw new IllegalArgumentException(rows + " rows of " + dim + " floats do not fill " + floats.length() + " bytes");
        }
        if ((format == VectorFormat.VEC) != (text != null)) {
            throw new IllegalArgumentException("a .vec file, and only one, has canonical text");
        }
        this.format = format;
        this.rows = rows;
        this.dim = dim;
        this.floats = floats;
        this.npyHeader = format != VectorFormat.NPY ? null
                : npyHeader != null ? npyHeader : VectorCodec.npyHeader(Math.toIntExact(rows), dim);
        this.text = text;
        this.rendered = switch (format) {
            case VEC -> text;
            case FVECS -> new FvecsContent(rows, dim, floats);
            case NPY -> new NpyContent(this.npyHeader, floats);
        };
    }

    public VectorFormat format() {
        return format;
    }

    public long rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    /** Where the floats are. */
    public Span floats() {
        return floats;
    }

    /** The .npy header bytes; null for other formats. */
    public byte[] npyHeader() {
        return npyHeader;
    }

    /** The canonical text of a .vec file; null for other formats. */
    public ExtentContent text() {
        return text;
    }

    @Override
    public long size() {
        return rendered.size();
    }

    @Override
    public int read(long position, MemorySegment dst) {
        return rendered.read(position, dst);
    }

    @Override
    public List<Span> spans() {
        List<Span> all = new ArrayList<>(text == null ? 1 : text.spans().size() + 1);
        if (floats.segment() != null) {
            all.add(floats);
        }
        if (text != null) {
            all.addAll(text.spans());
        }
        return all;
    }

    @Override
    public VectorContent withSpans(UnaryOperator<Span> move) {
        return new VectorContent(format, rows, dim, move.apply(floats), npyHeader, text == null ? null : text.withSpans(move));
    }
}
