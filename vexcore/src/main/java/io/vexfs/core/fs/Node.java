package io.vexfs.core.fs;

/**
 * A file or directory of the namespace. Readers never lock: attributes and content are
 * immutable values behind volatile fields, replaced whole by the single writer path.
 */
public abstract sealed class Node permits DirNode, FileNode {
    private volatile Attributes attributes;

    Node(Attributes attributes) {
        this.attributes = attributes;
    }

    public Attributes attributes() {
        return attributes;
    }

    void setAttributes(Attributes attributes) {
        this.attributes = attributes;
    }
}
