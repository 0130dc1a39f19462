package io.vexfs.core.fs;

/** What stat reports for one path. */
public record StatInfo(boolean directory, int mode, long size, int nlink, int uid, int gid,
                       long atimeNs, long mtimeNs, long ctimeNs) {
    static StatInfo of(Node node) {
        Attributes a = node.attributes();
        if (node instanceof FileNode f) {
            return new StatInfo(false, a.mode(), f.size(), 1, a.uid(), a.gid(), a.atimeNs(), a.mtimeNs(), a.ctimeNs());
        }
        return new StatInfo(true, a.mode(), 4096, 2, a.uid(), a.gid(), a.atimeNs(), a.mtimeNs(), a.ctimeNs());
    }

    /** The same file as its writer sees it, with staged bytes not yet committed. */
    public StatInfo withSize(long newSize) {
        return new StatInfo(directory, mode, newSize, nlink, uid, gid, atimeNs, mtimeNs, ctimeNs);
    }

    static StatInfo virtualFile(int mode, long size, Attributes owner) {
        return new StatInfo(false, mode, size, 1, owner.uid(), owner.gid(), owner.atimeNs(), owner.mtimeNs(), owner.ctimeNs());
    }

    static StatInfo virtualDir(Attributes owner) {
        return new StatInfo(true, 0755, 4096, 2, owner.uid(), owner.gid(), owner.atimeNs(), owner.mtimeNs(), owner.ctimeNs());
    }
}
