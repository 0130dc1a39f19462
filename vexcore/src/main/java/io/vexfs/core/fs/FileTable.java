package io.vexfs.core.fs;

import java.util.Arrays;

/**
 * A collection's entries by file number, for hnsw searches that turn an index id back into a
 * file. Written under the commit lock, read without a lock. File numbers only grow, so entries
 * sit in pages of {@link #PAGE} and a page is dropped once every number in it was handed out and
 * every entry in it died: memory follows the live files, not every file ever stored.
 *
 * <p>A reader sees an entry it found through the index: the commit stored it here before the
 * indexer could add it, and the index publishes every add in a volatile write.
 */
final class FileTable {
    private static final int PAGE_BITS = 10;
    private static final int PAGE = 1 << PAGE_BITS;

    private volatile Collection.Entry[][] pages = new Collection.Entry[16][];
    /** Live entries per page; only the writer reads it. */
    private int[] livePerPage = new int[16];
    private int nextFileNumber;

    /** The next never-used file number. */
    int nextFileNumber() {
        if (nextFileNumber == Integer.MAX_VALUE) {
            throw new IllegalStateException("file numbers are exhausted for this collection");
        }
        return nextFileNumber++;
    }

    void put(Collection.Entry entry) {
        int page = entry.fileNumber >>> PAGE_BITS;
        Collection.Entry[][] p = pages;
        if (page >= p.length) {
            int length = Math.max(page + 1, p.length * 2);
            p = Arrays.copyOf(p, length);
            livePerPage = Arrays.copyOf(livePerPage, length);
        }
        if (p[page] == null) {
            p[page] = new Collection.Entry[PAGE];
        }
        p[page][entry.fileNumber & (PAGE - 1)] = entry;
        livePerPage[page]++;
        pages = p;
    }

    void remove(Collection.Entry entry) {
        int page = entry.fileNumber >>> PAGE_BITS;
        Collection.Entry[][] p = pages;
        p[page][entry.fileNumber & (PAGE - 1)] = null;
        if (--livePerPage[page] == 0 && (long) (page + 1) << PAGE_BITS <= nextFileNumber) {
            p[page] = null;
        }
    }

    /** The entry with this file number, or null if it died (or never was). */
    Collection.Entry get(int fileNumber) {
        Collection.Entry[][] p = pages;
        int page = fileNumber >>> PAGE_BITS;
        if (page >= p.length) {
            return null;
        }
        Collection.Entry[] slots = p[page];
        return slots == null ? null : slots[fileNumber & (PAGE - 1)];
    }
}
