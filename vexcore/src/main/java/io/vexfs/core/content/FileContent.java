package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;

/**
 * The bytes a read() of a committed file returns. Immutable once built, so a reader never
 * needs a lock: a commit swaps in a new FileContent and old readers finish on the old one.
 */
public interface FileContent {
    /** Exact number of bytes read() returns; what stat reports. */
    long size();

    /**
     * Copies bytes starting at {@code position} into {@code dst} (up to dst.byteSize()).
     * Returns the number of bytes copied: 0 at or past the end.
     */
    int read(long position, MemorySegment dst);
}
