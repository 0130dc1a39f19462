package io.vexfs.core.index;

/**
 * How an {@link AnnIndex} is built and searched: the `.collection` keys of an hnsw collection.
 *
 * @param m              links per node on the upper layers; the bottom layer keeps up to 2m, as in HNSW
 * @param efConstruction the candidate list size while inserting (jvector's beam width): larger
 *                       builds slower and recalls better
 * @param ef             the candidate list size of a search that names no ef
 */
public record AnnParams(int m, int efConstruction, int ef) {
    public static final AnnParams DEFAULTS = new AnnParams(16, 100, 64);

    public AnnParams {
        if (m < 2) {
            throw new IllegalArgumentException("m must be at least 2, got " + m);
        }
        if (efConstruction < 1) {
            throw new IllegalArgumentException("ef_construction must be at least 1, got " + efConstruction);
        }
        if (ef < 1) {
            throw new IllegalArgumentException("ef must be at least 1, got " + ef);
        }
    }

    /** Whether an index built with these parameters is built the same as one with {@code other}'s (ef only tunes searches). */
    public boolean sameBuild(AnnParams other) {
        return m == other.m && efConstruction == other.efConstruction;
    }
}
