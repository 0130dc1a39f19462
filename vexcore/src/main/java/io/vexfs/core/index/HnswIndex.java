package io.vexfs.core.index;

import io.vexfs.core.search.Metric;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * Approximate nearest-neighbour search over vectors that stay where the caller keeps them: an
 * HNSW graph whose nodes reference (array, offset) without copying. Ids are the caller's, opaque
 * longs (a collection names rows with {@link RowIds}).
 *
 * <p>Threads: {@link #add}, {@link #remove} and {@link #compactIfNeeded} must be serialised by
 * the caller (one writer at a time); {@link #search} may run on any number of threads at once,
 * also while the writer works, and never waits for it. The writer publishes each change in one
 * volatile write, and swaps neighbour lists whole, so a search sees a consistent graph: a node
 * added during the search may or may not be found, a change that completed before it began is
 * seen. The caller must not change a stored vector while it is in the index.
 *
 * <p>Removal tombstones a node: it is never returned, but still routes searches, so recall
 * holds. {@link #compactIfNeeded} rebuilds the graph from the live nodes once tombstones pass
 * {@link HnswParams#maxTombstoneFraction()}; until then the index keeps removed vectors' arrays
 * reachable. Nothing is persisted: the index is rebuilt from the stored vectors at mount, one
 * insert after another; HnswBench measured 100,000 random 128-d vectors (m=16,
 * ef_construction=100) at 84 to 147 s on one thread of a shared two-core machine, on par with
 * jvector's builder on the same thread and data (111 to 168 s).
 */
public final class HnswIndex {
    private static final Comparator<IndexHit> BEST_FIRST =
            Comparator.comparingDouble(IndexHit::distance).thenComparingLong(IndexHit::id);

    private final Metric metric;
    private final int dim;
    private final HnswParams params;
    private HnswGraph graph;
    private volatile HnswGraph.View view;

    public HnswIndex(Metric metric, int dim, HnswParams params) {
        this.metric = Objects.requireNonNull(metric, "metric");
        this.params = Objects.requireNonNull(params, "params");
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        this.dim = dim;
        this.graph = new HnswGraph(metric, dim, params, 0);
        this.view = graph.view();
    }

    public Metric metric() {
        return metric;
    }

    public int dim() {
        return dim;
    }

    public HnswParams params() {
        return params;
    }

    /** Nodes in the graph, tombstones included. */
    public int size() {
        return view.size();
    }

    /** Nodes that searches can return: {@link #size()} minus tombstones. */
    public int liveSize() {
        return view.live();
    }

    /**
     * Inserts values[offset, offset + dim) under {@code id}. The array is referenced, not copied.
     *
     * @throws IllegalArgumentException if a live node already has this id (a removed id may be added again)
     */
    public void add(long id, float[] values, int offset) {
        Objects.checkFromIndexSize(offset, dim, values.length);
        graph.add(id, values, offset);
        view = graph.view();
    }

    /** Tombstones the node of {@code id}; false if no live node has it. */
    public boolean remove(long id) {
        if (!graph.remove(id)) {
            return false;
        }
        view = graph.view();
        return true;
    }

    /**
     * Rebuilds the graph from its live nodes when tombstones exceed the configured fraction, and
     * says whether it did. Searches keep running on the old graph until the new one is published;
     * the writer is busy for about as long as building the live nodes from scratch takes.
     */
    public boolean compactIfNeeded() {
        int tombstones = graph.size() - graph.live();
        if (tombstones == 0 || tombstones <= params.maxTombstoneFraction() * graph.size()) {
            return false;
        }
        graph = graph.rebuilt();
        view = graph.view();
        return true;
    }

    /** {@link #search(float[], int, int, int, LongPredicate)} at the configured {@link HnswParams#efSearch()}. */
    public List<IndexHit> search(float[] query, int qOffset, int k, LongPredicate include) {
        return search(query, qOffset, k, params.efSearch(), include);
    }

    /**
     * The {@code k} nearest live nodes to query[qOffset, qOffset + dim) that {@code include}
     * accepts, best first (ties by id). {@code ef} (raised to k if smaller) is the candidate list
     * size: larger is slower and recalls more. {@code include} sees candidate ids; a rejected node
     * is still traversed, so a filter costs recall only when it rejects most nodes, and then costs
     * time instead. Allocates only the result.
     *
     * @throws IllegalArgumentException for k or ef below 1, or a zero query under cosine
     */
    public List<IndexHit> search(float[] query, int qOffset, int k, int ef, LongPredicate include) {
        Objects.checkFromIndexSize(qOffset, dim, query.length);
        Objects.requireNonNull(include, "include");
        if (k < 1 || ef < 1) {
            throw new IllegalArgumentException("k and ef must be at least 1, got k=" + k + ", ef=" + ef);
        }
        if (metric == Metric.COSINE && Metric.isZero(query, qOffset, dim)) {
            throw new IllegalArgumentException("the query is a zero vector, which has no cosine distance");
        }
        HnswGraph.View v = view;
        if (v.entryNode() < 0) {
            return List.of();
        }
        NodeTable nodes = v.nodes();
        float qInverseNorm = metric == Metric.COSINE ? NodeTable.inverseNorm(query, qOffset, dim) : 0f;
        int entry = HnswGraph.descend(nodes, v.size(), query, qOffset, qInverseNorm, v.entryNode(), v.entryLevel(), 1);
        SearchScratch scratch = SearchScratch.forThisThread();
        HnswGraph.searchLayer(nodes, v.size(), query, qOffset, qInverseNorm, entry, Math.max(ef, k), 0, include, scratch);
        NodeHeap results = scratch.results;
        while (results.size() > k) {
            results.pop();
        }
        IndexHit[] hits = new IndexHit[results.size()];
        for (int i = hits.length - 1; i >= 0; i--) {
            int node = results.topNode();
            hits[i] = new IndexHit(nodes.id(node), nodes.distance(query, qOffset, node));
            results.pop();
        }
        // Scores and reported distances round differently; re-rank by what is reported.
        Arrays.sort(hits, BEST_FIRST);
        return List.of(hits);
    }
}
