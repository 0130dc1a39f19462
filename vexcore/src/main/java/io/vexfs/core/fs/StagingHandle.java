package io.vexfs.core.fs;

import io.vexfs.core.content.FileContent;

import java.lang.foreign.MemorySegment;

/**
 * An open file whose writes are staged privately and committed on close: a stored file, a
 * .collection, a writable control file. Writes go to a staging copy (made on the first write,
 * or empty for O_TRUNC) and reach the {@link Source} only when {@link #flush} commits them, so
 * a refused write leaves the previous content in place. Synchronized per handle: FUSE may call
 * one handle from several threads, but no lock is shared between handles.
 */
final class StagingHandle implements Handle {
    /** What differs between kinds of file: what reads see before a write, and where commits go. */
    interface Source {
        /** What this handle reads until it writes. */
        FileContent content();

        /** Makes the staged bytes the file's content, or refuses them (EINVAL) and changes nothing. */
        void commit(String path, StagedFile staged) throws FsException;

        /** Why this handle may not write, or null when it may. */
        FsException writeRefusal();

        boolean directIo();
    }

    private final VexStore store;
    private final Source source;
    private StagedFile staged;
    private boolean dirty;
    /** O_TRUNC: staging starts empty instead of from the content. */
    private final boolean truncated;
    /**
     * Opened with O_TRUNC and nothing written yet. A shell's {@code >} opens, then dup2()s and
     * closes a descriptor before writing; that first flush must not commit an empty file, or
     * readers would see it and a refused write would already have lost the old content.
     */
    private boolean truncatedOnly;
    /** The staged bytes were refused by a flush and not changed since: release must not retry them. */
    private boolean refused;

    StagingHandle(VexStore store, Source source, boolean truncate) {
        this.store = store;
        this.source = source;
        this.truncated = truncate;
        this.dirty = truncate;
        this.truncatedOnly = truncate;
    }

    @Override
    public synchronized int read(long position, MemorySegment dst) {
        if (staged != null) {
            return staged.read(position, dst);
        }
        return truncated ? 0 : source.content().read(position, dst);
    }

    @Override
    public synchronized int write(long position, MemorySegment src) throws FsException {
        stage();
        staged.write(position, src);
        changed();
        return (int) src.byteSize();
    }

    @Override
    public synchronized void truncate(long size) throws FsException {
        stage();
        staged.truncate(size);
        changed();
    }

    private void changed() {
        dirty = true;
        truncatedOnly = false;
        refused = false;
    }

    private void stage() throws FsException {
        FsException refusal = source.writeRefusal();
        if (refusal != null) {
            throw refusal;
        }
        if (staged == null) {
            staged = new StagedFile(store.options().pool());
            if (!truncated) {
                staged.loadFrom(source.content());
            }
        }
    }

    @Override
    public synchronized void flush(String path) throws FsException {
        if (!dirty || truncatedOnly) {
            return;
        }
        if (staged == null) {
            staged = new StagedFile(store.options().pool());
        }
        try {
            source.commit(path, staged);
        } catch (FsException e) {
            refused = true;
            throw e;
        }
        dirty = false;
    }

    @Override
    public synchronized void fsync(String path) throws FsException {
        truncatedOnly = false;
        flush(path);
        store.sync();
    }

    @Override
    public synchronized void release(String path) throws FsException {
        try {
            if (dirty && !refused) {
                truncatedOnly = false;
                flush(path);
            }
        } finally {
            if (staged != null) {
                staged.close();
                staged = null;
            }
        }
    }

    @Override
    public synchronized long stagedSize() {
        return staged != null ? staged.size() : truncated ? 0 : -1;
    }

    @Override
    public boolean directIo() {
        return source.directIo();
    }
}
