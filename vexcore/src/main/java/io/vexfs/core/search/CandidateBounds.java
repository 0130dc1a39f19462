package io.vexfs.core.search;

/**
 * How far a batched estimate can be from the distance the per-row kernels report, per metric,
 * so a batch can pick candidates from the tile kernel's dots and still return exactly the
 * per-row answer.
 *
 * <p>Both sides sum {@code dim} products in float, each in its own order: a sum of n products
 * with fused multiply-adds errs by at most about n * 2^-24 times the sum of the products'
 * magnitudes, plus an absolute 2^-149 per rounding in the subnormal range. G = (dim + 8) * 2^-23
 * is twice that relative bound. Per metric, with qn and rn the per-row kernel's squared norms
 * of query and row and d the tile's dot (all floats; the estimate is taken in double):
 * <ul>
 *   <li>l2, in squared distance: estimate qn + rn - 2d. The per-row distance, the norms and
 *       the dot each err by G at most (the dot by G |q| |r| <= G (qn + rn) / 2), so the
 *       estimate is within 5G (qn + rn) plus the subnormal term.</li>
 *   <li>cosine, in the reported distance: estimate 1 - d / sqrt(qn rn), with the same float
 *       norms as the per-row distance, so only the two dots' errors count: 3G.</li>
 *   <li>dot, in the reported distance: estimate -d, within 3G sqrt(qn) sqrt(rn).</li>
 * </ul>
 * Each radius also has 2^-19 (relative for l2, absolute for cosine) beyond the error, so two
 * distances that round to the same reported float (the square root of l2, cosine's double to
 * float) are never told apart by the estimate: a row that could tie with the k-th is kept.
 *
 * <p>The candidate test of the tile kernel ({@code VectorKernels.selectTile}) runs in float:
 * its coefficients take 2^-18 more margin than the radius, more than float's rounding in the
 * test, so it never rejects a row the double test would keep. A norm outside
 * [{@link #TINY}, {@link #HUGE}] (or not finite) is not covered by these bounds: such a row is
 * compared exactly, and a batch with such a query takes the per-row path.
 */
final class CandidateBounds {
    /** Squared norms beyond this could overflow a partial sum or a bound. */
    static final float HUGE = 0x1p100f;
    /** Cosine divides by norms: below this, the subnormal term is not small beside the dot. */
    static final float TINY = 0x1p-100f;
    private static final double TIE_MARGIN = 0x1p-19;
    private static final double FILTER_MARGIN = 0x1p-18;

    private final Metric metric;
    /** The radius factor: of qn + rn (l2), absolute (cosine), of sqrt(qn rn) (dot). */
    private final double radius;
    /** The subnormal term: every rounding of both sums and the estimate. */
    private final double absolute;

    CandidateBounds(Metric metric, int dim) {
        this.metric = metric;
        double g = (dim + 8) * 0x1p-23;
        this.radius = switch (metric) {
            case L2 -> 5 * g + TIE_MARGIN;
            case COSINE, DOT -> 3 * g + TIE_MARGIN;
        };
        this.absolute = Math.scalb(3.0 * dim + 16, -149);
    }

    boolean safeQuery(float squaredNorm) {
        return metric == Metric.L2 ? squaredNorm <= HUGE : squaredNorm >= TINY && squaredNorm <= HUGE;
    }

    /** A zero row is safe for cosine (its distance is 1 whatever the dot); a tiny nonzero one is not. */
    boolean safeRow(float squaredNorm) {
        return squaredNorm <= HUGE && (metric != Metric.COSINE || squaredNorm == 0f || squaredNorm >= TINY);
    }

    /** The per-row distance of a candidate is at least center - radius and at most center + radius. */
    double center(float dot, float queryNorm, float rowNorm) {
        return switch (metric) {
            case L2 -> (double) queryNorm + rowNorm - 2.0 * dot;
            case COSINE -> rowNorm == 0f ? 1.0 : 1.0 - dot / Math.sqrt((double) queryNorm * rowNorm);
            case DOT -> -(double) dot;
        };
    }

    double radius(float queryNorm, float rowNorm) {
        return switch (metric) {
            case L2 -> radius * ((double) queryNorm + rowNorm) + absolute;
            case COSINE -> radius;
            case DOT -> radius * Math.sqrt((double) queryNorm * rowNorm) + absolute;
        };
    }

    /*
     * The float test: fma(d, queryScale * rowScale, queryShift + rowShift) <= limit, a lower
     * bound of center - radius compared with the query's threshold.
     *   l2:     -2d + (1 - r - m) qn + (1 - r - m) rn - abs          <= t
     *   cosine: -d / sqrt(qn) / sqrt(rn) + (1 - r - m)               <= t
     *   dot:    -d / sqrt(qn) - (r + m) sqrt(rn)                     <= (t + abs) / sqrt(qn)
     * (dot divided through by sqrt(qn), so each side is a query term plus a row term).
     */

    float queryScale(float queryNorm) {
        return switch (metric) {
            case L2 -> -2f;
            case COSINE, DOT -> (float) (-1.0 / Math.sqrt(queryNorm));
        };
    }

    float queryShift(float queryNorm) {
        return switch (metric) {
            case L2 -> (float) ((1 - radius - FILTER_MARGIN) * queryNorm - absolute);
            case COSINE -> (float) (1 - radius - FILTER_MARGIN);
            case DOT -> 0f;
        };
    }

    float rowScale(float rowNorm) {
        return switch (metric) {
            case L2, DOT -> 1f;
            case COSINE -> rowNorm == 0f ? 0f : (float) (1.0 / Math.sqrt(rowNorm));
        };
    }

    float rowShift(float rowNorm) {
        return switch (metric) {
            case L2 -> (float) ((1 - radius - FILTER_MARGIN) * rowNorm);
            case COSINE -> 0f;
            case DOT -> (float) (-(radius + FILTER_MARGIN) * Math.sqrt(rowNorm));
        };
    }

    /** The float limit of a query whose threshold (the k-th smallest center + radius so far) is {@code threshold}. */
    float limit(double threshold, float queryNorm) {
        double limit = metric == Metric.DOT ? (threshold + absolute) / Math.sqrt(queryNorm) : threshold;
        float rounded = (float) limit;
        return rounded < limit ? Math.nextUp(rounded) : rounded;
    }
}
