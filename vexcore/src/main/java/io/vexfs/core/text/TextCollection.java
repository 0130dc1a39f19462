package io.vexfs.core.text;

import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.EmbedSpec;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A collection with {@code embed} set: its word index and the versions of its files that the text
 * module follows. Files are added and removed under the store's commit lock; searches read
 * {@link #byId} without one.
 */
final class TextCollection {
    final Collection collection;
    volatile String name;
    volatile EmbedSpec spec;
    /**
     * Guards {@link #words} against being swapped: documents are added and searched under the
     * read lock (many at once), the index is opened, moved (a renamed collection) or dropped under
     * the write lock.
     */
    final ReentrantReadWriteLock indexLock = new ReentrantReadWriteLock();
    /** The word index; null until opened, and after the collection is gone. */
    WordIndex words;
    /** The live versions by document number. */
    final ConcurrentHashMap<Long, TextFile> byId = new ConcurrentHashMap<>();
    /** The next document number: above every number the index has ever held. */
    final AtomicLong nextId = new AtomicLong();

    TextCollection(Collection collection, String name, EmbedSpec spec) {
        this.collection = collection;
        this.name = name;
        this.spec = spec;
    }
}
