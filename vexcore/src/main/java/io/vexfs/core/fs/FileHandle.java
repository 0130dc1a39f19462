package io.vexfs.core.fs;

import java.lang.foreign.MemorySegment;

/** One open descriptor of a stored file: the file's shared {@link OpenFile}, and whether this descriptor may write. */
final class FileHandle implements Handle {
    private final VexStore store;
    private final OpenFile file;
    private final boolean writable;
    /** The name it was opened by: what decides whether writes are vector data, and of which collection. */
    private final String path;
    private boolean released;

    FileHandle(VexStore store, OpenFile file, boolean writable, String path) {
        this.store = store;
        this.file = file;
        this.writable = writable;
        this.path = path;
    }

    @Override
    public int read(long position, MemorySegment dst) throws FsException {
        return file.read(position, dst, seesStaged());
    }

    /** Whether this handle reads staged bytes (see {@link OpenFile#read}). */
    private boolean seesStaged() {
        return writable || io.vexfs.core.codec.VectorFormat.forName(path) == null;
    }

    @Override
    public int write(long position, MemorySegment src) throws FsException {
        return write(position, src, -1);
    }

    @Override
    public int write(long position, MemorySegment src, int callerUid) throws FsException {
        requireWritable();
        return file.write(path, position, src, callerUid);
    }

    @Override
    public void truncate(long size) throws FsException {
        requireWritable();
        file.truncate(path, size);
    }

    /** path null: libfuse lost the file's name (unlinked while open); like POSIX, its writes go nowhere. */
    @Override
    public void flush(String path) throws FsException {
        if (writable && path != null) {
            file.flush(path);
        }
    }

    @Override
    public void fsync(String path) throws FsException {
        if (writable) {
            file.fsync(path);
        } else {
            store.sync();
        }
    }

    @Override
    public void release(String path) throws FsException {
        if (released) {
            return;
        }
        released = true;
        store.closeHandle(file, path);
    }

    @Override
    public long stagedSize() {
        return seesStaged() ? file.stagedSize() : -1;
    }

    /**
     * A writer bypasses the kernel's page cache, so staged bytes never sit in cached pages that
     * a reader of another process could see as if committed. Readers keep the cache (and mmap).
     */
    @Override
    public boolean directIo() {
        return writable;
    }

    private void requireWritable() throws FsException {
        if (!writable) {
            throw new FsException(Errno.EBADF, "file not open for writing");
        }
    }
}
