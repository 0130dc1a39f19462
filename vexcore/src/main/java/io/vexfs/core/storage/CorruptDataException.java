package io.vexfs.core.storage;

import java.nio.file.Path;

/**
 * Stored bytes that fail their block checksum: the read or search that touched them fails (EIO),
 * and the message names the segment file and the offset, so `.vexfs/errors` can say where.
 */
public final class CorruptDataException extends RuntimeException {
    private final transient Path segment;
    private final long offset;

    public CorruptDataException(Path segment, long offset, String why) {
        super(segment.getFileName() + " at offset " + offset + ": " + why);
        this.segment = segment;
        this.offset = offset;
    }

    public Path segment() {
        return segment;
    }

    /** The file offset of the failing block (header included). */
    public long offset() {
        return offset;
    }
}
