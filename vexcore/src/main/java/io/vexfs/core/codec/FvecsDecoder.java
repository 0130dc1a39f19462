package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The .fvecs push decoder: records of an int32 dimension then that many float32, little-endian.
 * A record's dimension is judged as soon as its four bytes are there; its floats go to the row
 * buffer with one bulk copy per record (the dimension fields are dropped, so the sink gets plain
 * rows), and are checked for NaN and infinity a batch at a time. Only the end shows a truncated
 * last record.
 */
final class FvecsDecoder extends StreamDecoder {
    private final int expectedDim;
    private final long maxValues;
    private final RowBuffer out;
    /** The first record's dimension; 0 before it. */
    private int dim;
    private int rowBytes;
    /** Bytes of the current record's dimension field seen so far (4: its floats are arriving). */
    private int headerBytes;
    /** The dimension field being assembled, little-endian. */
    private int header;

    FvecsDecoder(int expectedDim, long maxValues, RowSink sink) {
        this.expectedDim = expectedDim;
        this.maxValues = maxValues;
        this.out = new RowBuffer(sink, true);
    }

    @Override
    void consume(MemorySegment bytes) throws InvalidInputException, IOException {
        long position = 0;
        long size = bytes.byteSize();
        while (position < size) {
            if (headerBytes == Integer.BYTES) {
                int n = (int) Math.min(rowBytes - out.partialBytes(), size - position);
                out.appendBytes(bytes, position, n);
                position += n;
                if (out.partialBytes() == rowBytes) {
                    out.completeRow();
                    headerBytes = 0;
                }
            } else if (headerBytes == 0 && dim != 0 && size - position >= Integer.BYTES + rowBytes) {
                position = wholeRecords(bytes, position, size);
            } else {
                header |= (bytes.get(ValueLayout.JAVA_BYTE, position) & 0xff) << (Byte.SIZE * headerBytes);
                headerBytes++;
                position++;
                if (headerBytes == Integer.BYTES) {
                    startRecord(header);
                    header = 0;
                }
            }
        }
        out.emit();
    }

    /** The records that lie whole in bytes[position, size), each copied with one call. */
    private long wholeRecords(MemorySegment bytes, long position, long size) throws InvalidInputException, IOException {
        long recordBytes = Integer.BYTES + rowBytes;
        long p = position;
        while (size - p >= recordBytes) {
            int recordDim = bytes.get(INT_LE, p);
            if (recordDim != dim) {
                startRecord(recordDim);
            }
            checkValues();
            out.appendBytes(bytes, p + Integer.BYTES, rowBytes);
            out.completeRow();
            p += recordBytes;
        }
        return p;
    }

    /** A record's dimension field is complete: the first one fixes the dimension, the others must repeat it. */
    private void startRecord(int recordDim) throws InvalidInputException {
        long row = out.partialRow();
        if (dim == 0) {
            if (!validDimension(recordDim)) {
                throw outOfRange(row, recordDim);
            }
            if (expectedDim != 0 && recordDim != expectedDim) {
                throw dimensionMismatch("row " + row, recordDim, expectedDim);
            }
            dim = recordDim;
            rowBytes = Float.BYTES * dim;
            out.setDim(dim);
        } else if (recordDim != dim) {
            // A NaN in an earlier row of this batch is the first fault.
            out.verify();
            if (!validDimension(recordDim)) {
                throw outOfRange(row, recordDim);
            }
            throw expectedDim != 0
                    ? dimensionMismatch("row " + row, recordDim, expectedDim)
                    : new InvalidInputException("row " + row, "dimension " + recordDim + " differs from row 0's " + dim);
        }
        checkValues();
    }

    /** The record about to be filled must fit under the file's limit on numbers. */
    private void checkValues() throws InvalidInputException {
        long row = out.partialRow();
        if ((row + 1) * dim > maxValues) {
            out.verify();
            throw tooManyValues("row " + row, maxValues);
        }
    }

    @Override
    DecodedShape end() throws InvalidInputException, IOException {
        out.emit();
        long row = out.partialRow();
        if (headerBytes == Integer.BYTES) {
            throw new InvalidInputException("row " + row, "truncated record: " + out.partialBytes()
                    + " of its " + rowBytes + " float bytes (" + dim + " floats) are present");
        }
        if (headerBytes > 0) {
            throw new InvalidInputException("row " + row,
                    "truncated record: " + headerBytes + " of the 4 bytes of its dimension are present");
        }
        long rows = out.emittedRows();
        return new DecodedShape(VectorFormat.FVECS, rows, rows == 0 ? 0 : dim, null);
    }

    private static boolean validDimension(int dim) {
        return dim >= 1 && dim <= VectorCodec.MAX_DIMENSION;
    }

    private static InvalidInputException outOfRange(long row, int dim) {
        return new InvalidInputException("row " + row,
                "dimension " + dim + " is not between 1 and " + VectorCodec.MAX_DIMENSION);
    }
}
