package io.vexfs.core.search;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One stored file as search sees it: {@code rows} vectors in {@code vectors}, rows * dim float32
 * values, little-endian, row-major. The segment is the storage's own memory (a heap array it
 * wraps, or a slice of a mapped segment file): search reads it, never writes or copies it. A
 * single-vector file ({@code multiRow} false) is named by its path in hits, a multi-row one by
 * path#row. {@code check} is called on a byte range of {@code vectors} before it is first read
 * (stored bytes are checked against their checksums there, in the same pass as the scan; a
 * corrupt block throws).
 */
public record SearchEntry(String path, MemorySegment vectors, int rows, boolean multiRow, RangeCheck check) {
    /** Checks bytes [offset, offset + length) of an entry's vectors before they are read; throws if they are bad. */
    @FunctionalInterface
    public interface RangeCheck {
        RangeCheck NONE = (offset, length) -> { };

        void check(long offset, long length);
    }

    /** Vectors that need no check (memory, not stored bytes). */
    public SearchEntry(String path, MemorySegment vectors, int rows, boolean multiRow) {
        this(path, vectors, rows, multiRow, RangeCheck.NONE);
    }

    public SearchEntry {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(vectors, "vectors");
        if (rows < 0) {
            throw new IllegalArgumentException(path + ": negative row count " + rows);
        }
        if (!multiRow && rows != 1) {
            throw new IllegalArgumentException(path + ": a single-vector entry has 1 row, not " + rows);
        }
        long size = vectors.byteSize();
        if (rows == 0 ? size != 0 : size % ((long) rows * Float.BYTES) != 0) {
            throw new IllegalArgumentException(path + ": " + size + " bytes do not split into " + rows + " rows of float32");
        }
    }

    /** A copy of rows [from, from + count) as floats, row-major: for callers that need a query or an array, not for scans. */
    public float[] copyRows(int from, int count) {
        Objects.checkFromIndexSize(from, count, rows);
        if (count == 0) {
            return new float[0];
        }
        long rowBytes = vectors.byteSize() / rows;
        long floats = rowBytes / Float.BYTES * count;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": " + count + " rows are too many floats for one array");
        }
        float[] copy = new float[(int) floats];
        check.check(from * rowBytes, count * rowBytes);
        MemorySegment.copy(vectors, VectorKernels.FLOAT_LE, from * rowBytes, copy, 0, copy.length);
        return copy;
    }

    /**
     * All rows as floats, row-major: the array the segment wraps when it wraps a whole float[]
     * (read it, never write it), else a copy. For callers that keep vectors as arrays.
     */
    public float[] floats() {
        if (vectors.heapBase().orElse(null) instanceof float[] array && vectors.address() == 0
                && (long) array.length * Float.BYTES == vectors.byteSize()) {
            return array;
        }
        return copyRows(0, rows);
    }
}
