package io.vexfs.core.fs;

/** Owner, permission bits and times (nanoseconds since the epoch) of a file or directory. */
public record Attributes(int mode, int uid, int gid, long atimeNs, long mtimeNs, long ctimeNs) {
    public static final int PERMISSION_BITS = 07777;

    public static Attributes created(int mode, int uid, int gid, long nowNs) {
        return new Attributes(mode & PERMISSION_BITS, uid, gid, nowNs, nowNs, nowNs);
    }

    public Attributes withMode(int newMode, long nowNs) {
        return new Attributes(newMode & PERMISSION_BITS, uid, gid, atimeNs, mtimeNs, nowNs);
    }

    public Attributes withOwner(int newUid, int newGid, long nowNs) {
        return new Attributes(mode, newUid, newGid, atimeNs, mtimeNs, nowNs);
    }

    public Attributes withTimes(long newAtimeNs, long newMtimeNs, long nowNs) {
        return new Attributes(mode, uid, gid, newAtimeNs, newMtimeNs, nowNs);
    }

    /** The inode changed (a link, a rename): ctime only. */
    public Attributes changed(long nowNs) {
        return new Attributes(mode, uid, gid, atimeNs, mtimeNs, nowNs);
    }

    public Attributes modified(long nowNs) {
        return new Attributes(mode, uid, gid, atimeNs, nowNs, nowNs);
    }
}
