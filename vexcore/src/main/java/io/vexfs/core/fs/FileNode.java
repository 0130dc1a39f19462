package io.vexfs.core.fs;

import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.StoredContent;

/** A regular file: its committed content, its names (hard links), and its open-file state. */
public final class FileNode extends Node {
    private volatile StoredContent content;
    /** Names that lead to it; 0 once unlinked everywhere. Written under the commit lock. */
    volatile int links = 1;
    /** The state every open handle of this file shares, or null when none is open; guarded by the store's open-file lock. */
    OpenFile open;
    /** The search entry for this file's vectors in its collection, or null; guarded by the commit lock. */
    Collection.Entry entry;
    /** The collection that holds {@link #entry}; guarded by the commit lock. */
    Collection entryOwner;

    FileNode(long ino, Attributes attributes, StoredContent content) {
        super(ino, attributes);
        this.content = content;
    }

    static FileNode empty(long ino, Attributes attributes) {
        return new FileNode(ino, attributes, ExtentContent.empty());
    }

    public StoredContent content() {
        return content;
    }

    void setContent(StoredContent content) {
        this.content = content;
    }

    /** What stat reports: what a writer has staged if the file is being written, else the committed size. */
    public long size() {
        return content.size();
    }

    @Override
    public int type() {
        return FileType.REGULAR;
    }
}
