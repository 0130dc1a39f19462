package io.vexfs.fuse;

import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.StatInfo;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.storage.CorruptDataException;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileStore;
import java.util.concurrent.CountDownLatch;

/**
 * The jnr-fuse adapter: each FUSE operation becomes one {@link VexStore} call, and every
 * refusal becomes an errno in {@link #fail}. Nothing here knows vectors.
 */
final class VexFuse extends FuseStubFS {
    private static final int O_ACCMODE = 03;
    private static final int O_TRUNC = 01000;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final long FILE_INFO_BITFIELDS = 20;
    private static final int FLAG_UTIME_OMIT_OK = 1 << 2;
    private static final long FLAGS_OFFSET = 38 * 8;
    /** 38 pointers, the flags word padded to 8 bytes, then 6 more pointers (ioctl .. fallocate). */
    private static final int OPERATIONS_BYTES = 38 * 8 + 8 + 6 * 8;

    private final VexStore store;
    private final HandleTable handles;
    private final OperationObserver observer;
    private final CountDownLatch mounted = new CountDownLatch(1);

    VexFuse(VexStore store, HandleTable handles, OperationObserver observer) {
        this.store = store;
        this.handles = handles;
        this.observer = observer;
        allowUtimeOmit();
    }

    /**
     * libfuse 2 passes a setattr that sets only one of atime and mtime (touch -a, touch -m -d)
     * to utimens only if the filesystem sets flag_utime_omit_ok in its operations; without it,
     * such a call returns 0 and changes nothing. jnr-fuse maps the flags word as padding: in
     * libfuse 2.9's struct fuse_operations it follows 38 function pointers (getattr .. bmap), and
     * the flag is its bit 2 (after flag_nullpath_ok and flag_nopath). The struct's size checks
     * that layout before the word is touched.
     */
    private void allowUtimeOmit() {
        if (jnr.ffi.Struct.size(fuseOperations) != OPERATIONS_BYTES) {
            System.err.println("vexfs: unexpected fuse_operations layout (" + jnr.ffi.Struct.size(fuseOperations)
                    + " bytes); touch -a and touch -m will not change times");
            return;
        }
        Pointer ops = jnr.ffi.Struct.getMemory(fuseOperations);
        ops.putInt(FLAGS_OFFSET, ops.getInt(FLAGS_OFFSET) | FLAG_UTIME_OMIT_OK);
    }

    /** Counted down when the kernel has sent init: the mount is live. */
    CountDownLatch mountedLatch() {
        return mounted;
    }

    @Override
    public Pointer init(Pointer conn) {
        mounted.countDown();
        return null;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        long t0 = observer.begin();
        try {
            fill(store.stat(path), stat);
            return 0;
        } catch (FsException e) {
            return fail(Op.GETATTR, path, e);
        } catch (RuntimeException e) {
            return crash(Op.GETATTR, path, e);
        } finally {
            observer.end(Op.GETATTR, path, t0);
        }
    }

