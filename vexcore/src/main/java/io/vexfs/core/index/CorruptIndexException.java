package io.vexfs.core.index;

/** An index file that does not hold what its format says: it is rebuilt, never used. */
public final class CorruptIndexException extends RuntimeException {
    public CorruptIndexException(String message) {
        super(message);
    }
}
