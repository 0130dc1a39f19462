package io.vexfs.core.fs;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The bytes an open file's writers have written and not committed yet, shared by every handle
 * of the file. Small files stage in the buffer pool; anything larger spills to a segment file
 * of its own (which becomes the file's segment at commit), so staging never holds a large
 * file in memory. Not thread-safe: the file's {@link OpenFile} serialises its use.
 */
sealed interface Staging permits PageStaging, VectorStreamStaging {
    long size();

    /** Reads staged bytes; 0 at or past the end. */
    int read(long position, MemorySegment dst) throws IOException;

    /** Writes at position; a gap before it reads as zeros. Refusals of bad vector data are InvalidInputException. */
    void write(long position, MemorySegment src) throws IOException, io.vexfs.core.codec.InvalidInputException;

    void truncate(long size) throws IOException;

    /** Frees memory and drops a spill file that no commit took. */
    void close() throws IOException;
}
