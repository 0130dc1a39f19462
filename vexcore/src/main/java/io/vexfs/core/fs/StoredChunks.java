package io.vexfs.core.fs;

import io.vexfs.core.content.Span;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What the store keeps for one version of a text file (an ordinary file of a text collection):
 * the embeddings of its chunks, {@code rows} vectors of {@code dim} float32 in {@code floats} (a
 * span of a data segment, like a vector file's floats), or none and why ({@code status} and
 * {@code reason}: not text, empty, ...). {@code key} is the text module's hash of the content
 * they were made from: a remount matches the word index's documents to files by it without
 * reading the files again. Immutable; a file's chunks are dropped with its version.
 */
public record StoredChunks(byte[] key, int status, String reason, long rows, int dim, Span floats) {
    public StoredChunks {
        if (rows < 0 || dim < 0 || floats.length() != rows * dim * Float.BYTES) {
            throw new IllegalArgumentException(rows + " rows of " + dim + " floats do not fill " + floats.length() + " bytes");
        }
    }

    /** The span holding the floats, if any: what keeps a segment alive and what compaction moves. */
    List<Span> spans() {
        return floats.segment() == null ? List.of() : List.of(floats);
    }

    /** The same chunks with their floats moved (by compaction). */
    StoredChunks withSpans(UnaryOperator<Span> move) {
        return floats.segment() == null ? this : new StoredChunks(key, status, reason, rows, dim, move.apply(floats));
    }
}
