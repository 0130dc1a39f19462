package io.vexfs.core.text;

import io.vexfs.core.content.StoredContent;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.FileNode;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.TextChunks;
import io.vexfs.core.fs.VexStore;

import java.util.List;

/**
 * Everything the text module asks of the store, and all it relies on: chunk embeddings are kept
 * by the store itself (floats in data segments, one SET_CHUNKS log record per file version,
 * checkpointed, compacted and checked like every stored vector, searched by the flat SIMD search),
 * not in a vector store of their own.
 *
 * <p>Removing and moving are not calls: the store does both as part of the change that causes
 * them, so no search can fall between the two. An overwrite, unlink or rmdir drops the chunks of
 * the version it replaces or removes, under the same lock and in the same log record; a rename
 * inside the collection publishes them under the new name in the same step; a move to another
 * collection drops them (the text module then embeds the file there).
 */
public interface ChunkVectorStore {
    /**
     * Stores the chunk embeddings (or why there are none) of version {@code version} of
     * {@code node}, a text file of {@code collection}; false, storing nothing, when the file no
     * longer has that version there. Durable like a commit once it returns.
     */
    boolean put(FileNode node, long version, Collection collection, TextChunks chunks) throws FsException;

    /** Version {@code version} of the file's content, pinned for reading (unpin it), or null when the file no longer has it. */
    StoredContent pinned(FileNode node, long version);

    /** The collection's chunk embeddings, one multi-row entry per embedded file, one consistent version, pinned (unpin it). */
    Collection.Snapshot pinnedChunks(Collection collection);

    /** The collection's text files as one consistent list, for matching at attach. */
    List<VexStore.TextFile> textFiles(String collection) throws FsException;

    /** The implementation on {@link VexStore}. */
    static ChunkVectorStore of(VexStore store) {
        return new ChunkVectorStore() {
            @Override
            public boolean put(FileNode node, long version, Collection collection, TextChunks chunks) throws FsException {
                return store.putTextChunks(node, version, collection, chunks);
            }

            @Override
            public StoredContent pinned(FileNode node, long version) {
                return store.pinnedContent(node, version);
            }

            @Override
            public Collection.Snapshot pinnedChunks(Collection collection) {
                return collection.pinnedChunks();
            }

            @Override
            public List<VexStore.TextFile> textFiles(String collection) throws FsException {
                return store.textFiles(collection);
            }
        };
    }
}
