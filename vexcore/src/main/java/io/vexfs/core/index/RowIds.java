package io.vexfs.core.index;

/**
 * The id convention for vectors stored in files: the file's number in the high 32 bits, the row
 * in the low 32. The index treats ids as opaque; this is how a collection names a row so a hit
 * leads back to its file and an include predicate can test the file against a snapshot.
 * Rows are ints, so any file size fits; file numbers must be non-negative.
 */
public final class RowIds {
    private RowIds() {
    }

    public static long of(int file, int row) {
        if (file < 0 || row < 0) {
            throw new IllegalArgumentException("file and row must be non-negative, got " + file + ", " + row);
        }
        return (long) file << 32 | row;
    }

    public static int file(long id) {
        return (int) (id >>> 32);
    }

    public static int row(long id) {
        return (int) id;
    }
}
