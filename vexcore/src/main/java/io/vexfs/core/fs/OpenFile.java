package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.codec.VectorStreamDecoder;
import io.vexfs.core.content.StoredContent;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The state every open handle of one file shares, as an open file is in a kernel: writes
 * through any handle are staged here, reads through any handle see them, and a commit (a
 * writer's close) publishes them all. For a vector file the staged bytes are validated as they
 * arrive when they come in order (so a bad line fails the write that holds it), and in any
 * case at commit; a refused file keeps its previous content.
 *
 * <p>Thread-safety: every method is synchronized on this object, so handles of one file take
 * turns while handles of different files never wait for each other. A read with nothing staged
 * takes no lock: it reads the committed content.
 */
final class OpenFile {
    private final VexStore store;
    final FileNode node;
    /** Open handles; guarded by the node's monitor (see VexStore#openFile). */
    int handles;
    private volatile Staging staging;
    /** The committed content the staging reads through, counted against its segments' retirement. */
    private StoredContent base;
    /** Staged changes not committed yet. */
    private boolean dirty;
    /**
     * Opened with O_TRUNC and nothing written since. A shell's {@code >} opens, then dup2()s
     * and closes a descriptor before writing; that flush must not commit an empty file.
     */
    private boolean truncatedOnly;
    /** Opened with O_TRUNC (or created): reads as empty until a first write decides how it stages. */
    private volatile boolean emptied;
    /** Why the staged bytes were refused, until they change again; later writes and closes are refused the same way. */
    private FsException refusal;
    /** A refusal at write(): the staging is poisoned until truncated to zero or dropped. */
    private boolean refusedAtWrite;
    /** While a vector file's bytes arrive in order into a PageStaging: checks each line or record at its write. */
    private VectorStreamDecoder validator;
    private long stagedMtimeNs;

    OpenFile(VexStore store, FileNode node) {
        this.store = store;
        this.node = node;
    }

    // ---- reads ----

    /**
     * A read through a handle. {@code seesStaged}: the handle sees what is staged (its own and
     * other handles' writes): every handle of an ordinary file does, as POSIX has it; of a vector
     * file only writers do, since its bytes become visible all together at commit (DESIGN §4).
     */
    int read(long position, MemorySegment dst, boolean seesStaged) throws FsException {
        if (seesStaged && (staging != null || emptied)) {
            synchronized (this) {
                if (emptied && staging == null) {
                    return 0;
                }
                Staging s = staging;
                if (s != null) {
                    try {
                        return s.read(position, dst);
                    } catch (IOException e) {
                        throw FsException.io("reading staged bytes", e);
                    }
                }
            }
        }
        while (true) {
            StoredContent content = node.content();
            if (content.pin()) {
                try {
                    return content.read(position, dst);
                } finally {
                    content.unpin();
                }
            }
        }
    }

    /** Size and mtime as stat should report them while the file is being written; null when nothing is staged. */
    synchronized long[] staged() {
        return staging != null ? new long[]{staging.size(), stagedMtimeNs} : emptied ? new long[]{0, stagedMtimeNs} : null;
    }

    synchronized long stagedSize() {
        return staging != null ? staging.size() : emptied ? 0 : -1;
    }

    // ---- writes ----

    /** O_TRUNC at open: staged as an empty file, committed by the first close that follows a write. */
    synchronized void truncateAtOpen() {
        dropStaging();
        emptied = true;
        dirty = true;
        truncatedOnly = true;
        stagedMtimeNs = VexStore.nowNs();
    }

    synchronized int write(String path, long position, MemorySegment src, int callerUid) throws FsException {
        if (refusedAtWrite) {
            throw refusal;
        }
        ensureStaging(path, position);
        try {
            if (staging instanceof VectorStreamStaging v) {
                try {
                    v.append(position, src);
                } catch (VectorStreamStaging.NotInOrder e) {
                    staging = v.materialize(newPageStaging(null));
                    staging.write(position, src);
                }
            } else {
                if (validator != null) {
                    if (position == staging.size()) {
                        validator.accept(src);
                    } else {
                        // Out of order: the bytes are judged whole at commit.
                        validator = null;
                    }
                }
                staging.write(position, src);
            }
        } catch (InvalidInputException e) {
            refusedAtWrite = true;
            refusal = FsException.invalid(e);
            // The close that follows must refuse the file too, not skip it as an untouched O_TRUNC.
            dirty = true;
            truncatedOnly = false;
            throw refusal;
        } catch (IOException e) {
            throw FsException.io("staging a write", e);
        }
        changed();
        store.clearSetIdOnWrite(node, callerUid);
        return (int) src.byteSize();
    }

    synchronized void truncate(String path, long size) throws FsException {
        ensureStaging(path, size == 0 ? 0 : -1);
        try {
            if (staging instanceof VectorStreamStaging v) {
                if (size != v.size()) {
                    staging = v.materialize(newPageStaging(null));
                    staging.truncate(size);
                }
            } else {
                staging.truncate(size);
            }
        } catch (IOException e) {
            throw FsException.io("truncating staged bytes", e);
        }
        if (size == 0) {
            // Everything written before is gone: so is what was wrong with it.
            refusedAtWrite = false;
            validator = newValidator(path);
        } else {
            validator = null;
        }
        changed();
    }

    private void changed() {
        dirty = true;
        truncatedOnly = false;
        if (!refusedAtWrite) {
            refusal = null;
        }
        stagedMtimeNs = VexStore.nowNs();
    }

    /**
     * The staging a write at {@code position} goes to (made on the first write): a new .fvecs or
     * .npy written from its first byte streams; anything else stages pages over the committed
     * content. position -1: not a write (a truncate).
     */
    private void ensureStaging(String path, long position) throws FsException {
        if (staging != null) {
            return;
        }
        StoredContent committed = node.content();
        VectorFormat format = VectorFormat.forName(FsPath.parse(path).name());
        boolean empty = emptied || committed.size() == 0;
        if (empty && position == 0 && (format == VectorFormat.FVECS || format == VectorFormat.NPY)) {
            staging = new VectorStreamStaging(format, store.expectedDim(path), store.placer());
            return;
        }
        staging = newPageStaging(empty ? null : committed);
        validator = empty && position == 0 ? newValidator(path) : null;
    }

    private PageStaging newPageStaging(StoredContent over) throws FsException {
        if (over != null) {
            store.retainBase(over);
            base = over;
        }
        return store.newPageStaging(over);
    }

    private VectorStreamDecoder newValidator(String path) throws FsException {
        VectorFormat format = VectorFormat.forName(FsPath.parse(path).name());
        return format == null ? null : VectorStreamDecoder.of(format, store.expectedDim(path), (floats, rows, dim) -> { });
    }

    // ---- commits ----

    /** close() of a writer's descriptor: commits what was staged, or refuses it (EINVAL) and keeps the old content. */
    synchronized void flush(String path) throws FsException {
        if (!dirty || truncatedOnly) {
            return;
        }
        commit(path);
    }

    synchronized void fsync(String path) throws FsException {
        truncatedOnly = false;
        flush(path);
        store.sync();
    }

    /** The last handle went: commits what no close committed (unless it was refused), then drops the staging. */
    synchronized void lastRelease(String path) throws FsException {
        try {
            if (dirty && refusal == null && path != null) {
                truncatedOnly = false;
                commit(path);
            }
        } finally {
            dropStaging();
        }
    }

    private void commit(String path) throws FsException {
        if (refusal != null) {
            throw refusal;
        }
        if (staging == null) {
            // Emptied and never written: an empty file.
            staging = newPageStaging(null);
        }
        Staging s = staging;
        try {
            store.commit(FsPath.parse(path), node, s, base);
        } catch (FsException e) {
            if (e.errno() == Errno.EINVAL) {
                refusal = e;
            }
            throw e;
        }
        // Committed: readers see the new content; the next write stages over it afresh.
        staging = null;
        emptied = false;
        releaseBase();
        dirty = false;
        validator = null;
    }

    private void dropStaging() {
        Staging s = staging;
        staging = null;
        emptied = false;
        validator = null;
        refusedAtWrite = false;
        refusal = null;
        dirty = false;
        releaseBase();
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                store.errors().record(String.valueOf(node.ino()), "EIO", "staging", "dropping staged bytes failed: " + e.getMessage());
            }
        }
    }

    private void releaseBase() {
        if (base != null) {
            store.releaseBase(base);
            base = null;
        }
    }
}
