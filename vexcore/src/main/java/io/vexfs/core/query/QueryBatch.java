package io.vexfs.core.query;

/**
 * What one query file asks: {@code count} query vectors of {@code dim} floats, row-major in
 * {@code vectors}; the number of neighbours {@code k}; {@code ef}, the hnsw candidate list size (the collection's
 * default unless the query named one; unused by a flat collection); and {@code prefix}, the subdirectory of
 * the collection to search ("sub/", relative to the collection, ending in '/'), or "" for all.
 */
record QueryBatch(int k, int ef, String prefix, float[] vectors, int count, int dim) {
}
