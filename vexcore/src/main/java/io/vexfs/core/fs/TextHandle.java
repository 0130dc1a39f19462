package io.vexfs.core.fs;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * An open generated file (control plane, .collection, query results): its text is fixed at
 * open so a reader sees one consistent rendering; writes are staged and handed to
 * {@code committer} on flush, after which the text is generated again.
 */
final class TextHandle implements Handle {
    interface Committer {
        void commit(byte[] written) throws FsException;
    }

    private final VexStore store;
    private final Supplier<byte[]> render;
    private final Committer committer;
    private byte[] text;
    private StagedFile staged;
    private boolean dirty;
    /** O_TRUNC and nothing written yet: commit at release, not at the flush of a dup'd descriptor. */
    private boolean truncatedOnly;
    /** The staged bytes were refused by a flush and not changed since: release must not retry them. */
    private boolean refused;
    /** O_TRUNC: staging starts empty instead of from the generated text. */
    private boolean truncated;

    TextHandle(VexStore store, Supplier<byte[]> render, Committer committer, boolean truncate) {
        this.store = store;
        this.render = render;
        this.committer = committer;
        this.text = render.get();
        if (truncate) {
            truncated = true;
            dirty = true;
            truncatedOnly = true;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized int read(long position, MemorySegment dst) {
        if (staged != null) {
            return staged.read(position, dst);
        }
        if (truncated || position >= text.length) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), text.length - position);
        MemorySegment.copy(MemorySegment.ofArray(text), position, dst, 0, n);
        return n;
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
        if (committer == null) {
            throw new FsException(Errno.EACCES, "this file is read-only");
        }
        if (staged == null) {
            staged = new StagedFile(store.options().pool());
            if (!truncated) {
                staged.write(0, MemorySegment.ofArray(text));
            }
        }
    }

    @Override
    public synchronized void flush(String path) throws FsException {
        if (!dirty || truncatedOnly) {
            return;
        }
        byte[] written = new byte[staged == null ? 0 : (int) staged.size()];
        if (staged != null) {
            staged.read(0, MemorySegment.ofArray(written));
        }
        try {
            committer.commit(written);
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
        return true;
    }
}
