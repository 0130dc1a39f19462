package io.vexfs.core.index;

import java.util.Objects;

/**
 * How an {@link AnnIndex} is built and searched: the `.collection` keys of an hnsw collection.
 *
 * @param m              links per node on the upper layers; the bottom layer keeps up to 2m, as in HNSW
 * @param efConstruction the candidate list size while inserting (jvector's beam width): larger
 *                       builds slower and recalls better
 * @param ef             the candidate list size of a search that names no ef
 * @param pqSubspaces    0: searches score the graph's nodes on their full vectors. Else each vector
 *                       is also kept in memory as that many bytes (product quantization, 256
 *                       centroids a subspace), searches walk the graph on those codes, and only the
 *                       best candidates are read in full and re-ranked ({@code rerank})
 * @param rerank         with product quantization: how many candidates per hit asked for (k) are
 *                       re-ranked on their full vectors, at most the ef a search keeps
 * @param alpha          how diverse a node's links must be (jvector's neighbour selection): a
 *                       candidate is linked unless a node already linked is at least alpha times
 *                       closer to it than the node itself is. 1.0, the default, is HNSW's rule
 *                       (hnswlib's): the sparsest graph, fastest to build and to search at a given
 *                       ef, with less recall at that ef (AnnIndex links weakly linked nodes back so
 *                       that every node stays reachable); larger keeps more links (1.2 is jvector's
 *                       default)
 * @param quantization   {@link Quantization#INT8}: each vector is also kept in memory as one byte a
 *                       dimension (scalar codes), searches walk the graph on those, and the best
 *                       candidates are re-ranked ({@code rerank}) on the full vectors; exclusive of
 *                       pq_subspaces. {@link Quantization#NONE}: full vectors (or product codes)
 */
public record AnnParams(int m, int efConstruction, int ef, int pqSubspaces, int rerank, float alpha, Quantization quantization) {
    public static final int DEFAULT_RERANK = 4;
    public static final float DEFAULT_ALPHA = 1.0f;
    public static final float MIN_ALPHA = 1.0f;
    public static final float MAX_ALPHA = 2.0f;
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
        if (pqSubspaces < 0) {
            throw new IllegalArgumentException("pq_subspaces must be 0 (off) or more, got " + pqSubspaces);
        }
        if (rerank < 1) {
            throw new IllegalArgumentException("rerank must be at least 1, got " + rerank);
        }
        if (!(alpha >= MIN_ALPHA && alpha <= MAX_ALPHA)) {
            throw new IllegalArgumentException("alpha must be between " + MIN_ALPHA + " and " + MAX_ALPHA + ", got " + alpha);
        }
        Objects.requireNonNull(quantization, "quantization");
        if (pqSubspaces > 0 && quantization != Quantization.NONE) {
            throw new IllegalArgumentException("pq_subspaces " + pqSubspaces + " and quantization = " + quantization.key()
                    + " are two kinds of codes to walk on; set one");
        }
    }

    /** Without scalar codes. */
    public AnnParams(int m, int efConstruction, int ef, int pqSubspaces, int rerank, float alpha) {
        this(m, efConstruction, ef, pqSubspaces, rerank, alpha, Quantization.NONE);
    }

    /** These parameters with other codes to walk on. */
    public AnnParams withCodes(int pqSubspaces, Quantization quantization) {
        return new AnnParams(m, efConstruction, ef, pqSubspaces, rerank, alpha, quantization);
    }

    /** Bytes of codes a vector is kept in memory as: pq_subspaces, with int8 codes the dimension (padded, see ScalarCodes), else 0. */
    public int codeBytes(int dim) {
        return quantization == Quantization.INT8 ? ScalarCodes.rowBytes(dim) : pqSubspaces;
    }

    /** Full vectors only, no codes, the default alpha. */
    public AnnParams(int m, int efConstruction, int ef) {
        this(m, efConstruction, ef, 0, DEFAULT_RERANK, DEFAULT_ALPHA);
    }
}
