package io.vexfs.core.fs;

import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.StoredContent;

/**
 * A regular file: its committed content, its names (hard links), its open-file state, and in a
 * text collection the name its text is searched under and its chunk embeddings.
 */
public final class FileNode extends Node {
    private volatile StoredContent content;
    /**
     * Counts the contents committed to the file (not compaction's moves, which keep the bytes):
     * the text module's work is for one version, and is stored only if the file still has it.
     * Written under the commit lock, before the content it counts.
     */
    private volatile long version;
    /**
     * The name the file's text is searched under (its hits name it) when it is a text file (an
     * ordinary file of a text collection), else null. A file has one name unless hard-linked;
     * then it is the first of its names that is in a text collection, in name order, parents
     * first: a function of the tree, so a remount finds the same one. Written under the commit lock.
     */
    volatile FsPath textName;
    /** The text collection of {@link #textName}; guarded by the commit lock. */
    Collection textCollection;
    /** What the text module stored for the current version, or null; written under the commit lock. */
    volatile StoredChunks chunks;
    /** {@link #chunks}' embeddings as published in {@link #textCollection}'s chunk set, or null; guarded by the commit lock. */
    Collection.Entry chunkEntry;
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

    /** A committed content: a new version. */
    void newVersion(StoredContent content) {
        version++;
        this.content = content;
    }

    /** Which content this is: compare with what a reader took to tell whether the file still has it. */
    public long version() {
        return version;
    }

    /** The name its text is searched under, or null when it is not a text file. */
    public FsPath textName() {
        return textName;
    }

    /** What the text module stored for the current version, or null. */
    public StoredChunks chunks() {
        return chunks;
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
