package io.vexfs.core.query;

import io.vexfs.core.text.TextIndex;

import java.util.List;

/**
 * What one query file asks: {@code count} query vectors of {@code dim} floats, row-major in
 * {@code vectors}; the number of neighbours {@code k}; {@code ef}, the hnsw candidate list size (the collection's
 * default unless the query named one; unused by a flat collection); and {@code prefix}, the subdirectory of
 * the collection to search ("sub/", relative to the collection, ending in '/'), or "" for all. In a text
 * collection also {@code texts}, the text queries, ranked as {@code mode} says; {@code textAt} tells, in the
 * order the queries were written, which are text (true) and which vectors, so answers come back in that order.
 */
record QueryBatch(int k, int ef, String prefix, float[] vectors, int count, int dim, TextIndex.Mode mode,
                  List<TextIndex.TextQuery> texts, boolean[] textAt) {
    /** A batch of vectors only. */
    QueryBatch(int k, int ef, String prefix, float[] vectors, int count, int dim) {
        this(k, ef, prefix, vectors, count, dim, TextIndex.Mode.HYBRID, List.of(), new boolean[count]);
    }

    /** Queries of both kinds. */
    int queries() {
        return textAt.length;
    }
}
