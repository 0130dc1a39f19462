package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A push decoder for one vector file: the bytes of the file are handed over as they arrive (one
 * write() at a time), and every row they complete goes to a {@link RowSink} at once, already
 * validated. A fault is refused by the call whose bytes show it, so a writer hears of a bad line
 * at the write that holds it; what only the end of the file can show is refused by {@link #finish}.
 * Whatever the split of the bytes into calls, the rows and the {@code where} of a refusal are the
 * same. Not thread-safe: one writer feeds one decoder.
 */
public interface VectorStreamDecoder {
    /**
     * Bytes that continue the file, in order. Emits every row they complete to the sink, already
     * validated (parsed, finite, dimension equal to the expected one or to the first row's).
     * Throws at the first fault these bytes show: a complete .vec line that does not parse,
     * NaN or infinity, a wrong dimension, an .fvecs record header of the wrong (or non-positive,
     * or over {@link VectorCodec#MAX_DIMENSION}) dimension, a bad .npy header as soon as its
     * bytes are there. {@code where} is "line N" (1-based) for .vec, "row N" (0-based) for .fvecs
     * and .npy data, "header" for an .npy header. After a throw the decoder is dead: every later
     * call throws again. Rows emitted before a refusal belong to a refused file.
     *
     * @throws IOException what the sink threw (the decoder is dead then too)
     */
    void accept(MemorySegment bytes) throws InvalidInputException, IOException;

    /**
     * The file ended here. Throws for what only the end shows (a truncated .fvecs record, .npy
     * data shorter than its shape or longer than it, an unterminated last .vec line that does not
     * parse); otherwise returns the shape of what was emitted. An empty file has no rows and
     * dimension 0.
     */
    DecodedShape finish() throws InvalidInputException, IOException;

    /**
     * A decoder for one file of {@code format}.
     *
     * @param expectedDim the collection's dimension that every row must have, or 0 for any (the
     *                    first row then fixes it for the rest)
     */
    static VectorStreamDecoder of(VectorFormat format, int expectedDim, RowSink sink) {
        return StreamDecoder.create(format, expectedDim, 1, StreamDecoder.UNLIMITED, sink);
    }

    /**
     * A .vec decoder for text that continues a larger text at its line {@code firstLine}
     * (1-based), so that a refusal names the line of the whole text: a query file's vectors
     * follow its option lines.
     */
    static VectorStreamDecoder ofVecLines(int expectedDim, int firstLine, RowSink sink) {
        if (firstLine < 1) {
            throw new IllegalArgumentException("firstLine " + firstLine);
        }
        return StreamDecoder.create(VectorFormat.VEC, expectedDim, firstLine, StreamDecoder.UNLIMITED, sink);
    }
}
