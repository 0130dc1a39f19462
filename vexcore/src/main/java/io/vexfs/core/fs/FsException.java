package io.vexfs.core.fs;

/** A refused filesystem operation: the errno the caller gets, and why. */
public final class FsException extends Exception {
    private final Errno errno;
    private final String where;

    public FsException(Errno errno, String message) {
        this(errno, "", message);
    }

    /** {@code where} locates bad input inside a file ("line 3", "row 41"); empty otherwise. */
    public FsException(Errno errno, String where, String message) {
        super(message);
        this.errno = errno;
        this.where = where;
    }

    public FsException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
        this.where = "";
    }

    /**
     * An I/O failure of the data directory, as the caller should see it: a full disk is ENOSPC and
     * a file larger than the data directory's filesystem takes is EFBIG (so the call that asked
     * for it fails with that), anything else EIO.
     */
    public static FsException io(String what, java.io.IOException e) {
        String m = String.valueOf(e.getMessage());
        Errno errno = m.contains("No space left on device") || m.contains("Disk quota exceeded") ? Errno.ENOSPC
                : m.contains("File too large") ? Errno.EFBIG : Errno.EIO;
        return new FsException(errno, what + ": " + m, e);
    }

    public static FsException invalid(io.vexfs.core.codec.InvalidInputException e) {
        return new FsException(Errno.EINVAL, e.where(), e.reason());
    }

    public String where() {
        return where;
    }

    public Errno errno() {
        return errno;
    }
}
