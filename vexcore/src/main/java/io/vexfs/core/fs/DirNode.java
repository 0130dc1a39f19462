package io.vexfs.core.fs;

import java.util.concurrent.ConcurrentSkipListMap;

/** A directory: children by name, sorted so readdir can resume from any name. */
public final class DirNode extends Node {
    final ConcurrentSkipListMap<String, Node> children = new ConcurrentSkipListMap<>();
    /** Child directories: a directory's link count is 2 plus this. Written under the commit lock. */
    volatile int subdirs;

    DirNode(long ino, Attributes attributes) {
        super(ino, attributes);
    }

    @Override
    public int type() {
        return FileType.DIRECTORY;
    }
}
