package io.vexfs.fuse;

import java.util.Locale;

/** The FUSE operations we implement: the keys of per-operation metrics. */
enum Op {
    GETATTR, READDIR, MKDIR, RMDIR, UNLINK, RENAME, CHMOD, CHOWN, UTIMENS, TRUNCATE, CREATE, OPEN,
    READ, WRITE, FLUSH, FSYNC, RELEASE, STATFS, READLINK, SYMLINK, LINK, MKNOD;

    private final String label = name().toLowerCase(Locale.ROOT);

    String label() {
        return label;
    }
}
