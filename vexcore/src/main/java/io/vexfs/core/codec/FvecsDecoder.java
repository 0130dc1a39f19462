package io.vexfs.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The .fvecs decoder: records of an int32 dimension then that many float32, little-endian.
 * The first record's dimension and the file size fix the row count, so the floats go straight
 * into one exact array, a buffer of whole records at a time, with bulk little-endian copies.
 */
final class FvecsDecoder {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FvecsDecoder() {
    }

    static VectorData decode(InputStream in, long size, int expectedDim) throws InvalidInputException, IOException {
        if (size == 0) {
            return new VectorData(VectorFormat.FVECS, 0, 0, new float[0], null);
        }
        byte[] buffer = StreamInput.bufferFor(size);
        MemorySegment bytes = MemorySegment.ofArray(buffer);
        StreamInput.readFully(in, buffer, 0, buffer.length);
        long unread = size - buffer.length;
        int limit = buffer.length;
        if (limit < Integer.BYTES) {
            throw truncatedDimension(0, limit);
        }
        int dim = bytes.get(INT_LE, 0);
        if (!validDimension(dim)) {
            throw outOfRange(0, dim);
        }
        if (expectedDim != 0 && dim != expectedDim) {
            throw VectorCodec.dimensionMismatch("row 0", dim, expectedDim);
        }
        int recordBytes = Integer.BYTES + Float.BYTES * dim;
        long rows = size / recordBytes;
        if (rows * dim > VectorCodec.MAX_VALUES) {
            throw new InvalidInputException("row " + VectorCodec.MAX_VALUES / dim,
                    "more than " + VectorCodec.MAX_VALUES + " numbers in one file");
        }
        float[] values = new float[(int) (rows * dim)];
        // Whole records as floats (the dimension fields included, as raw bits): one bulk conversion
        // per buffer, then a plain array copy per record, which stays cheap even for tiny dimensions.
        float[] records = new float[buffer.length / Float.BYTES];
        int recordFloats = recordBytes / Float.BYTES;
        int row = 0;
        int position = 0;
        while (true) {
            int batchStart = row;
            int wholeRecords = (limit - position) / recordBytes;
            MemorySegment.copy(bytes, FLOAT_LE, position, records, 0, wholeRecords * recordFloats);
            for (int r = 0, at = 0; r < wholeRecords; r++, at += recordFloats, row++) {
                int recordDim = Float.floatToRawIntBits(records[at]);
                if (recordDim != dim) {
                    throw dimensionFault(row, recordDim, dim, expectedDim);
                }
                System.arraycopy(records, at + 1, values, row * dim, dim);
            }
            position += wholeRecords * recordBytes;
            int bad = FiniteCheck.firstNonFinite(values, batchStart * dim, row * dim);
            if (bad >= 0) {
                throw new InvalidInputException("row " + bad / dim,
                        values[bad] + " at index " + bad % dim + " is not a finite number");
            }
            if (unread == 0) {
                break;
            }
            int leftover = limit - position;
            System.arraycopy(buffer, position, buffer, 0, leftover);
            int n = (int) Math.min(buffer.length - leftover, unread);
            StreamInput.readFully(in, buffer, leftover, n);
            unread -= n;
            limit = leftover + n;
            position = 0;
        }
        int leftover = limit - position;
        if (leftover > 0) {
            if (leftover < Integer.BYTES) {
                throw truncatedDimension(row, leftover);
            }
            int recordDim = bytes.get(INT_LE, position);
            if (recordDim != dim) {
                throw dimensionFault(row, recordDim, dim, expectedDim);
            }
            throw new InvalidInputException("row " + row, "truncated record: " + (leftover - Integer.BYTES)
                    + " of its " + (recordBytes - Integer.BYTES) + " float bytes (" + dim + " floats) are present");
        }
        return new VectorData(VectorFormat.FVECS, (int) rows, dim, values, null);
    }

    private static boolean validDimension(int dim) {
        return dim >= 1 && dim <= VectorCodec.MAX_DIMENSION;
    }

    private static InvalidInputException outOfRange(int row, int dim) {
        return new InvalidInputException("row " + row,
                "dimension " + dim + " is not between 1 and " + VectorCodec.MAX_DIMENSION);
    }

    private static InvalidInputException dimensionFault(int row, int recordDim, int dim, int expectedDim) {
        if (!validDimension(recordDim)) {
            return outOfRange(row, recordDim);
        }
        return expectedDim != 0
                ? VectorCodec.dimensionMismatch("row " + row, recordDim, expectedDim)
                : new InvalidInputException("row " + row, "dimension " + recordDim + " differs from row 0's " + dim);
    }

    private static InvalidInputException truncatedDimension(int row, int present) {
        return new InvalidInputException("row " + row,
                "truncated record: " + present + " of the 4 bytes of its dimension are present");
    }
}
