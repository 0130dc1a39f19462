package io.vexfs.core.fs;

import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.Span;
import io.vexfs.core.content.StoredContent;
import io.vexfs.core.content.VectorContent;
import io.vexfs.core.storage.Segment;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One change to the namespace: what a log record and a checkpoint record hold, and what
 * {@link Namespace#apply} carries out, the same way live and in recovery. Each kind has an
 * explicit record type code (never an enum ordinal) and encodes and decodes itself; the byte
 * layouts are written down in docs/STORAGE.md.
 *
 * <p>Changes that make a name carry the new node's inode number; changes to an existing
 * node name it by inode number, so they apply to the node whatever it is called now.
 * A change never carries user input that still needs checking: recovery applies what was
 * accepted once, even if the rules for accepting it changed since.
 */
public sealed interface Change {
    int MAKE_DIR = 1;
    int MAKE_FILE = 2;
    int MAKE_SYMLINK = 3;
    int MAKE_NODE = 4;
    int LINK = 5;
    int REMOVE = 6;
    int RENAME = 7;
    int SET_ATTRIBUTES = 8;
    int SET_CONTENT = 9;
    int SETTINGS = 10;
    int STATE = 11;
    int SET_CHUNKS = 12;

    /** The record type code. */
    int type();

    /** The record body. */
    void encode(Body out);

    /** mkdir. The new directory's attributes' ctime is also the parent's new mtime and ctime. */
    record MakeDir(FsPath path, long ino, Attributes attributes) implements Change {
        public int type() {
            return MAKE_DIR;
        }

        public void encode(Body out) {
            out.path(path).i64(ino).attributes(attributes);
        }
    }

    /** A new regular file (create, or a checkpoint's first name of a file) with its content. */
    record MakeFile(FsPath path, long ino, Attributes attributes, StoredContent content) implements Change {
        public int type() {
            return MAKE_FILE;
        }

        public void encode(Body out) {
            out.path(path).i64(ino).attributes(attributes).content(content);
        }
    }

    record MakeSymlink(FsPath path, long ino, Attributes attributes, String target) implements Change {
        public int type() {
            return MAKE_SYMLINK;
        }

        public void encode(Body out) {
            out.path(path).i64(ino).attributes(attributes).text(target);
        }
    }

    /** mknod of a FIFO, socket or device: {@code fileType} is one of FileType's special types. */
    record MakeNode(FsPath path, long ino, Attributes attributes, int fileType, long rdev) implements Change {
        public int type() {
            return MAKE_NODE;
        }

        public void encode(Body out) {
            out.path(path).i64(ino).attributes(attributes).i32(fileType).i64(rdev);
        }
    }

    /** A hard link: one more name for the file {@code ino}. */
    record Link(long ino, FsPath path, long timeNs) implements Change {
        public int type() {
            return LINK;
        }

        public void encode(Body out) {
            out.i64(ino).path(path).i64(timeNs);
        }
    }

    /** unlink or rmdir of a name. */
    record Remove(FsPath path, long timeNs) implements Change {
        public int type() {
            return REMOVE;
        }

        public void encode(Body out) {
            out.path(path).i64(timeNs);
        }
    }

    /**
     * rename; a name already at {@code to} is replaced. {@code content} is the moved file's new
     * content when the move changes its format (a.vec to a.npy), else null.
     */
    record Rename(FsPath from, FsPath to, long timeNs, StoredContent content) implements Change {
        public int type() {
            return RENAME;
        }

        public void encode(Body out) {
            out.path(from).path(to).i64(timeNs).u8(content == null ? 0 : 1);
            if (content != null) {
                out.content(content);
            }
        }
    }

    record SetAttributes(long ino, Attributes attributes) implements Change {
        public int type() {
            return SET_ATTRIBUTES;
        }

        public void encode(Body out) {
            out.i64(ino).attributes(attributes);
        }
    }

    /**
     * A commit: the file's new content and attributes (mtime and ctime moved). {@code path} is
     * the file's name at that moment, which names its vectors in search results.
     */
    record SetContent(long ino, FsPath path, Attributes attributes, StoredContent content) implements Change {
        public int type() {
            return SET_CONTENT;
        }

        public void encode(Body out) {
            out.i64(ino).path(path).attributes(attributes).content(content);
        }
    }

    /** A collection's `.collection` settings, as their canonical text. */
    record Settings(FsPath collection, String text) implements Change {
        public int type() {
            return SETTINGS;
        }

        public void encode(Body out) {
            out.path(collection).text(text);
        }
    }

    /** The first record of a checkpoint: counters that are not visible in the namespace. */
    record State(long nextIno) implements Change {
        public int type() {
            return STATE;
        }

        public void encode(Body out) {
            out.i64(nextIno);
        }
    }

    /**
     * A text file's chunk embeddings (or why it has none), for the version the file {@code ino}
     * has when the record is applied: logged only while it has exactly the version they were
     * made from, so replay reaches them in the same state. {@code path} is the name its hits use.
     */
    record SetChunks(long ino, FsPath path, StoredChunks chunks) implements Change {
        public int type() {
            return SET_CHUNKS;
        }

        public void encode(Body out) {
            out.i64(ino).path(path).bytes(chunks.key()).u8(chunks.status()).text(chunks.reason()).i64(chunks.rows())
                    .i32(chunks.dim()).span(chunks.floats());
        }
    }

    /** Turns a segment id from a record back into the segment (recovery opens it on first use). */
    @FunctionalInterface
    interface Segments {
        Segment get(long id) throws IOException;
    }

    /** Decodes one record body. */
    static Change decode(int type, MemorySegment body, Segments segments) throws IOException {
        try {
            return decodeFields(type, body, segments);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException("record type " + type + " of " + body.byteSize() + " bytes does not decode: " + e.getMessage(), e);
        }
    }

    private static Change decodeFields(int type, MemorySegment body, Segments segments) throws IOException {
        Reader in = new Reader(body, segments);
        Change c = switch (type) {
            case MAKE_DIR -> new MakeDir(in.path(), in.i64(), in.attributes());
            case MAKE_FILE -> new MakeFile(in.path(), in.i64(), in.attributes(), in.content());
            case MAKE_SYMLINK -> new MakeSymlink(in.path(), in.i64(), in.attributes(), in.text());
            case MAKE_NODE -> new MakeNode(in.path(), in.i64(), in.attributes(), in.i32(), in.i64());
            case LINK -> new Link(in.i64(), in.path(), in.i64());
            case REMOVE -> new Remove(in.path(), in.i64());
            case RENAME -> {
                FsPath from = in.path();
                FsPath to = in.path();
                long time = in.i64();
                yield new Rename(from, to, time, in.u8() == 0 ? null : in.content());
            }
            case SET_ATTRIBUTES -> new SetAttributes(in.i64(), in.attributes());
            case SET_CONTENT -> new SetContent(in.i64(), in.path(), in.attributes(), in.content());
            case SETTINGS -> new Settings(in.path(), in.text());
            case STATE -> new State(in.i64());
            case SET_CHUNKS -> new SetChunks(in.i64(), in.path(),
                    new StoredChunks(in.bytes(), in.u8(), in.text(), in.i64(), in.i32(), in.span()));
            default -> throw new IOException("unknown record type " + type);
        };
        in.expectEnd(type);
        return c;
    }

    /** Content kinds in records (docs/STORAGE.md); the codes are fixed, not enum ordinals. */
    int CONTENT_BYTES = 0;
    int CONTENT_VEC = 1;
    int CONTENT_FVECS = 2;
    int CONTENT_NPY = 3;

    /** A record body being written, little-endian. */
    final class Body {
        private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        /** The body written so far, ready to append. */
        public ByteBuffer flip() {
            return buffer.flip();
        }

        private void room(int n) {
            if (buffer.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                bigger.put(buffer.flip());
                buffer = bigger;
            }
        }

        Body u8(int v) {
            room(1);
            buffer.put((byte) v);
            return this;
        }

        Body i32(int v) {
            room(4);
            buffer.putInt(v);
            return this;
        }

        Body i64(long v) {
            room(8);
            buffer.putLong(v);
            return this;
        }

        Body bytes(byte[] b) {
            i32(b.length);
            room(b.length);
            buffer.put(b);
            return this;
        }

        Body text(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Body path(FsPath p) {
            return text(p.relative());
        }

        Body attributes(Attributes a) {
            return i32(a.mode()).i32(a.uid()).i32(a.gid()).i64(a.atimeNs()).i64(a.mtimeNs()).i64(a.ctimeNs());
        }

        /** A span; segment id 0 is the empty span (ids start at 1). */
        Body span(Span s) {
            i64(s.segment() == null ? 0 : s.segment().id()).i64(s.offset()).i64(s.length()).u8(s.hasCrc() ? 1 : 0);
            return i32(s.crc());
        }

        Body extents(ExtentContent c) {
            List<ExtentContent.Extent> extents = c.extents();
            i64(c.size()).i32(extents.size());
            for (ExtentContent.Extent e : extents) {
                i64(e.start()).span(e.span());
            }
            return this;
        }

        Body content(StoredContent content) {
            if (content instanceof ExtentContent e) {
                return u8(CONTENT_BYTES).extents(e);
            }
            VectorContent v = (VectorContent) content;
            u8(switch (v.format()) {
                case VEC -> CONTENT_VEC;
                case FVECS -> CONTENT_FVECS;
                case NPY -> CONTENT_NPY;
            });
            i64(v.rows()).i32(v.dim()).span(v.floats());
            switch (v.format()) {
                case VEC -> extents(v.text());
                case NPY -> bytes(v.npyHeader());
                case FVECS -> { }
            }
            return this;
        }
    }

    /** Reads a record body in order. */
    final class Reader {
        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private final MemorySegment body;
        private final Segments segments;
        private long pos;

        Reader(MemorySegment body, Segments segments) {
            this.body = body;
            this.segments = segments;
        }

        int u8() {
            return Byte.toUnsignedInt(body.get(ValueLayout.JAVA_BYTE, pos++));
        }

        int i32() {
            int v = body.get(INT, pos);
            pos += 4;
            return v;
        }

        long i64() {
            long v = body.get(LONG, pos);
            pos += 8;
            return v;
        }

        byte[] bytes() {
            int n = i32();
            byte[] b = new byte[n];
            MemorySegment.copy(body, ValueLayout.JAVA_BYTE, pos, b, 0, n);
            pos += n;
            return b;
        }

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        FsPath path() {
            return FsPath.ofRelative(text());
        }

        Attributes attributes() {
            return new Attributes(i32(), i32(), i32(), i64(), i64(), i64());
        }

        Span span() throws IOException {
            long id = i64();
            long offset = i64();
            long length = i64();
            boolean hasCrc = u8() != 0;
            int crc = i32();
            return id == 0 ? Span.EMPTY : new Span(segments.get(id), offset, length, crc, hasCrc);
        }

        ExtentContent extents() throws IOException {
            long size = i64();
            int n = i32();
            List<ExtentContent.Extent> extents = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                extents.add(new ExtentContent.Extent(i64(), span()));
            }
            return ExtentContent.of(size, extents);
        }

        StoredContent content() throws IOException {
            int kind = u8();
            if (kind == CONTENT_BYTES) {
                return extents();
            }
            VectorFormat format = switch (kind) {
                case CONTENT_VEC -> VectorFormat.VEC;
                case CONTENT_FVECS -> VectorFormat.FVECS;
                case CONTENT_NPY -> VectorFormat.NPY;
                default -> throw new IOException("unknown content kind " + kind);
            };
            long rows = i64();
            int dim = i32();
            Span floats = span();
            return switch (format) {
                case VEC -> new VectorContent(format, rows, dim, floats, null, extents());
                case NPY -> new VectorContent(format, rows, dim, floats, bytes(), null);
                case FVECS -> new VectorContent(format, rows, dim, floats, null, null);
            };
        }

        void expectEnd(int type) throws IOException {
            if (pos != body.byteSize()) {
                throw new IOException("record type " + type + ": " + (body.byteSize() - pos) + " bytes left after its fields");
            }
        }
    }
}
