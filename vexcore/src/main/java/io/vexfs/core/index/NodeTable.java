package io.vexfs.core.index;

import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The nodes of a graph, by internal number: where each vector lives (the caller's array and
 * offset, never copied), its id, whether it was removed, and its neighbour lists per layer.
 *
 * <p>Only the writer changes a table; readers see it through {@link HnswGraph.View}, which
 * bounds the nodes they may touch. Slots below a published size are never rewritten except the
 * removed flag (a racy read sees old or new, both fine) and neighbour lists, which are
 * and duplicate lists, which are immutable arrays swapped whole with release/acquire, so a reader
 * sees the old or the new list. Growing copies the arrays into a new table; the per-node layer
 * arrays are shared, so a reader still on the old table sees the same neighbour lists (a
 * duplicate list added after the growth is missed by such a reader, like any newer node).
 *
 * <p>Scores order nodes the way the metric's distance does, but cost less: the squared
 * Euclidean distance for l2, minus the cosine similarity (from cached inverse norms) for cosine,
 * minus the dot product for dot. Reported distances are recomputed with {@link Metric#distance}.
 */
final class NodeTable {
    static final int[] NO_LINKS = new int[0];
    /** An element of an int[][] (a neighbour or duplicate list), read with acquire and written with release. */
    private static final VarHandle LIST = MethodHandles.arrayElementVarHandle(int[][].class);

    final Metric metric;
    final int dim;
    private final float[][] vectors;
    private final int[] offsets;
    private final long[] ids;
    /** 1 / norm for cosine, 0 for a zero vector (whose similarity is 0 to anything). */
    private final float[] inverseNorms;
    private final boolean[] removed;
    /** links[node][layer]: the node's neighbours on that layer. */
    private final int[][][] links;
    /** duplicates[node]: nodes with a bit-identical vector, kept out of the graph and found through this one; null for none. */
    private final int[][] duplicates;

    NodeTable(Metric metric, int dim, int capacity) {
        this.metric = metric;
        this.dim = dim;
        vectors = new float[capacity][];
        offsets = new int[capacity];
        ids = new long[capacity];
        inverseNorms = new float[capacity];
        removed = new boolean[capacity];
        links = new int[capacity][][];
        duplicates = new int[capacity][];
    }

    private NodeTable(NodeTable from, int capacity) {
        metric = from.metric;
        dim = from.dim;
        vectors = Arrays.copyOf(from.vectors, capacity);
        offsets = Arrays.copyOf(from.offsets, capacity);
        ids = Arrays.copyOf(from.ids, capacity);
        inverseNorms = Arrays.copyOf(from.inverseNorms, capacity);
        removed = Arrays.copyOf(from.removed, capacity);
        links = Arrays.copyOf(from.links, capacity);
        duplicates = Arrays.copyOf(from.duplicates, capacity);
    }

    int capacity() {
        return ids.length;
    }

    /** A copy with room for at least half as many nodes again. */
    NodeTable grown() {
        return new NodeTable(this, Math.max(16, capacity() + (capacity() >>> 1)));
    }

    /** Fills an unpublished slot: its vector, id and {@code level + 1} empty layers. */
    void set(int node, long id, float[] values, int offset, int level) {
        vectors[node] = values;
        offsets[node] = offset;
        ids[node] = id;
        inverseNorms[node] = metric == Metric.COSINE ? inverseNorm(values, offset, dim) : 0f;
        int[][] layers = new int[level + 1][];
        Arrays.fill(layers, NO_LINKS);
        links[node] = layers;
    }

    long id(int node) {
        return ids[node];
    }

    boolean isRemoved(int node) {
        return removed[node];
    }

    void markRemoved(int node) {
        removed[node] = true;
    }

    int[] links(int node, int layer) {
        return (int[]) LIST.getAcquire(links[node], layer);
    }

    /** Publishes a new neighbour list; {@code neighbours} must not change afterwards. */
    void setLinks(int node, int layer, int[] neighbours) {
        LIST.setRelease(links[node], layer, neighbours);
    }

    /** The nodes found through {@code node} because their vectors equal its own, or null. */
    int[] duplicatesOf(int node) {
        return (int[]) LIST.getAcquire(duplicates, node);
    }

    void addDuplicate(int node, int duplicate) {
        int[] old = duplicates[node];
        int[] grown = old == null ? new int[1] : Arrays.copyOf(old, old.length + 1);
        grown[grown.length - 1] = duplicate;
        LIST.setRelease(duplicates, node, grown);
    }

    boolean sameVector(int a, int b) {
        return Arrays.equals(vectors[a], offsets[a], offsets[a] + dim, vectors[b], offsets[b], offsets[b] + dim);
    }

    float[] vector(int node) {
        return vectors[node];
    }

    int offset(int node) {
        return offsets[node];
    }

    float inverseNorm(int node) {
        return inverseNorms[node];
    }

    /** The score of {@code node} against query[qOffset, qOffset + dim), whose inverse norm is {@code qInverseNorm} (cosine only). */
    float score(float[] query, int qOffset, float qInverseNorm, int node) {
        float[] values = vectors[node];
        int offset = offsets[node];
        return switch (metric) {
            case L2 -> VectorKernels.squaredL2(query, qOffset, values, offset, dim);
            case COSINE -> -VectorKernels.dot(query, qOffset, values, offset, dim) * qInverseNorm * inverseNorms[node];
            case DOT -> -VectorKernels.dot(query, qOffset, values, offset, dim);
        };
    }

    /** The score between two nodes. */
    float score(int a, int b) {
        return score(vectors[a], offsets[a], inverseNorms[a], b);
    }

    /** The distance {@link Metric#distance} reports between the query and a node. */
    float distance(float[] query, int qOffset, int node) {
        return metric.distance(query, qOffset, vectors[node], offsets[node], dim);
    }

    static float inverseNorm(float[] values, int offset, int dim) {
        float squaredNorm = VectorKernels.squaredNorm(values, offset, dim);
        return squaredNorm == 0f ? 0f : (float) (1.0 / Math.sqrt(squaredNorm));
    }
}
