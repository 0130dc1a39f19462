package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Where a {@link VectorStreamDecoder} puts the rows it has validated. */
@FunctionalInterface
public interface RowSink {
    /**
     * Whole rows, float32 little-endian, row-major: {@code rowCount * dim} floats. The segment
     * is valid only during the call (it may be the writer's own buffer); copy what is kept.
     *
     * @throws InvalidInputException the sink refuses these rows for a reason of its own (a query
     *                               batch that would print too many results); the decoder dies
     */
    void rows(MemorySegment floats, int rowCount, int dim) throws IOException, InvalidInputException;
}
