package io.vexfs.core.search;

import java.util.Objects;

/**
 * One stored file as search sees it: {@code rows} vectors row-major in {@code values}, which
 * is the storage's own array (read, never written or copied). A single-vector file
 * ({@code multiRow} false) is named by its path in hits, a multi-row one by path#row.
 */
public record SearchEntry(String path, float[] values, int rows, boolean multiRow) {
    public SearchEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(values, "values");
        if (rows < 0) {
            throw new IllegalArgumentException(path + ": negative row count " + rows);
        }
        if (!multiRow && rows != 1) {
            throw new IllegalArgumentException(path + ": a single-vector entry has 1 row, not " + rows);
        }
        if (rows == 0 ? values.length != 0 : values.length % rows != 0) {
            throw new IllegalArgumentException(path + ": " + values.length + " values do not split into " + rows + " rows");
        }
    }
}
