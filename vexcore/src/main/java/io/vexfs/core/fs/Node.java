package io.vexfs.core.fs;

/**
 * A file, directory, symbolic link or special file of the namespace, with its inode number
 * (persistent, never reused within a data directory). Readers never lock: attributes and
 * content are immutable values behind volatile fields, replaced whole under the commit lock.
 */
public abstract sealed class Node permits DirNode, FileNode, SymlinkNode, SpecialNode {
    private final long ino;
    private volatile Attributes attributes;

    Node(long ino, Attributes attributes) {
        this.ino = ino;
        this.attributes = attributes;
    }

    public long ino() {
        return ino;
    }

    public Attributes attributes() {
        return attributes;
    }

    void setAttributes(Attributes attributes) {
        this.attributes = attributes;
    }

    /** The file type bits of st_mode (S_IFREG, S_IFDIR, ...). */
    public abstract int type();
}
