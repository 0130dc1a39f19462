package io.vexfs.core.fs;

import io.vexfs.core.content.FileContent;

/** A stored file as a {@link StagingHandle.Source}: commits go through the store's commit. */
record StoredFileSource(VexStore store, FileNode node, boolean writable) implements StagingHandle.Source {
    @Override
    public FileContent content() {
        return node.version().content();
    }

    @Override
    public void commit(String path, StagedFile staged) throws FsException {
        store.commit(FsPath.parse(path), node, staged);
    }

    @Override
    public FsException writeRefusal() {
        return writable ? null : new FsException(Errno.EBADF, "file not open for writing");
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
