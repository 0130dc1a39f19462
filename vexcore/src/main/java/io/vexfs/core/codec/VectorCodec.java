package io.vexfs.core.codec;

import java.io.IOException;
import java.io.InputStream;

/** Decodes the vector file formats and converts vectors between them. */
public final class VectorCodec {
    /** The largest dimension a vector may have. */
    public static final int MAX_DIMENSION = 65536;
    /** The most numbers one file may hold: the largest float[] the JVM allocates. */
    public static final int MAX_VALUES = Integer.MAX_VALUE - 8;

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
        if (size < 0 || expectedDim < 0 || expectedDim > MAX_DIMENSION) {
            throw new IllegalArgumentException("size " + size + ", expectedDim " + expectedDim);
        }
        return switch (format) {
            case VEC -> VecDecoder.decode(in, size, expectedDim, 1);
            case FVECS -> FvecsDecoder.decode(in, size, expectedDim);
            case NPY -> NpyCodec.decode(in, size, expectedDim);
        };
    }

    /**
     * Decodes .vec text that continues a larger text at its line {@code firstLine} (1-based), so
     * that a refusal's {@code where} names the line of the whole text (a query file's vectors
     * follow its option lines).
     */
    public static VectorData decodeVecLines(InputStream in, long size, int expectedDim, int firstLine)
            throws InvalidInputException, IOException {
        if (size < 0 || expectedDim < 0 || expectedDim > MAX_DIMENSION || firstLine < 1) {
            throw new IllegalArgumentException("size " + size + ", expectedDim " + expectedDim + ", firstLine " + firstLine);
        }
        return VecDecoder.decode(in, size, expectedDim, firstLine);
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
    public static byte[] npyHeader(int rows, int dim) {
        return NpyCodec.header(rows, dim);
    }

    static InvalidInputException dimensionMismatch(String where, int dim, int expectedDim) {
        return new InvalidInputException(where, "dimension " + dim + " differs from the collection's " + expectedDim);
    }
}
