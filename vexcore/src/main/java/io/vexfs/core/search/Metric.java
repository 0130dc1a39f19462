package io.vexfs.core.search;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * A collection's distance, as DESIGN §3 reports it; smaller is better for all three.
 * <ul>
 *   <li>{@code L2}: the Euclidean distance.</li>
 *   <li>{@code COSINE}: 1 - cosine similarity, in [0, 2]. A stored zero vector has similarity
 *       0, so distance 1. A zero query has no direction: callers refuse it (see {@link #isZero}).</li>
 *   <li>{@code DOT}: minus the dot product.</li>
 * </ul>
 */
public enum Metric {
    L2,
    COSINE,
    DOT;

    /** The name in .collection files: "l2", "cosine", "dot". */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads "l2", "cosine" or "dot", in any case. */
    public static Metric parse(String text) {
        for (Metric metric : values()) {
            if (metric.key().equalsIgnoreCase(text)) {
                return metric;
            }
        }
        throw new IllegalArgumentException("unknown metric '" + text + "': expected l2, cosine or dot");
    }

    /** The reported distance between a[aOffset, aOffset + dim) and b[bOffset, bOffset + dim). */
    public float distance(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        return switch (this) {
            case L2 -> l2Distance(VectorKernels.squaredL2(a, aOffset, b, bOffset, dim));
            case COSINE -> cosineDistance(VectorKernels.dot(a, aOffset, b, bOffset, dim),
                    VectorKernels.squaredNorm(a, aOffset, dim), VectorKernels.squaredNorm(b, bOffset, dim));
            case DOT -> dotDistance(VectorKernels.dot(a, aOffset, b, bOffset, dim));
        };
    }

    /**
     * The reported distance between query[queryOffset, queryOffset + dim) and the stored row at
     * byte {@code rowOffset} of {@code rows}: from the same kernels as a flat scan, so the same
     * bits as the scan reports for that row.
     */
    public float distance(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        return switch (this) {
            case L2 -> l2Distance(VectorKernels.squaredL2(query, queryOffset, rows, rowOffset, dim));
            case COSINE -> cosineDistance(VectorKernels.dot(query, queryOffset, rows, rowOffset, dim),
                    VectorKernels.squaredNorm(query, queryOffset, dim), VectorKernels.squaredNorm(rows, rowOffset, dim));
            case DOT -> dotDistance(VectorKernels.dot(query, queryOffset, rows, rowOffset, dim));
        };
    }

    /** Whether v[offset, offset + dim) is all zeros: a query cosine cannot rank by. */
    public static boolean isZero(float[] v, int offset, int dim) {
        for (int i = offset; i < offset + dim; i++) {
            if (v[i] != 0f) {
                return false;
            }
        }
        return true;
    }

    static float l2Distance(float squaredL2) {
        return (float) Math.sqrt(squaredL2);
    }

    /**
     * In double, so 1 - similarity keeps its precision for near-duplicates; clamped, because
     * rounding can push the similarity of parallel vectors just past 1.
     */
    static float cosineDistance(float dot, float aSquaredNorm, float bSquaredNorm) {
        if (aSquaredNorm == 0f || bSquaredNorm == 0f) {
            return 1f;
        }
        double similarity = dot / Math.sqrt((double) aSquaredNorm * bSquaredNorm);
        return (float) (1.0 - Math.max(-1.0, Math.min(1.0, similarity)));
    }

    /** 0 - dot rather than -dot, so a zero product is +0 and ties with other zeros print alike. */
    static float dotDistance(float dot) {
        return 0f - dot;
    }
}
