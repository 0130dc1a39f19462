package io.vexfs.bench.search;

/**
 * Recall@k of answers against the exact ones (FAISS IndexFlatL2 or IndexFlatIP, distances as
 * vexfs reports them, so minus the inner product for dot). A hit counts when its row is among
 * the exact top k, or, for a different row, when its distance is within
 * {@link #TIE_TOLERANCE} (relative to its size) of the exact k-th distance: a tie at the boundary, or two
 * rows whose distances differ by less than float rounding, where either answer is exact.
 */
public final class Recall {
    public static final double TIE_TOLERANCE = 1e-4;

    private long hits;
    private long expected;
    private double worstQuery = 1.0;
    private long queries;
    /** Largest relative difference between our distance and FAISS's for the same row. */
    private double maxDistanceError;

    public void add(Answers ours, Answers exact) {
        int k = ours.k();
        for (int q = 0; q < ours.count(); q++) {
            int exactQ = ours.first() + q - exact.first();
            double kth = exact.distance(exactQ, k - 1);
            int found = 0;
            for (int r = 0; r < k; r++) {
                int row = ours.row(q, r);
                float distance = ours.distance(q, r);
                int exactRank = rankOf(exact, exactQ, row);
                if (exactRank >= 0) {
                    found++;
                    double reference = exact.distance(exactQ, exactRank);
                    maxDistanceError = Math.max(maxDistanceError,
                            Math.abs(distance - reference) / Math.max(Math.abs(reference), 1e-30));
                } else if (distance <= kth + TIE_TOLERANCE * Math.abs(kth)) {
                    found++;
                }
            }
            hits += found;
            expected += k;
            queries++;
            worstQuery = Math.min(worstQuery, (double) found / k);
        }
    }

    private static int rankOf(Answers exact, int q, int row) {
        for (int r = 0; r < exact.k(); r++) {
            if (exact.row(q, r) == row) {
                return r;
            }
        }
        return -1;
    }

    public double recall() {
        return expected == 0 ? Double.NaN : (double) hits / expected;
    }

    public double worstQuery() {
        return worstQuery;
    }

    public long queries() {
        return queries;
    }

    public double maxDistanceError() {
        return maxDistanceError;
    }
}
