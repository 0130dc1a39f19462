package io.vexfs.core.fs;

import io.vexfs.core.codec.VectorData;
import io.vexfs.core.codec.VectorFormat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Bodies of the namespace's log records. Every change to the namespace is one record, and
 * replay applies the same records through the same code as a live change, so the state after
 * a remount is exactly the state before it. Little-endian throughout.
 */
final class LogRecords {
    static final int MKDIR = 1;
    static final int PUT = 2;
    static final int UNLINK = 3;
    static final int RMDIR = 4;
    static final int RENAME = 5;
    static final int SETATTR = 6;
    static final int SETTINGS = 7;

    static final byte KIND_PLAIN = 0;

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** An ordinary file's bytes come back from the log in chunks of this size (its content's chunks). */
    private static final int SLICE = 1 << 20;

    private LogRecords() {
    }

    /** A decoded PUT: the file's attributes and either plain bytes or vectors. */
    record Put(FsPath path, Attributes attributes, List<byte[]> plain, long plainSize, VectorData vectors) {
    }

    static ByteBuffer pathOnly(FsPath path) {
        byte[] p = utf8(path);
        return ByteBuffer.allocate(2 + p.length).order(ByteOrder.LITTLE_ENDIAN).putShort((short) p.length).put(p).flip();
    }

    static ByteBuffer withAttributes(FsPath path, Attributes a) {
        byte[] p = utf8(path);
        ByteBuffer b = ByteBuffer.allocate(2 + p.length + 12 + 24).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) p.length).put(p);
        putAttributes(b, a);
        return b.flip();
    }

    static ByteBuffer rename(FsPath from, FsPath to, long nowNs) {
        byte[] f = utf8(from);
        byte[] t = utf8(to);
        return ByteBuffer.allocate(4 + f.length + t.length + 8).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) f.length).put(f).putShort((short) t.length).put(t).putLong(nowNs).flip();
    }

    static ByteBuffer settings(FsPath collection, CollectionSettings s) {
        byte[] p = utf8(collection);
        byte[] text = s.render().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + p.length + 4 + text.length).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) p.length).put(p).putInt(text.length).put(text).flip();
    }

    /**
     * A PUT record to append: {@code parts} (header, then an ordinary file's bytes), or for a
     * vector file the header alone with {@code floats} streamed after it.
     */
    record PutRecord(ByteBuffer[] parts, float[] floats) {
        long bytes() {
            long n = 9;
            for (ByteBuffer b : parts) {
                n += b.remaining();
            }
            return n + (floats == null ? 0 : 4L * floats.length);
        }

        void appendTo(io.vexfs.core.storage.RecordSink sink) throws java.io.IOException {
            if (floats == null) {
                sink.append(PUT, parts);
            } else {
                sink.appendFloats(PUT, parts[0], floats);
            }
        }
    }

    static PutRecord put(FsPath path, Attributes a, FileNode.Version v, List<byte[]> plainChunks) {
        byte[] p = utf8(path);
        VectorData d = v.vectors();
        byte[] npy = d != null && d.npyHeader() != null ? d.npyHeader() : new byte[0];
        ByteBuffer head = ByteBuffer.allocate(2 + p.length + 36 + 1 + 12 + npy.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        head.putShort((short) p.length).put(p);
        putAttributes(head, a);
        if (d == null) {
            head.put(KIND_PLAIN).putInt(0).putInt(0).putInt(0);
            List<ByteBuffer> parts = new ArrayList<>();
            parts.add(head);
            long total = 0;
            for (byte[] c : plainChunks) {
                total += c.length;
                parts.add(ByteBuffer.wrap(c));
            }
            head.putLong(total).flip();
            return new PutRecord(parts.toArray(ByteBuffer[]::new), null);
        }
        head.put((byte) (d.format().ordinal() + 1)).putInt(d.rows()).putInt(d.dim()).putInt(npy.length).put(npy);
        head.putLong(4L * d.values().length).flip();
        return new PutRecord(new ByteBuffer[]{head}, d.values());
    }

    /** Sequential reader over a record body. */
    static final class Reader {
        private final MemorySegment body;
        private long pos;

        Reader(MemorySegment body) {
            this.body = body;
        }

        int u16() {
            int v = Short.toUnsignedInt(body.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos));
            pos += 2;
            return v;
        }

        int i32() {
            int v = body.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
            pos += 4;
            return v;
        }

        long i64() {
            long v = body.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
            pos += 8;
            return v;
        }

        byte u8() {
            return body.get(ValueLayout.JAVA_BYTE, pos++);
        }

        byte[] bytes(int n) {
            byte[] b = new byte[n];
            MemorySegment.copy(body, ValueLayout.JAVA_BYTE, pos, b, 0, n);
            pos += n;
            return b;
        }

        FsPath path() {
            String s = new String(bytes(u16()), StandardCharsets.UTF_8);
            return s.isEmpty() ? FsPath.ROOT : new FsPath(List.of(s.split("/")));
        }

        Attributes attributes() {
            return new Attributes(i32(), i32(), i32(), i64(), i64(), i64());
        }

        String text() {
            return new String(bytes(i32()), StandardCharsets.UTF_8);
        }

        Put put() {
            FsPath path = path();
            Attributes a = attributes();
            int kind = u8();
            int rows = i32();
            int dim = i32();
            byte[] npy = bytes(i32());
            long payload = i64();
            if (kind == KIND_PLAIN) {
                List<byte[]> chunks = new ArrayList<>();
                long left = payload;
                while (left > 0) {
                    int n = (int) Math.min(left, SLICE);
                    chunks.add(bytes(n));
                    left -= n;
                }
                return new Put(path, a, chunks, payload, null);
            }
            VectorFormat format = VectorFormat.values()[kind - 1];
            float[] values = new float[Math.toIntExact(payload / 4)];
            MemorySegment.copy(body, FLOAT_LE, pos, values, 0, values.length);
            pos += payload;
            return new Put(path, a, null, 0, new VectorData(format, rows, dim, values, npy.length == 0 ? null : npy));
        }
    }

    private static void putAttributes(ByteBuffer b, Attributes a) {
        b.putInt(a.mode()).putInt(a.uid()).putInt(a.gid()).putLong(a.atimeNs()).putLong(a.mtimeNs()).putLong(a.ctimeNs());
    }

    private static byte[] utf8(FsPath path) {
        return path.relative().getBytes(StandardCharsets.UTF_8);
    }
}
