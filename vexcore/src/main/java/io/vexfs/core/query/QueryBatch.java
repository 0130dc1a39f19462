package io.vexfs.core.query;

/**
 * What one query file asks: {@code count} query vectors of {@code dim} floats, row-major in
 * {@code vectors}; the number of neighbours {@code k}; and {@code prefix}, the subdirectory of
 * the collection to search ("sub/", relative to the collection, ending in '/'), or "" for all.
 */
record QueryBatch(int k, String prefix, float[] vectors, int count, int dim) {
}