    /** fstat on an open file: what this handle sees, staged bytes included (a vector file's readers see its committed size). */
    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            StatInfo s = store.stat(path);
            long staged = handles.get(fi.fh.get()).stagedSize();
            fill(staged >= 0 ? s.withSize(staged, s.mtimeNs()) : s, stat);
            return 0;
        } catch (FsException e) {
            return fail(Op.GETATTR, path, e);
        } catch (RuntimeException e) {
            return crash(Op.GETATTR, path, e);
        } finally {
            observer.end(Op.GETATTR, path, t0);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        return call(Op.READDIR, path, () -> {
            filter.apply(buf, ".", null, 0);
            filter.apply(buf, "..", null, 0);
            // Offset 0 for every name: libfuse buffers the whole listing and pages it to the kernel.
            store.list(path, name -> filter.apply(buf, name, null, 0));
        });
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        return call(Op.READLINK, path, () -> {
            byte[] target = store.readlink(path).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
        });
    }

    @Override
    public int symlink(String target, String linkPath) {
        return call(Op.SYMLINK, linkPath, () -> store.symlink(target, linkPath, callerUid(), callerGid()));
    }

    @Override
    public int link(String existing, String newPath) {
        return call(Op.LINK, existing + " -> " + newPath, () -> store.link(existing, newPath));
    }

    @Override
    public int mknod(String path, @mode_t long mode, long rdev) {
        return call(Op.MKNOD, path, () -> store.mknod(path, (int) mode, rdev, callerUid(), callerGid()));
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        return call(Op.MKDIR, path, () -> store.mkdir(path, (int) mode, callerUid(), callerGid()));
    }

    @Override
    public int rmdir(String path) {
        return call(Op.RMDIR, path, () -> store.rmdir(path));
    }

    @Override
    public int unlink(String path) {
        return call(Op.UNLINK, path, () -> store.unlink(path));
    }

    @Override
    public int rename(String oldpath, String newpath) {
        return call(Op.RENAME, oldpath + " -> " + newpath, () -> store.rename(oldpath, newpath));
    }

    @Override
    public int chmod(String path, @mode_t long mode) {
        return call(Op.CHMOD, path, () -> store.chmod(path, (int) mode));
    }

    @Override
    public int chown(String path, long uid, long gid) {
        // (uid_t) -1 means "leave unchanged".
        return call(Op.CHOWN, path, () -> store.chown(path, (int) uid, (int) gid));
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return call(Op.UTIMENS, path, () -> store.utimens(path, time(timespec[0]), time(timespec[1])));
    }

    @Override
    public int truncate(String path, @off_t long size) {
        return call(Op.TRUNCATE, path, () -> store.truncate(path, checkedSize(size)));
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return call(Op.TRUNCATE, path, () -> handles.get(fi.fh.get()).truncate(checkedSize(size)));
    }

    private static long checkedSize(long size) throws FsException {
        if (size < 0) {
            throw new FsException(Errno.EINVAL, "negative size");
        }
        return size;
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            Handle h = store.create(path, (int) mode, callerUid(), callerGid());
            attach(h, fi);
            return 0;
        } catch (FsException e) {
            return fail(Op.CREATE, path, e);
        } catch (RuntimeException e) {
            return crash(Op.CREATE, path, e);
        } finally {
            observer.end(Op.CREATE, path, t0);
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            int flags = fi.flags.get();
            boolean write = (flags & O_ACCMODE) != 0;
            Handle h = store.open(path, write, write && (flags & O_TRUNC) != 0);
            attach(h, fi);
            return 0;
        } catch (FsException e) {
            return fail(Op.OPEN, path, e);
        } catch (RuntimeException e) {
            return crash(Op.OPEN, path, e);
        } finally {
            observer.end(Op.OPEN, path, t0);
        }
    }

    private void attach(Handle h, FuseFileInfo fi) throws FsException {
        fi.fh.set(handles.add(h, (int) getContext().pid.get()));
        if (h.directIo()) {
            // direct_io is bit 0 of a C bitfield word that jnr-fuse maps only as padding; in
            // libfuse 2.9's struct fuse_file_info on x86-64 that word is at byte 20
            // (int flags @0, unsigned long fh_old @8, int writepage @16, bitfields @20, fh @24).
            Pointer mem = jnr.ffi.Struct.getMemory(fi);
            mem.putByte(FILE_INFO_BITFIELDS, (byte) (mem.getByte(FILE_INFO_BITFIELDS) | 1));
        }
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            Handle h = handles.get(fi.fh.get());
            return observer.zeroCopy()
                    ? h.read(offset, MemorySegment.ofAddress(buf.address()).reinterpret(size))
                    : readCopying(h, buf, size, offset);
        } catch (FsException e) {
            return fail(Op.READ, path, e);
        } catch (RuntimeException e) {
            return crash(Op.READ, path, e);
        } finally {
            observer.end(Op.READ, path, t0);
        }
    }

    /** The `zerocopy off` path: through a per-thread heap buffer, as a plain Java server would. */
    private int readCopying(Handle h, Pointer buf, long size, long offset) throws FsException {
        byte[] scratch = ReadScratch.get((int) size);
        int n = h.read(offset, MemorySegment.ofArray(scratch).asSlice(0, size));
        buf.put(0, scratch, 0, n);
        return n;
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            Handle h = handles.get(fi.fh.get());
            return h.write(offset, MemorySegment.ofAddress(buf.address()).reinterpret(size), callerUid());
        } catch (FsException e) {
            return fail(Op.WRITE, path, e);
        } catch (RuntimeException e) {
            return crash(Op.WRITE, path, e);
        } finally {
            observer.end(Op.WRITE, path, t0);
        }
    }

    /**
     * close() of a descriptor commits, so its error reaches the writer. Only the opening process
     * commits here: a child that inherited the descriptor also closes it (at exit, or at exec for
     * O_CLOEXEC), and that must not publish a half-written file. Release commits what is left.
     */
    @Override
    public int flush(String path, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            long fh = fi.fh.get();
            Handle h = handles.get(fh);
            int caller = (int) getContext().pid.get();
            int opener = handles.opener(fh);
            if (caller == opener || Processes.threadGroup(caller) == Processes.threadGroup(opener)) {
                h.flush(path);
            }
            return 0;
        } catch (FsException e) {
            return fail(Op.FLUSH, path, e);
        } catch (RuntimeException e) {
            return crash(Op.FLUSH, path, e);
        } finally {
            observer.end(Op.FLUSH, path, t0);
        }
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return call(Op.FSYNC, path, () -> handles.get(fi.fh.get()).fsync(path));
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        long t0 = observer.begin();
        try {
            handles.remove(fi.fh.get()).release(path);
            return 0;
        } catch (FsException e) {
            return fail(Op.RELEASE, path, e);
        } catch (RuntimeException e) {
            return crash(Op.RELEASE, path, e);
        } finally {
            observer.end(Op.RELEASE, path, t0);
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return call(Op.STATFS, path, () -> {
            try {
                FileStore fs = store.dataFileStore();
                long block = 4096;
                stbuf.f_bsize.set(block);
                stbuf.f_frsize.set(block);
                stbuf.f_blocks.set(fs.getTotalSpace() / block);
                stbuf.f_bfree.set(fs.getUnallocatedSpace() / block);
                stbuf.f_bavail.set(fs.getUsableSpace() / block);
                stbuf.f_namemax.set(255);
            } catch (IOException e) {
                throw new FsException(Errno.EIO, "statfs of the data directory failed: " + e.getMessage());
            }
        });
    }

    // ---- helpers ----

    /** One operation's work; FsException is its refusal. */
    private interface FsCall {
        void run() throws FsException;
    }

    /**
     * The shape every operation shares: bounded, timed, refusals to errno. The per-file hot
     * operations (getattr, read, write, open, create, flush, release) spell it out instead, so
     * they allocate no lambda per call.
     */
    private int call(Op op, String path, FsCall work) {
        long t0 = observer.begin();
        try {
            work.run();
            return 0;
        } catch (FsException e) {
            return fail(op, path, e);
        } catch (RuntimeException e) {
            return crash(op, path, e);
        } finally {
            observer.end(op, path, t0);
        }
    }

    private static void fill(StatInfo s, FileStat stat) {
        stat.st_mode.set(s.type() | s.mode());
        stat.st_ino.set(s.ino());
        stat.st_size.set(s.size());
        stat.st_nlink.set(s.nlink());
        stat.st_rdev.set(s.rdev());
        stat.st_uid.set(s.uid());
        stat.st_gid.set(s.gid());
        stat.st_blksize.set(4096);
        stat.st_blocks.set((s.size() + 511) / 512);
        stat.st_atim.tv_sec.set(s.atimeNs() / 1_000_000_000L);
        stat.st_atim.tv_nsec.set(s.atimeNs() % 1_000_000_000L);
        stat.st_mtim.tv_sec.set(s.mtimeNs() / 1_000_000_000L);
        stat.st_mtim.tv_nsec.set(s.mtimeNs() % 1_000_000_000L);
        stat.st_ctim.tv_sec.set(s.ctimeNs() / 1_000_000_000L);
        stat.st_ctim.tv_nsec.set(s.ctimeNs() % 1_000_000_000L);
    }

    private static long time(Timespec t) {
        long nsec = t.tv_nsec.longValue();
        if (nsec == UTIME_OMIT) {
            return -1;
        }
        if (nsec == UTIME_NOW) {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
        return t.tv_sec.get() * 1_000_000_000L + nsec;
    }

    private int callerUid() {
        return (int) getContext().uid.get();
    }

    private int callerGid() {
        return (int) getContext().gid.get();
    }

    /** The one place a refusal becomes an errno; recorded in .vexfs/errors unless it is a plain miss. */
    private int fail(Op op, String path, FsException e) {
        if (e.errno() != Errno.ENOENT) {
            observer.rejected(op, path, e);
        }
        return -e.errno().code();
    }

    /** A bug, not a refusal: reported loudly, and the caller gets EIO. Stored bytes failing their checksum are EIO too, named in errors. */
    private int crash(Op op, String path, RuntimeException e) {
        if (e instanceof CorruptDataException corrupt) {
            observer.rejected(op, path, new FsException(Errno.EIO, "stored data is corrupt: " + corrupt.getMessage()));
            return -Errno.EIO.code();
        }
        System.err.println("vexfs: internal error in " + op.label() + " " + path);
        e.printStackTrace();
        observer.rejected(op, path, new FsException(Errno.EIO, "internal error: " + e));
        return -Errno.EIO.code();
    }
}
