package io.vexfs.core.content;

import java.lang.foreign.MemorySegment;

/** Bytes to render a file from: a span of a data segment (checked before use) or memory. */
public interface ByteSource {
    long size();

    /** Copies bytes [from, from + n) to dst at dstOffset. */
    void copyTo(long from, MemorySegment dst, long dstOffset, long n);

    /** Bytes already in memory (a decoded query, a test's vectors), taken as they are. */
    static ByteSource of(MemorySegment memory) {
        return new ByteSource() {
            @Override
            public long size() {
                return memory.byteSize();
            }

            @Override
            public void copyTo(long from, MemorySegment dst, long dstOffset, long n) {
                MemorySegment.copy(memory, from, dst, dstOffset, n);
            }
        };
    }
}
