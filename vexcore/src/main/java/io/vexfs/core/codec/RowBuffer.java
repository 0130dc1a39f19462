package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Rows on their way to a {@link RowSink}: whole rows, then the bytes of the row being filled,
 * float32 little-endian in one heap buffer. The buffer starts small (most files are one vector)
 * and grows to {@link #BATCH_BYTES}; past that, whole rows are emitted to make room. It also
 * counts the rows emitted, so that a fault found in a batch names its row in the whole file.
 */
final class RowBuffer {
    /** Large enough to amortise a sink call, and to hold the largest row (65536 floats). */
    static final int BATCH_BYTES = VectorCodec.MAX_DIMENSION * Float.BYTES;
    private static final int INITIAL_BYTES = 4096;
    /** Rows per sink call when rows are handed on straight from the input. */
    private static final long DIRECT_BYTES = 16L << 20;

    private final RowSink sink;
    /** Whether rows arrive as raw bytes that may hold NaN or infinity (binary formats). */
    private final boolean checkFinite;
    private byte[] array = new byte[0];
    private MemorySegment segment = MemorySegment.ofArray(array);
    private int dim;
    private int wholeRows;
    private int wholeBytes;
    /** Whole-row bytes already checked for finiteness. */
    private int checkedBytes;
    private int partialBytes;
    private long emittedRows;

    RowBuffer(RowSink sink, boolean checkFinite) {
        this.sink = sink;
        this.checkFinite = checkFinite;
    }

    void setDim(int dim) {
        this.dim = dim;
    }

    long emittedRows() {
        return emittedRows;
    }

    /** The row (0-based, in the whole file) that the partial bytes belong to. */
    long partialRow() {
        return emittedRows + wholeRows;
    }

    int partialBytes() {
        return partialBytes;
    }

    /** Appends one float to the partial row. */
    void appendFloat(float value) throws IOException, InvalidInputException {
        int at = wholeBytes + partialBytes;
        if (at + Float.BYTES > array.length) {
            makeRoom(Float.BYTES);
            at = wholeBytes + partialBytes;
        }
        segment.set(StreamDecoder.FLOAT_LE, at, value);
        partialBytes += Float.BYTES;
    }

    /** Appends {@code length} bytes of {@code src} from {@code offset} to the partial row. */
    void appendBytes(MemorySegment src, long offset, int length) throws IOException, InvalidInputException {
        if (wholeBytes + partialBytes + length > array.length) {
            makeRoom(length);
        }
        MemorySegment.copy(src, offset, segment, wholeBytes + partialBytes, length);
        partialBytes += length;
    }

    /** The partial bytes are a whole row now. */
    void completeRow() {
        wholeBytes += partialBytes;
        partialBytes = 0;
        wholeRows++;
    }

    /** Throws for the first NaN or infinity in the whole rows not checked yet. */
    void verify() throws InvalidInputException {
        if (checkFinite && checkedBytes < wholeBytes) {
            int from = checkedBytes;
            checkedBytes = wholeBytes;
            check(segment.asSlice(from, wholeBytes - from), emittedRows * dim + from / Float.BYTES);
        }
    }

    /** Hands the whole rows to the sink and keeps the partial row, moved to the front. */
    void emit() throws IOException, InvalidInputException {
        if (wholeRows == 0) {
            return;
        }
        verify();
        sink.rows(segment.asSlice(0, wholeBytes), wholeRows, dim);
        emittedRows += wholeRows;
        System.arraycopy(array, wholeBytes, array, 0, partialBytes);
        wholeRows = 0;
        wholeBytes = 0;
        checkedBytes = 0;
    }

    /**
     * Hands {@code rows} whole rows to the sink straight from the writer's bytes, without a copy;
     * only when this buffer holds no whole row.
     */
    void emitDirect(MemorySegment bytes, long rows) throws IOException, InvalidInputException {
        long rowBytes = (long) dim * Float.BYTES;
        long perCall = Math.max(1, DIRECT_BYTES / rowBytes);
        for (long done = 0; done < rows; ) {
            int n = (int) Math.min(perCall, rows - done);
            MemorySegment slice = bytes.asSlice(done * rowBytes, n * rowBytes);
            if (checkFinite) {
                check(slice, emittedRows * dim);
            }
            sink.rows(slice, n, dim);
            emittedRows += n;
            done += n;
        }
    }

    /** {@code firstValue}: the index in the whole file of the first float of {@code floats}. */
    private void check(MemorySegment floats, long firstValue) throws InvalidInputException {
        long bad = FiniteCheck.firstNonFinite(floats, floats.byteSize() / Float.BYTES);
        if (bad >= 0) {
            long value = firstValue + bad;
            throw new InvalidInputException("row " + value / dim, floats.getAtIndex(StreamDecoder.FLOAT_LE, bad)
                    + " at index " + value % dim + " is not a finite number");
        }
    }

    private void makeRoom(int more) throws IOException, InvalidInputException {
        if (wholeRows > 0 && array.length >= BATCH_BYTES) {
            emit();
        }
        int need = wholeBytes + partialBytes + more;
        if (need > array.length) {
            byte[] grown = new byte[Math.max(need, Math.min(BATCH_BYTES, Math.max(INITIAL_BYTES, 2 * array.length)))];
            System.arraycopy(array, 0, grown, 0, wholeBytes + partialBytes);
            array = grown;
            segment = MemorySegment.ofArray(array);
        }
    }
}
