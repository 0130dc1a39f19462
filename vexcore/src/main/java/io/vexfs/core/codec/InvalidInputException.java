package io.vexfs.core.codec;

/**
 * Input that is refused: the operation fails with EINVAL and changes nothing.
 * {@code where} locates the fault for .vexfs/errors ("line 3", "row 41", "header", "byte 1032").
 */
public final class InvalidInputException extends Exception {
    private final String where;
    private final String reason;

    public InvalidInputException(String where, String reason) {
        super(where == null || where.isEmpty() ? reason : where + ": " + reason);
        this.where = where == null ? "" : where;
        this.reason = reason;
    }

    public String where() {
        return where;
    }

    public String reason() {
        return reason;
    }
}
