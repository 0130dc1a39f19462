package io.vexfs.core.fs;

import java.lang.foreign.MemorySegment;

/** An open file. A handle is used by one open file description; its methods are not called concurrently. */
public interface Handle {
    int read(long position, MemorySegment dst) throws FsException;

    int write(long position, MemorySegment src) throws FsException;

    /** A write by the user {@code callerUid}: a stored file loses its set-user-ID and set-group-ID bits to anyone but its owner. */
    default int write(long position, MemorySegment src, int callerUid) throws FsException {
        return write(position, src);
    }

    void truncate(long size) throws FsException;

    /** close() of one descriptor (path: where the file is now): commits what was written, or refuses it (EINVAL) and keeps the old content. */
    void flush(String path) throws FsException;

    /** Commits, then makes it durable (fsync of the log). */
    void fsync(String path) throws FsException;

    /**
     * The last descriptor is gone: commits what no flush committed (a truncation never followed
     * by a write, or writes whose only close came from another process), then frees staging.
     * Its error cannot reach a close() any more; the caller records it.
     */
    void release(String path) throws FsException;

    /** Size of what this handle has written and not yet committed, or -1: what its own fstat sees. */
    long stagedSize();

    /** Whether reads must bypass the kernel's page cache (content generated per open). */
    boolean directIo();
}
