package io.vexfs.core.fs;

import java.util.function.Consumer;

/** .search/ and .similar/ of a collection: the query side of the namespace. */
public interface QueryFiles {
    StatInfo stat(FsPath path, Collection collection, Attributes owner) throws FsException;

    void list(FsPath path, Collection collection, Consumer<String> names) throws FsException;

    Handle open(FsPath path, Collection collection, boolean write, boolean truncate) throws FsException;

    void unlink(FsPath path, Collection collection) throws FsException;
}
