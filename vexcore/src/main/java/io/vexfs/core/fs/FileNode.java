package io.vexfs.core.fs;

import io.vexfs.core.codec.VectorData;
import io.vexfs.core.content.FileContent;

/** A file: its committed version. */
public final class FileNode extends Node {
    /** What a committed file holds; vectors is null for an ordinary file. logBytes: its log record's size. */
    public record Version(FileContent content, VectorData vectors, long logBytes) {
    }

    private volatile Version version;
    /** The search entry for this file's vectors in its collection, or null; guarded by the commit lock. */
    Collection.Entry entry;
    /** The collection that holds {@link #entry}; guarded by the commit lock. */
    Collection entryOwner;

    FileNode(Attributes attributes, Version version) {
        super(attributes);
        this.version = version;
    }

    public Version version() {
        return version;
    }

    void setVersion(Version version) {
        this.version = version;
    }

    public long size() {
        return version.content().size();
    }
}
