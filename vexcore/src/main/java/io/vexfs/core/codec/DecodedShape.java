package io.vexfs.core.codec;

/**
 * What a {@link VectorStreamDecoder} found in a whole file: {@code rows} vectors of {@code dim}
 * floats. {@code npyHeader} is an .npy file's exact header (magic through padding), kept so the
 * file reads back byte for byte; null for the other formats and for an empty file.
 */
public record DecodedShape(VectorFormat format, long rows, int dim, byte[] npyHeader) {
}
