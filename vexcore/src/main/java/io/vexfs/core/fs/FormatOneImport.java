package io.vexfs.core.fs;

import io.vexfs.core.codec.VectorData;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.content.FileContent;
import io.vexfs.core.content.VectorContents;
import io.vexfs.core.storage.WriteAheadLog;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Converts a format 1 data directory (the first release: one log whose records carried every
 * byte of every file) by replaying its log, in order, through a new store's own operations: each
 * directory, file, rename and setting is made again exactly as a user's calls made it, so the
 * result is what the old mount showed, now stored in segments.
 *
 * <p>Format 1 records (little-endian; path = u16 length + UTF-8; attributes = i32 mode, uid,
 * gid, i64 atime, mtime, ctime): 1 MKDIR path attributes; 2 PUT path attributes u8 kind (0
 * plain, 1 .vec, 2 .fvecs, 3 .npy) i32 rows i32 dim i32 npy-header length, header, i64 payload
 * length, payload (plain bytes or float32 values); 3 UNLINK path; 4 RMDIR path; 5 RENAME path
 * path i64 time; 6 SETATTR path attributes; 7 SETTINGS path i32 length text.
 */
final class FormatOneImport {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int WRITE_CHUNK = 1 << 20;

    private final VexStore store;
    private long records;

    private FormatOneImport(VexStore store) {
        this.store = store;
    }

    /** Replays the format 1 log in {@code logDir} into {@code store}; returns the records imported. */
    static long run(VexStore store, Path logDir, long segmentBytes) throws IOException {
        FormatOneImport importer = new FormatOneImport(store);
        try (WriteAheadLog old = WriteAheadLog.open(logDir, segmentBytes, importer::record)) {
            for (String problem : old.report().problems()) {
                store.errors().record(logDir.toString(), "EIO", "format 1 import", problem);
            }
        }
        return importer.records;
    }

    private void record(int type, MemorySegment body) throws IOException {
        Reader in = new Reader(body);
        String path = "";
        try {
            switch (type) {
                case 1 -> {
                    path = in.path();
                    Attributes a = in.attributes();
                    store.mkdir(path, a.mode(), a.uid(), a.gid());
                    store.utimens(path, a.atimeNs(), a.mtimeNs());
                }
                case 2 -> {
                    path = in.path();
                    put(path, in.attributes(), in);
                }
                case 3 -> {
                    path = in.path();
                    store.unlink(path);
                }
                case 4 -> {
                    path = in.path();
                    store.rmdir(path);
                }
                case 5 -> {
                    path = in.path();
                    String to = in.path();
                    store.rename(path, to);
                }
                case 6 -> {
                    path = in.path();
                    setAttributes(path, in.attributes());
                }
                case 7 -> {
                    path = in.path();
                    store.writeSettings(FsPath.parse(path), in.text());
                }
                default -> throw new IOException("unknown format 1 record type " + type);
            }
        } catch (FsException e) {
            throw new IOException("format 1 import: " + path + ": " + e.getMessage(), e);
        }
        records++;
    }

    private void put(String path, Attributes a, Reader in) throws FsException, IOException {
        int kind = in.u8();
        int rows = in.i32();
        int dim = in.i32();
        byte[] npyHeader = in.bytes(in.i32());
        long payload = in.i64();
        MemorySegment bytes = in.slice(payload);
        FileContent content;
        if (kind == 0) {
            content = null;
        } else {
            VectorFormat format = switch (kind) {
                case 1 -> VectorFormat.VEC;
                case 2 -> VectorFormat.FVECS;
                case 3 -> VectorFormat.NPY;
                default -> throw new IOException("unknown format 1 content kind " + kind);
            };
            float[] values = new float[Math.toIntExact(payload / Float.BYTES)];
            MemorySegment.copy(bytes, FLOAT, 0, values, 0, values.length);
            content = VectorContents.render(new VectorData(format, rows, dim, values, npyHeader.length == 0 ? null : npyHeader));
        }
        boolean exists;
        try {
            exists = !store.stat(path).directory();
        } catch (FsException e) {
            exists = false;
        }
        Handle h = exists ? store.open(path, true, true) : store.create(path, a.mode(), a.uid(), a.gid());
        try {
            byte[] chunk = new byte[WRITE_CHUNK];
            MemorySegment buffer = MemorySegment.ofArray(chunk);
            long size = content == null ? payload : content.size();
            for (long at = 0; at < size; ) {
                int n = (int) Math.min(chunk.length, size - at);
                if (content == null) {
                    MemorySegment.copy(bytes, at, buffer, 0, n);
                } else {
                    n = content.read(at, buffer.asSlice(0, n));
                }
                h.write(at, buffer.asSlice(0, n));
                at += n;
            }
            if (size == 0) {
                h.truncate(0);
            }
            h.flush(path);
        } finally {
            h.release(path);
        }
        setAttributes(path, a);
    }

    private void setAttributes(String path, Attributes a) throws FsException {
        store.chmod(path, a.mode());
        store.chown(path, a.uid(), a.gid());
        store.utimens(path, a.atimeNs(), a.mtimeNs());
    }

    /** Sequential reader over a format 1 record body. */
    private static final class Reader {
        private final MemorySegment body;
        private long pos;

        Reader(MemorySegment body) {
            this.body = body;
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

        byte[] bytes(int n) {
            byte[] b = new byte[n];
            MemorySegment.copy(body, ValueLayout.JAVA_BYTE, pos, b, 0, n);
            pos += n;
            return b;
        }

        MemorySegment slice(long n) {
            MemorySegment s = body.asSlice(pos, n);
            pos += n;
            return s;
        }

        String path() {
            int n = Short.toUnsignedInt(body.get(SHORT, pos));
            pos += 2;
            return "/" + new String(bytes(n), StandardCharsets.UTF_8);
        }

        String text() {
            return new String(bytes(i32()), StandardCharsets.UTF_8);
        }

        Attributes attributes() {
            return new Attributes(i32(), i32(), i32(), i64(), i64(), i64());
        }
    }
}
