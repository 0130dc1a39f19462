package io.vexfs.core.fs;

import java.lang.foreign.MemorySegment;

/**
 * An open stored file. Writes go to a private staging copy (made on the first write, or empty
 * for O_TRUNC) and become the file's content only when {@link #flush} commits them, so a
 * refused write leaves the previous content in place. Synchronized per handle: FUSE may call
 * one handle from several threads, but no lock is shared between handles.
 */
final class FileHandle implements Handle {
    private final VexStore store;
    private final FileNode node;
    private final boolean writable;
    private StagedFile staged;
    private boolean dirty;
    /**
     * Opened with O_TRUNC and nothing written yet. A shell's {@code >} opens, then dup2()s and
     * closes a descriptor before writing; that first flush must not commit an empty file, or
     * readers would see it and a refused write would already have lost the old content.
     */
    private boolean truncatedOnly;
    /** The staged bytes were refused by a flush and not changed since: release must not retry them. */
    private boolean refused;
    /** O_TRUNC: staging starts empty instead of from the committed content. */
    private boolean truncated;

    FileHandle(VexStore store, FsPath path, FileNode node, boolean writable, boolean truncate) {
        this.store = store;
        this.node = node;
        this.writable = writable;
        if (truncate) {
            truncated = true;
            dirty = true;
            truncatedOnly = true;
        }
    }

    @Override
    public synchronized int read(long position, MemorySegment dst) {
        if (staged != null) {
            return staged.read(position, dst);
        }
        if (truncated) {
            return 0;
        }
        return node.version().content().read(position, dst);
    }

    @Override
    public synchronized int write(long position, MemorySegment src) throws FsException {
        stage();
        staged.write(position, src);
        dirty = true;
        truncatedOnly = false;
        refused = false;
        return (int) src.byteSize();
    }

    @Override
    public synchronized void truncate(long size) throws FsException {
        stage();
        staged.truncate(size);
        dirty = true;
        truncatedOnly = false;
        refused = false;
    }

    private void stage() throws FsException {
        if (!writable) {
            throw new FsException(Errno.EBADF, "file not open for writing");
        }
        if (staged == null) {
            staged = new StagedFile(store.options().pool());
            if (!truncated) {
                staged.loadFrom(node.version().content());
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
            store.commit(FsPath.parse(path), node, staged);
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
            closeStaging();
        }
    }

    private void closeStaging() {
        if (staged != null) {
            staged.close();
            staged = null;
        }
    }

    @Override
    public synchronized long stagedSize() {
        return staged != null ? staged.size() : truncated ? 0 : -1;
    }

    /**
     * A writer bypasses the kernel's page cache, so bytes it has not committed never sit in
     * cached pages where another reader could see them. Readers keep the cache (and mmap).
     */
    @Override
    public boolean directIo() {
        return writable;
    }
}
