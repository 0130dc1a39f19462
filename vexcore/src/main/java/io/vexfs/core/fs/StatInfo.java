package io.vexfs.core.fs;

/**
 * What stat reports for one path.
 *
 * @param type S_IFMT bits ({@link FileType})
 * @param mode permission bits (07777)
 */
public record StatInfo(long ino, int type, int mode, long size, int nlink, int uid, int gid, long rdev,
                       long atimeNs, long mtimeNs, long ctimeNs) {
    /** Virtual files (control plane, query files) have inode numbers far above any stored file's. */
    static final long VIRTUAL_INO_BASE = 1L << 62;

    static StatInfo of(Node node, long size, int nlink) {
        Attributes a = node.attributes();
        long rdev = node instanceof SpecialNode s ? s.rdev() : 0;
        return new StatInfo(node.ino(), node.type(), a.mode(), size, nlink, a.uid(), a.gid(), rdev,
                a.atimeNs(), a.mtimeNs(), a.ctimeNs());
    }

    public boolean directory() {
        return type == FileType.DIRECTORY;
    }

    /** The same file as its writers see it, with staged bytes not yet committed. */
    public StatInfo withSize(long newSize, long newMtimeNs) {
        return new StatInfo(ino, type, mode, newSize, nlink, uid, gid, rdev, atimeNs, newMtimeNs, Math.max(ctimeNs, newMtimeNs));
    }

    /**
     * A file or directory that vexfs generates (control plane, .collection, .search, .similar),
     * owned as the root is, with an inode number of its own derived from its path, so tools that
     * track inodes (find, tar, cp -a) never take two of them for one.
     */
    public static StatInfo virtual(FsPath path, boolean directory, int mode, long size, Attributes owner) {
        long ino = VIRTUAL_INO_BASE | (fnv1a(path.relative()) & (VIRTUAL_INO_BASE - 1));
        return new StatInfo(ino, directory ? FileType.DIRECTORY : FileType.REGULAR, mode, size, directory ? 2 : 1,
                owner.uid(), owner.gid(), 0, owner.atimeNs(), owner.mtimeNs(), owner.ctimeNs());
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }
}
