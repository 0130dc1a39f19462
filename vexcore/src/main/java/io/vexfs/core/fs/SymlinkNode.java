package io.vexfs.core.fs;

import java.nio.charset.StandardCharsets;

/** A symbolic link: a name for a path, resolved by the kernel, never searched as a second copy of its target. */
public final class SymlinkNode extends Node {
    private final String target;

    SymlinkNode(long ino, Attributes attributes, String target) {
        super(ino, attributes);
        this.target = target;
    }

    public String target() {
        return target;
    }

    /** What stat reports for a link: the length of its target. */
    public long size() {
        return target.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public int type() {
        return FileType.SYMLINK;
    }
}
