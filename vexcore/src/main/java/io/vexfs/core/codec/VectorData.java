package io.vexfs.core.codec;

/**
 * The vectors of one file: {@code rows} vectors of {@code dim} float32 each, row-major in
 * {@code values} (length rows * dim). {@code npyHeader} holds an .npy file's exact header bytes
 * (magic through padding) so the file reads back byte for byte; null for other formats.
 * Instances are immutable by convention: nobody writes into {@code values} after decoding.
 */
public record VectorData(VectorFormat format, int rows, int dim, float[] values, byte[] npyHeader) {
    public VectorData {
        if (rows < 0 || dim < 0 || (long) rows * dim != values.length) {
            throw new IllegalArgumentException("rows * dim != values.length");
        }
    }
}
