package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;

/**
 * What the store tells the text module (io.vexfs.core.text) about changes, so its word index
 * and embedding queue follow the namespace. The {@code under the commit lock} calls happen while
 * the change is applied, in commit order, and must only record what changed (no I/O, no waiting);
 * slow work is done in {@link #afterUnlock()}, which the changing thread calls right after it
 * releases the lock and before its operation returns. Replay at open calls none of them: the
 * listener is set after replay and starts from the state as a whole.
 */
public interface StoreListener {
    /**
     * Under the commit lock: {@code node} is now at {@code path} in {@code collection} (a new
     * version was committed, or it was renamed, with or without a new version).
     */
    void fileChanged(Collection collection, FsPath path, FileNode node);

    /** Under the commit lock: {@code node} was unlinked (or its directory removed). */
    void fileRemoved(FileNode node);

    /** Under the commit lock: the collection's settings changed (e.g. it became a text collection). */
    void settingsChanged(String name, Collection collection);

    /** Under the commit lock: the collection was renamed (its files follow through {@link #fileChanged}). */
    void collectionRenamed(String from, String to, Collection collection);

    /** Under the commit lock: the (empty) collection was removed. */
    void collectionRemoved(String name, Collection collection);

    /**
     * Before the commit lock, while a .collection write is checked: loads the embedding model
     * {@code spec} names and returns its dimension, or refuses it (a file that does not load).
     */
    int prepareEmbedding(EmbedSpec spec) throws InvalidInputException;

    /** After the commit lock is released, on the thread that changed something: the slow part of its changes. */
    void afterUnlock();
}
