package io.vexfs.core.codec;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Decodes whole vector files into one array, and converts vectors between the formats. Decoding
 * runs the same push decoder a writer feeds ({@link VectorStreamDecoder}), so a file is refused
 * the same way, with the same place, whether it arrives whole or a write at a time.
 */
public final class VectorCodec {
    /** The largest dimension a vector may have. */
    public static final int MAX_DIMENSION = 65536;
    /** The most numbers one decoded array may hold: the largest float[] the JVM allocates. */
    public static final int MAX_VALUES = Integer.MAX_VALUE - 8;
    /** Bytes read from the stream per call to the decoder. */
    private static final int CHUNK_BYTES = 1 << 20;

    private VectorCodec() {
    }

    /**
     * Decodes a whole file.
     *
     * @param size        the exact number of bytes {@code in} holds; 0 is an empty file (no rows, dim 0)
     * @param expectedDim the collection's dimension that every row must have, or 0 for any (the
     *                    first row then sets it for the rest)
     * @throws InvalidInputException the file is not valid in its format; {@code where} is "line N"
     *                               (1-based) for .vec, "row N" (0-based) for .fvecs and .npy data,
     *                               "header" for .npy header faults
     * @throws IOException           reading failed, or the stream ended before {@code size} bytes
     */
    public static VectorData decode(VectorFormat format, InputStream in, long size, int expectedDim)
            throws InvalidInputException, IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size " + size);
        }
        Gathered values = new Gathered(format, size);
        VectorStreamDecoder decoder = StreamDecoder.create(format, expectedDim, 1, MAX_VALUES, values);
        byte[] buffer = new byte[(int) Math.min(size, CHUNK_BYTES)];
        MemorySegment chunk = MemorySegment.ofArray(buffer);
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(buffer.length, left);
            int read = in.readNBytes(buffer, 0, n);
            if (read != n) {
                throw new EOFException("stream ended " + (left - read) + " bytes before its declared size");
            }
            decoder.accept(chunk.asSlice(0, n));
            left -= n;
        }
        DecodedShape shape = decoder.finish();
        return new VectorData(format, (int) shape.rows(), shape.dim(), values.toArray(), shape.npyHeader());
    }

    /**
     * The same vectors in another format, sharing {@code data}'s values. An .npy target gets the
     * header numpy writes for shape (rows, dim); converting to the same format returns {@code data}.
     */
    public static VectorData convert(VectorData data, VectorFormat target) {
        if (data.format() == target) {
            return data;
        }
        byte[] header = target == VectorFormat.NPY ? npyHeader(data.rows(), data.dim()) : null;
        return new VectorData(target, data.rows(), data.dim(), data.values(), header);
    }

    /** The header numpy's np.save writes for a float32 array of shape (rows, dim): version 1.0, 64-byte aligned. */
    public static byte[] npyHeader(long rows, int dim) {
        return NpyDecoder.header(rows, dim);
    }

    /**
     * Rows gathered into one float array. Its first size is a close guess from the file size
     * (exact for .fvecs), so a large file is copied once, not regrown.
     */
    private static final class Gathered implements RowSink {
        private static final int VEC_FIRST_VALUES = 1 << 16;
        private final VectorFormat format;
        private final long size;
        private float[] values = new float[0];
        private int count;

        Gathered(VectorFormat format, long size) {
            this.format = format;
            this.size = size;
        }

        @Override
        public void rows(MemorySegment floats, int rowCount, int dim) {
            int n = rowCount * dim;
            if (n > values.length - count) {
                grow((long) count + n, dim);
            }
            MemorySegment.copy(floats, StreamDecoder.FLOAT_LE, 0, values, count, n);
            count += n;
        }

        /** The decoders refuse more than MAX_VALUES numbers before they reach here. */
        private void grow(long needed, int dim) {
            long capacity = values.length != 0 ? values.length + (long) values.length / 2 : switch (format) {
                case FVECS -> size / ((long) Float.BYTES * (dim + 1)) * dim;
                case NPY -> size / Float.BYTES / dim * dim;
                case VEC -> Math.min(size / 2 + 1, VEC_FIRST_VALUES);
            };
            values = Arrays.copyOf(values, (int) Math.min(MAX_VALUES, Math.max(needed, capacity)));
        }

        float[] toArray() {
            return count == values.length ? values : Arrays.copyOf(values, count);
        }
    }
}
