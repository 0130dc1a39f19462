package io.vexfs.core.fs;

import io.vexfs.core.codec.DecodedShape;
import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.codec.VectorStreamDecoder;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A new .fvecs or .npy file written in order from its first byte (what cp, tee and numpy do):
 * each write is decoded as it arrives, refused at once if it shows a fault, and its floats go
 * straight to where they will be stored, so a 25 GB copy is written to disk once and its commit
 * costs no second pass.
 *
 * <p>Only the floats are kept, with the bytes that do not make a whole row yet (and an .npy
 * header); reads render the file from them. A write anywhere but at the end, or a truncate, is
 * rare for these formats: {@link #materialize} turns the staging into a {@link PageStaging}.
 */
final class VectorStreamStaging implements Staging {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The longest .npy header taken as one (the decoder refuses longer ones anyway). */
    private static final int MAX_HEADER = 1 << 20;

    /** Thrown by write and truncate when the staging must become a PageStaging first. */
    static final class NotInOrder extends Exception {
        NotInOrder() {
            super(null, null, false, false);
        }
    }

    private static final NotInOrder NOT_IN_ORDER = new NotInOrder();

    private final VectorFormat format;
    private final VectorStreamDecoder decoder;
    private final Placer floats;
    private long size;
    private long rows;
    private int dim;
    /** Raw bytes of the header (.npy) once known; the file's first bytes. */
    private byte[] header = new byte[0];
    /** Raw bytes from {@code pendingStart} to {@code size} that no emitted row covers yet. */
    private byte[] pending = new byte[64];
    private int pendingLength;
    private long pendingStart;

    VectorStreamStaging(VectorFormat format, int expectedDim, Placer floats) {
        if (format == VectorFormat.VEC) {
            throw new IllegalArgumentException(".vec text is kept as written, not streamed");
        }
        this.format = format;
        this.floats = floats;
        this.decoder = VectorStreamDecoder.of(format, expectedDim, (segment, rowCount, rowDim) -> {
            this.floats.write(segment);
            rows += rowCount;
            dim = rowDim;
        });
    }

    @Override
    public long size() {
        return size;
    }

    Placer floats() {
        return floats;
    }

    /** A write at the end; anything else throws NotInOrder and changes nothing. */
    void append(long position, MemorySegment src) throws IOException, InvalidInputException, NotInOrder {
        if (position != size) {
            throw NOT_IN_ORDER;
        }
        decoder.accept(src);
        size += src.byteSize();
        keepPending(src);
    }

    /** After a write: keep the raw bytes rows do not cover yet (less than a row once rows flow). */
    private void keepPending(MemorySegment src) {
        long covered = coveredBytes();
        long from = Math.max(covered, size - src.byteSize());
        long keep = size - from;
        if (covered > pendingStart) {
            int drop = (int) Math.min(pendingLength, covered - pendingStart);
            System.arraycopy(pending, drop, pending, 0, pendingLength - drop);
            pendingLength -= drop;
            pendingStart += drop;
        }
        if (pendingLength == 0) {
            pendingStart = from;
        }
        if (keep > 0) {
            if (pending.length < pendingLength + keep) {
                pending = Arrays.copyOf(pending, (int) Math.max(pendingLength + keep, pending.length * 2L));
            }
            MemorySegment.copy(src, src.byteSize() - keep, MemorySegment.ofArray(pending), pendingLength, keep);
            pendingLength += (int) keep;
        }
    }

    /** Raw bytes [0, coveredBytes()) are the header and the emitted rows. */
    private long coveredBytes() {
        if (rows == 0) {
            return headerBytes();
        }
        return switch (format) {
            case FVECS -> rows * (Integer.BYTES + (long) Float.BYTES * dim);
            case NPY -> headerBytes() + rows * Float.BYTES * (long) dim;
            case VEC -> throw new IllegalStateException();
        };
    }

    /** The .npy header's length once its first bytes are there (checked by the decoder), else 0. */
    private long headerBytes() {
        if (format != VectorFormat.NPY) {
            return 0;
        }
        if (header.length == 0 && pendingStart == 0 && pendingLength >= 12) {
            MemorySegment p = MemorySegment.ofArray(pending);
            long length = pending[6] == 1 ? 10 + Short.toUnsignedInt(p.get(SHORT_LE, 8))
                    : 12 + Integer.toUnsignedLong(p.get(INT_LE, 8));
            if (pendingLength >= length && length <= MAX_HEADER) {
                header = Arrays.copyOf(pending, (int) length);
            }
        }
        return header.length;
    }

    @Override
    public int read(long position, MemorySegment dst) throws IOException {
        if (position >= size) {
            return 0;
        }
        long total = Math.min(dst.byteSize(), size - position);
        long covered = coveredBytes();
        long done = 0;
        while (done < total) {
            long at = position + done;
            long n;
            if (at >= pendingStart && at >= covered) {
                n = total - done;
                MemorySegment.copy(MemorySegment.ofArray(pending), at - pendingStart, dst, done, n);
            } else if (at < header.length) {
                n = Math.min(total - done, header.length - at);
                MemorySegment.copy(MemorySegment.ofArray(header), at, dst, done, n);
            } else if (format == VectorFormat.NPY) {
                n = Math.min(total - done, covered - at);
                floats.read(at - header.length, dst.asSlice(done, n));
            } else {
                long record = Integer.BYTES + (long) Float.BYTES * dim;
                long row = at / record;
                long inRecord = at - row * record;
                if (inRecord < Integer.BYTES) {
                    n = Math.min(total - done, Integer.BYTES - inRecord);
                    byte[] d = new byte[Integer.BYTES];
                    MemorySegment.ofArray(d).set(INT_LE, 0, dim);
                    MemorySegment.copy(MemorySegment.ofArray(d), inRecord, dst, done, n);
                } else {
                    n = Math.min(total - done, record - inRecord);
                    floats.read(row * Float.BYTES * dim + inRecord - Integer.BYTES, dst.asSlice(done, n));
                }
            }
            done += n;
        }
        return (int) total;
    }

    @Override
    public void write(long position, MemorySegment src) {
        throw new UnsupportedOperationException("OpenFile appends through append() and materializes otherwise");
    }

    @Override
    public void truncate(long newSize) {
        throw new UnsupportedOperationException("OpenFile materializes before a truncate");
    }

    /** The file ended: what only the end can refuse (a truncated record) is refused here. */
    DecodedShape finish() throws IOException, InvalidInputException {
        return decoder.finish();
    }

    /** The same bytes as a PageStaging, for writes out of order; this staging is spent. */
    PageStaging materialize(PageStaging target) throws IOException {
        byte[] chunk = new byte[PageStaging.PAGE];
        MemorySegment buffer = MemorySegment.ofArray(chunk);
        for (long at = 0; at < size; at += chunk.length) {
            int n = read(at, buffer);
            target.write(at, buffer.asSlice(0, n));
        }
        close();
        return target;
    }

    @Override
    public void close() throws IOException {
        floats.close();
    }
}
