package io.vexfs.core.query;

/**
 * One name under .search/: its results, replaced whole by each commit. The object is the name's
 * identity: once unlinked or expired, a handle still open on it commits to nothing anyone can open.
 */
final class QueryFile {
    private static final byte[] EMPTY = new byte[0];

    private volatile byte[] results = EMPTY;

    byte[] results() {
        return results;
    }

    void setResults(byte[] text) {
        results = text;
    }
}
