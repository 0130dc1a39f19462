package io.vexfs.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Receives the records of a log or checkpoint, in order, while the log is opened. */
@FunctionalInterface
public interface RecordVisitor {
    /**
     * Called once per record. {@code body} is a read-only view of the file's mapped memory, so a
     * large record costs no copy; it is valid only until this call returns, and whatever the
     * visitor keeps must be copied out of it. {@code type} is in 1..255.
     */
    void visit(int type, MemorySegment body) throws IOException;
}
