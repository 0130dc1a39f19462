package io.vexfs.core.storage;

import java.io.IOException;

/** Writes a snapshot of the caller's state as records that, replayed in order, rebuild it. */
@FunctionalInterface
public interface CheckpointWriter {
    void write(RecordSink sink) throws IOException;
}
