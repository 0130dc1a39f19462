package io.vexfs.core.fs;

import java.util.concurrent.ConcurrentSkipListMap;

/** A directory: children by name, sorted so readdir can resume from any name. */
public final class DirNode extends Node {
    final ConcurrentSkipListMap<String, Node> children = new ConcurrentSkipListMap<>();

    DirNode(Attributes attributes) {
        super(attributes);
    }
}
