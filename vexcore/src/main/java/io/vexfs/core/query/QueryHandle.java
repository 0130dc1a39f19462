package io.vexfs.core.query;

import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;

import io.vexfs.core.fs.StagedFile;
import io.vexfs.pool.BufferPool;

import java.lang.foreign.MemorySegment;

/**
 * An open query file (or .similar/ file, which has no {@link Commit}). Reads serve the results
 * as they were when the handle was opened or last committed by it, so one reader never sees two
 * answers mixed. Writes are the query: they are staged from empty (the results are not text to
 * edit) and handed to {@link Commit} on close, whose answer this handle then reads.
 */
final class QueryHandle implements Handle {
    /** Searches the written query; returns the new results or refuses the query (EINVAL). */
    interface Commit {
        byte[] commit(byte[] query, int length) throws FsException;
    }

    private static final int MAX_QUERY_BYTES = Integer.MAX_VALUE - 8;

    private final Commit commit;
    /** Marks the name as used, for its expiry. */
    private final Runnable touch;
    private final BufferPool pool;
    private byte[] results;
    /** The query being written, in pool buffers; made on the first write. */
    private StagedFile staged;
    private boolean dirty;
    /** O_TRUNC and nothing written yet: a shell's {@code >} closes a dup'd descriptor before it writes. */
    private boolean truncatedOnly;

    QueryHandle(byte[] results, Commit commit, Runnable touch, boolean truncate, BufferPool pool) {
        this.results = results;
        this.commit = commit;
        this.touch = touch;
        this.pool = pool;
        this.dirty = truncate;
        this.truncatedOnly = truncate;
    }

    @Override
    public synchronized int read(long position, MemorySegment dst) {
        touch.run();
        if (position >= results.length) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), results.length - position);
        MemorySegment.copy(MemorySegment.ofArray(results), position, dst, 0, n);
        return n;
    }

    @Override
    public synchronized int write(long position, MemorySegment src) throws FsException {
        if (commit != null && position > stagedLength()) {
            // An append (>>) lands at the end of the results, which are not part of the query.
            throw new FsException(Errno.EINVAL, "byte " + position, "a query is written from the start of the file, "
                    + "and this write would leave a gap; write the whole query with '>', not '>>'");
        }
        stage(position + src.byteSize()).write(position, src);
        touch.run();
        return (int) src.byteSize();
    }

    @Override
    public synchronized void truncate(long size) throws FsException {
        stage(size).truncate(size);
    }

    private long stagedLength() {
        return staged == null ? 0 : staged.size();
    }

    /** The staging for a query that will reach {@code end} bytes; marks the query changed. */
    private StagedFile stage(long end) throws FsException {
        if (commit == null) {
            throw new FsException(Errno.EACCES, "this file is read-only");
        }
        if (end > MAX_QUERY_BYTES) {
            throw new FsException(Errno.EFBIG, "a query file holds at most " + MAX_QUERY_BYTES + " bytes");
        }
        if (staged == null) {
            staged = new StagedFile(pool);
        }
        dirty = true;
        truncatedOnly = false;
        return staged;
    }

    /** Searches the staged query. A refused query is reported by this close only, not again at release. */
    @Override
    public synchronized void flush(String path) throws FsException {
        if (!dirty || truncatedOnly) {
            return;
        }
        dirty = false;
        byte[] query = new byte[(int) stagedLength()];
        if (staged != null) {
            staged.read(0, MemorySegment.ofArray(query));
        }
        results = commit.commit(query, query.length);
    }

    @Override
    public synchronized void fsync(String path) throws FsException {
        truncatedOnly = false;
        flush(path);
    }

    @Override
    public synchronized void release(String path) throws FsException {
        try {
            truncatedOnly = false;
            flush(path);
        } finally {
            if (staged != null) {
                staged.close();
                staged = null;
            }
        }
    }

    /** A query file's size is its results' size, whatever its writer has staged. */
    @Override
    public long stagedSize() {
        return -1;
    }

    /** Results change with every commit; the page cache must not keep an old answer. */
    @Override
    public boolean directIo() {
        return true;
    }
}
