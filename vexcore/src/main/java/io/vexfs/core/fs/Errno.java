package io.vexfs.core.fs;

/** The POSIX error numbers the filesystem answers with (Linux values). */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), EBADF(9), EAGAIN(11), EACCES(13), EBUSY(16), EEXIST(17), EXDEV(18),
    ENOTDIR(20), EISDIR(21), EINVAL(22), EFBIG(27), ENOSPC(28), EROFS(30), ENAMETOOLONG(36),
    ENOTEMPTY(39), EILSEQ(84), ENOTSUP(95);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
