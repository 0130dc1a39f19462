package io.vexfs.core.fs;

/**
 * What the text module stored for one version of an ordinary file in a text collection: the
 * embeddings of its chunks ({@code rows} vectors of {@code dim}, row-major in {@code vectors}),
 * or none with the reason it has none ({@code status}: not text, empty, ...). {@code key}
 * identifies the content it was computed from (the text module's content hash), so a remount can
 * tell what is already done. The store keeps it with exactly that version of the file and drops
 * it with the version.
 */
public record TextChunks(byte[] key, int status, String reason, float[] vectors, int rows, int dim) {
    public TextChunks {
        if (rows < 0 || dim < 0 || (long) rows * dim != vectors.length) {
            throw new IllegalArgumentException(rows + " rows of " + dim + " do not make " + vectors.length + " values");
        }
    }
}
