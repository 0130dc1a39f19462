package io.vexfs.core.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where a {@link CheckpointWriter} puts the records that rebuild the state it captured. */
public interface RecordSink {
    /**
     * Appends one record whose body is the concatenation of each part's bytes from position to
     * limit; the parts' positions are advanced to their limits. {@code type} must be in 1..255.
     */
    void append(int type, ByteBuffer... parts) throws IOException;
}
