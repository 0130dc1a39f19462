package io.vexfs.core.query;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.fs.CollectionSettings;
import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.StagedFile;
import io.vexfs.core.storage.CorruptDataException;
import io.vexfs.pool.BufferPool;

import java.lang.foreign.MemorySegment;

/**
 * An open query file (or .similar/ file, which has no {@link Writer}). Reads serve the results
 * as they were when the handle was opened or last committed by it, so one reader never sees two
 * answers mixed; a refused query reads as EINVAL. Writes are the query: they are staged from
 * empty (the results are not text to edit), read as they arrive, so that a bad line fails the
 * write that holds it, and searched on close.
 */
final class QueryHandle implements Handle {
    /** The write side of a query name. */
    interface Writer {
        /** The collection's settings now. */
        CollectionSettings settings();

        /** A reader for a query judged under {@code settings}. */
        QueryReader reader(CollectionSettings settings);

        /**
         * Takes the collection's state, has the query read under its settings by {@code query},
         * searches it and makes the results the name's.
         */
        QueryFile.State commit(BatchSource query) throws InvalidInputException;

        /** The query was refused: reads of the name fail until the next query. */
        void refuse(InvalidInputException refusal);

        /** The query's search failed: reads of the name show {@code failed} (an error) until the next query. */
        void fail(QueryFile.State failed);
    }

    /** The query read to its end under the given settings. */
    interface BatchSource {
        QueryBatch batch(CollectionSettings settings) throws InvalidInputException;
    }

    private static final int MAX_QUERY_BYTES = Integer.MAX_VALUE - 8;
    private static final int REREAD_BYTES = 64 * 1024;

    private final Writer writer;
    /** Marks the name as used, for its expiry. */
    private final Runnable touch;
    private final BufferPool pool;
    private QueryFile.State shown;
    /** The query being written, in pool buffers; made on the first write. */
    private StagedFile staged;
    private boolean dirty;
    /** O_TRUNC and nothing written yet: a shell's {@code >} closes a dup'd descriptor before it writes. */
    private boolean truncatedOnly;
    /** Has read every staged byte, in order; null before the first write and after a write out of order. */
    private QueryReader reader;
    /** Why the staged query was refused; it stays refused until truncated to nothing. */
    private InvalidInputException refusal;

    QueryHandle(QueryFile.State shown, Writer writer, Runnable touch, boolean truncate, BufferPool pool) {
        this.shown = shown;
        this.writer = writer;
        this.touch = touch;
        this.pool = pool;
        this.dirty = truncate;
        this.truncatedOnly = truncate;
    }

    @Override
    public synchronized int read(long position, MemorySegment dst) throws FsException {
        touch.run();
        byte[] results = shown.readable();
        if (position >= results.length) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), results.length - position);
        MemorySegment.copy(MemorySegment.ofArray(results), position, dst, 0, n);
        return n;
    }

    @Override
    public synchronized int write(long position, MemorySegment src) throws FsException {
        if (writer != null && refusal != null) {
            throw FsException.invalid(new InvalidInputException(refusal.where(), refusal.reason()));
        }
        long length = stagedLength();
        if (writer != null && position > length) {
            // An append (>>) lands at the end of the results, which are not part of the query.
            throw new FsException(Errno.EINVAL, "byte " + position, "a query is written from the start of the file, "
                    + "and this write would leave a gap; write the whole query with '>', not '>>'");
        }
        stage(position + src.byteSize()).write(position, src);
        touch.run();
        if (position != length) {
            // Rewriting bytes already read: the whole query is read again on close.
            reader = null;
        } else if (length == 0 || reader != null) {
            if (reader == null) {
                reader = writer.reader(writer.settings());
            }
            try {
                reader.accept(src);
            } catch (InvalidInputException e) {
                refuse(e);
                throw FsException.invalid(e);
            }
        }
        return (int) src.byteSize();
    }

    @Override
    public synchronized void truncate(long size) throws FsException {
        stage(size).truncate(size);
        reader = null;
        if (size == 0) {
            // Started over: what was refused is gone.
            refusal = null;
        }
    }

    private long stagedLength() {
        return staged == null ? 0 : staged.size();
    }

    /** The staging for a query that will reach {@code end} bytes; marks the query changed. */
    private StagedFile stage(long end) throws FsException {
        if (writer == null) {
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

    private void refuse(InvalidInputException e) {
        refusal = e;
        dirty = false;
        reader = null;
        shown = QueryFile.State.refused(e);
        writer.refuse(e);
    }

    /** Searches the staged query. A refusal is reported once: by the write that showed it, or by this close. */
    @Override
    public synchronized void flush(String path) throws FsException {
        if (!dirty || truncatedOnly || refusal != null) {
            return;
        }
        dirty = false;
        try {
            shown = writer.commit(this::batch);
        } catch (InvalidInputException e) {
            refuse(e);
            throw FsException.invalid(e);
        } catch (CorruptDataException e) {
            // Reads must not serve the answer from before as if it were this query's.
            shown = QueryFile.State.failed("stored data is corrupt: " + e.getMessage());
            writer.fail(shown);
            throw e;
        } finally {
            // The reader has finished; bytes written after this commit are read again with the rest on the next.
            reader = null;
        }
    }

    /** The staged query read to its end under {@code settings}: read again if written out of order or under others. */
    private QueryBatch batch(CollectionSettings settings) throws InvalidInputException {
        if (reader == null || !reader.settings().equals(settings)) {
            reader = writer.reader(settings);
            long size = stagedLength();
            byte[] chunk = new byte[(int) Math.min(REREAD_BYTES, size)];
            for (long position = 0; position < size; ) {
                int n = staged.read(position, MemorySegment.ofArray(chunk));
                reader.accept(MemorySegment.ofArray(chunk).asSlice(0, n));
                position += n;
            }
        }
        return reader.finish();
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
