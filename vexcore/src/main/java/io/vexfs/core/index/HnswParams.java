package io.vexfs.core.index;

/**
 * How an {@link HnswIndex} is built and searched.
 *
 * @param m                    links per node on the upper layers; layer 0 keeps up to 2m
 * @param efConstruction       the candidate list size while inserting: larger builds slower and recalls better
 * @param efSearch             the candidate list size of a search that names no ef
 * @param seed                 fixes every node's layer (a function of the seed and the node's id)
 * @param maxTombstoneFraction removed nodes, as a fraction of all nodes, above which
 *                             {@link HnswIndex#compactIfNeeded()} rebuilds the graph
 */
public record HnswParams(int m, int efConstruction, int efSearch, long seed, double maxTombstoneFraction) {
    public static final HnswParams DEFAULTS = new HnswParams(16, 100, 64, 0x5EEDL, 0.25);

    public HnswParams {
        if (m < 2) {
            throw new IllegalArgumentException("m must be at least 2, got " + m);
        }
        if (efConstruction < 1) {
            throw new IllegalArgumentException("ef_construction must be at least 1, got " + efConstruction);
        }
        if (efSearch < 1) {
            throw new IllegalArgumentException("ef must be at least 1, got " + efSearch);
        }
        if (!(maxTombstoneFraction > 0 && maxTombstoneFraction <= 1)) {
            throw new IllegalArgumentException("the tombstone fraction must be in (0, 1], got " + maxTombstoneFraction);
        }
    }

    public HnswParams withM(int m) {
        return new HnswParams(m, efConstruction, efSearch, seed, maxTombstoneFraction);
    }

    public HnswParams withEfConstruction(int efConstruction) {
        return new HnswParams(m, efConstruction, efSearch, seed, maxTombstoneFraction);
    }

    public HnswParams withEfSearch(int efSearch) {
        return new HnswParams(m, efConstruction, efSearch, seed, maxTombstoneFraction);
    }

    public HnswParams withSeed(long seed) {
        return new HnswParams(m, efConstruction, efSearch, seed, maxTombstoneFraction);
    }

    public HnswParams withMaxTombstoneFraction(double maxTombstoneFraction) {
        return new HnswParams(m, efConstruction, efSearch, seed, maxTombstoneFraction);
    }
}
