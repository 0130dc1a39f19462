package io.vexfs.core.fs;

/** A FIFO, socket, or character or block device node: made by mknod, opened by the kernel, never read through vexfs. */
public final class SpecialNode extends Node {
    private final int type;
    private final long rdev;

    SpecialNode(long ino, Attributes attributes, int type, long rdev) {
        super(ino, attributes);
        this.type = type;
        this.rdev = rdev;
    }

    @Override
    public int type() {
        return type;
    }

    public long rdev() {
        return rdev;
    }
}
