package io.vexfs.core.index;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.graph.similarity.ScoreFunction;
import io.github.jbellis.jvector.graph.similarity.SearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.util.ExplicitThreadLocal;
import io.github.jbellis.jvector.vector.VectorUtil;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Approximate nearest-neighbour search on jvector: an HNSW-style graph (jvector's
 * {@link GraphIndexBuilder}: Vamana neighbour selection with an HNSW hierarchy on top) over
 * vectors that stay where the caller keeps them. Each added block (a stored file's rows) is
 * given to jvector as one view of its array, so nothing is copied; nodes are numbered in the
 * order blocks are added, and each knows its block's owner and its row.
 *
 * <p>Distances are jvector's own ({@link VectorUtil}, through the vectorization provider jvector
 * picked in this JVM, see {@link #vectorization()}), turned into jvector's similarities, higher
 * is nearer. Hits carry the owner and the row; the caller reports its own exact distance.
 *
 * <p>Copies: a row bit-identical to a row already in the graph is not inserted; it joins that
 * node's copies and is returned with it. Graph indexes lose copies otherwise (a hundred copies
 * of one vector crowd each other's neighbour lists, and some become unreachable), and copied
 * files are common in a filesystem.
 *
 * <p>Threads: {@link #addAll}, {@link #remove}, {@link #purgeIfNeeded} and {@link #rebuilt} must be
 * serialised by the caller (one writer); {@link #addAll} spreads its inserts over the pool it was
 * given. {@link #search} may run on any number of threads at once, also while the writer works,
 * and never waits for it: jvector's concurrent view shows a search only the nodes completely
 * inserted when it began. A removed row is never returned by a search that starts after
 * {@link #remove} returns; jvector repairs the graph around removed nodes in
 * {@link #purgeIfNeeded}. The arrays of removed blocks stay reachable until {@link #rebuilt}
 * (a search in flight may still score them).
 */
public final class AnnIndex<T> {
    /** jvector's recommended construction settings: 20% more neighbours kept while building, long edges kept up to 1.2x. */
    private static final float NEIGHBOR_OVERFLOW = 1.2f;
    private static final float ALPHA = 1.2f;
    /** Marked-deleted nodes below this count (and below a tenth of the live rows) wait for more before a purge. */
    private static final int PURGE_BATCH = 1024;
    /** A graph with fewer nodes than this takes inserts one at a time. */
    private static final int SERIAL_START = 1000;
    /** jvector reads it once, when its provider is first asked for; an explicit -D setting wins. */
    private static final String PROVIDER_PROPERTY = "jvector.vectorization_provider";

    static {
        // jvector 4.0.2 prefers its native provider (C kernels through FFM) when it loads; on this
        // project's machine it built and searched no faster than the Panama provider (Vector API,
        // pure Java, no library unpacked into the temp directory), so the Panama one is asked for
        // wherever the Vector API works (the test our own SIMD kernels pass); elsewhere jvector
        // picks, and falls back to scalar code with a warning of its own.
        if (System.getProperty(PROVIDER_PROPERTY) == null && VectorKernels.isSimdAvailable()) {
            System.setProperty(PROVIDER_PROPERTY, "panama");
        }
    }

    private static final VectorTypeSupport VECTOR_TYPES = VectorizationProvider.getInstance().getVectorTypeSupport();
    /** An element of an int[][] (a copy list), read with acquire and written with release. */
    private static final VarHandle LIST = MethodHandles.arrayElementVarHandle(int[][].class);
    private static final int[] NO_COPIES = new int[0];

    /** One owner's rows, row-major in {@code values}: the caller's array, referenced, never copied or written. */
    public record Block<T>(T owner, float[] values, int rows) {
        public Block {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(values, "values");
            if (rows < 0) {
                throw new IllegalArgumentException("negative row count " + rows);
            }
        }
    }

    /** One result: the block's owner and the row in it. */
    public record Hit<T>(T owner, int row) {
    }

    /**
     * The nodes a reader may score, published whole: node n is views[n] at offsets[n], a row of
     * owners[n]. graphNodes[n] is n for a node in the graph, else the graph node whose row it
     * copies; copies[g] lists a graph node's copies (swapped whole). removed[n] is set once n's
     * block is removed. Slots at or past {@code size} are not published. inverseNorms is null
     * unless cosine.
     */
    private record Nodes(VectorFloat<?>[] views, int[] offsets, Object[] owners, int[] graphNodes, int[][] copies,
                         boolean[] removed, float[] inverseNorms, int size) {
    }

    private record Placed<T>(Block<T> block, int firstNode) {
    }

    private final Metric metric;
    private final int dim;
    private final AnnParams params;
    private final ForkJoinPool pool;
    private final GraphIndexBuilder builder;
    private final ImmutableGraphIndex graph;
    private final ExplicitThreadLocal<GraphSearcher> searchers;
    private volatile Nodes nodes;
    /** Where each live block's nodes start; the writer's only. */
    private final Map<T, Placed<T>> placed = new IdentityHashMap<>();
    /** Content hash of a row to the graph node holding that content; the writer's only. */
    private final LongIntMap byContent = new LongIntMap();
    /** Rows inserted completely (or filed as copies) and not removed: what searches can return. */
    private final AtomicInteger indexed = new AtomicInteger();
    /** Graph nodes marked deleted and still in the graph; the writer's only. */
    private int deleted;
    /** Rows removed: node numbers a rebuild would reclaim; the writer's only. */
    private int dead;
    /** Graph nodes taken out of the graph so far; written by the writer only. */
    private volatile int purged;

    /**
     * @param pool the threads {@link #addAll} and jvector's graph repairs run on
     */
    public AnnIndex(Metric metric, int dim, AnnParams params, ForkJoinPool pool) {
        this.metric = Objects.requireNonNull(metric, "metric");
        this.params = Objects.requireNonNull(params, "params");
        this.pool = Objects.requireNonNull(pool, "pool");
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        this.dim = dim;
        this.nodes = new Nodes(new VectorFloat<?>[0], new int[0], new Object[0], new int[0], new int[0][], new boolean[0],
                metric == Metric.COSINE ? new float[0] : null, 0);
        // HNSW's degrees: 2m links on the bottom layer, m above.
        this.builder = new GraphIndexBuilder(new StoredScores(), dim, List.of(2 * params.m(), params.m()),
                params.efConstruction(), NEIGHBOR_OVERFLOW, ALPHA, true, true, pool, pool);
        this.graph = builder.getGraph();
        this.searchers = ExplicitThreadLocal.withInitial(() -> new GraphSearcher(graph));
    }

    /** The class name of jvector's vectorization provider in this JVM (native, Panama or the scalar default). */
    public static String vectorization() {
        return VectorizationProvider.getInstance().getClass().getSimpleName();
    }

    public Metric metric() {
        return metric;
    }

    public int dim() {
        return dim;
    }

    public AnnParams params() {
        return params;
    }

    /** Rows searches can return: inserted completely and not removed. */
    public int indexed() {
        return indexed.get();
    }

    /** Node numbers handed out, including removed ones (what a rebuild would reclaim). */
    public int nodeCount() {
        return nodes.size();
    }

    /** Removed graph nodes taken out of the graph so far (their node numbers stay used until a rebuild). */
    public int purgedNodes() {
        return purged;
    }

    /** The graph's heap, as jvector estimates it (the vectors themselves are the caller's). */
    public long graphBytes() {
        return builder.ramBytesUsed();
    }

    /**
     * Inserts every row of {@code blocks} as a graph node (or as the copy of one), on the pool's
     * threads, and returns when all are in. {@code cancelled} is polled between inserts; when it
     * turns true the call stops and throws {@link CancellationException}, leaving the blocks
     * partly inserted.
     *
     * @throws IllegalArgumentException if an owner is already in the index, or its array holds
     *                                  fewer than rows * dim floats; nothing is added then
     */
    public void addAll(List<Block<T>> blocks, BooleanSupplier cancelled) {
        Nodes before = nodes;
        int total = 0;
        Map<T, Boolean> owners = new IdentityHashMap<>(blocks.size() * 2);
        for (Block<T> b : blocks) {
            if (b.values().length < (long) b.rows() * dim) {
                throw new IllegalArgumentException(b.values().length + " values do not hold " + b.rows() + " rows of " + dim);
            }
            if (placed.containsKey(b.owner()) || owners.put(b.owner(), Boolean.TRUE) != null) {
                throw new IllegalArgumentException(b.owner() + " is already in the index");
            }
            total = Math.addExact(total, b.rows());
        }
        Nodes t = grow(before, before.size() + total);
        int[] inserts = new int[total];
        int insertCount = 0;
        int next = before.size();
        for (Block<T> b : blocks) {
            placed.put(b.owner(), new Placed<>(b, next));
            VectorFloat<?> view = VECTOR_TYPES.createFloatVector(b.values());
            for (int row = 0; row < b.rows(); row++, next++) {
                t.views()[next] = view;
                t.offsets()[next] = row * dim;
                t.owners()[next] = b.owner();
                if (t.inverseNorms() != null) {
                    float squaredNorm = VectorUtil.dotProduct(view, row * dim, view, row * dim, dim);
                    t.inverseNorms()[next] = squaredNorm == 0f ? 0f : (float) (1.0 / Math.sqrt(squaredNorm));
                }
                int original = copyOf(t, b.values(), row * dim);
                if (original >= 0) {
                    t.graphNodes()[next] = original;
                    addCopy(t, original, next);
                } else {
                    t.graphNodes()[next] = next;
                    byContent.put(contentHash(b.values(), row * dim), next);
                    inserts[insertCount++] = next;
                }
            }
        }
        // Published before any insert starts, so every score function finds every node it is asked about.
        nodes = new Nodes(t.views(), t.offsets(), t.owners(), t.graphNodes(), t.copies(), t.removed(), t.inverseNorms(), next);
        indexed.addAndGet(total - insertCount);
        // Concurrent inserts into a small graph leave islands (measured: 9 of 60 nodes unreachable
        // in one build of 1,000 on two threads, none on one); the first nodes go in one by one.
        int serial = Math.clamp(SERIAL_START - graph.getView().size(), 0, insertCount);
        for (int i = 0; i < serial && !cancelled.getAsBoolean(); i++) {
            insert(inserts[i]);
        }
        int toInsert = insertCount;
        pool.submit(() -> IntStream.range(serial, toInsert).parallel().forEach(i -> {
            if (!cancelled.getAsBoolean()) {
                insert(inserts[i]);
            }
        })).join();
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("stopped while inserting " + total + " rows");
        }
    }

    private void insert(int node) {
        builder.addGraphNode(node, new DefaultSearchScoreProvider(new NodeScores(node)));
        indexed.incrementAndGet();
    }

    /** The graph node holding exactly values[offset, offset + dim) and still standing for a live row, or -1. */
    private int copyOf(Nodes t, float[] values, int offset) {
        int candidate = byContent.get(contentHash(values, offset));
        if (candidate < 0 || (t.removed()[candidate] && copiesOf(t, candidate).length == 0)) {
            return -1;
        }
        // Element by element through the view: only rows whose hash matched get here.
        VectorFloat<?> stored = t.views()[candidate];
        int storedOffset = t.offsets()[candidate];
        for (int i = 0; i < dim; i++) {
            if (Float.floatToRawIntBits(stored.get(storedOffset + i)) != Float.floatToRawIntBits(values[offset + i])) {
                return -1;
            }
        }
        return candidate;
    }

    private long contentHash(float[] values, int offset) {
        long h = 1;
        for (int i = offset; i < offset + dim; i++) {
            h = 31 * h + Float.floatToRawIntBits(values[i]);
        }
        return h;
    }

    private static int[] copiesOf(Nodes t, int graphNode) {
        int[] list = (int[]) LIST.getAcquire(t.copies(), graphNode);
        return list == null ? NO_COPIES : list;
    }

    private static void addCopy(Nodes t, int graphNode, int copy) {
        int[] old = copiesOf(t, graphNode);
        int[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = copy;
        LIST.setRelease(t.copies(), graphNode, grown);
    }

    private static void dropCopy(Nodes t, int graphNode, int copy) {
        int[] old = copiesOf(t, graphNode);
        int[] shrunk = new int[old.length - 1];
        int n = 0;
        for (int c : old) {
            if (c != copy) {
                shrunk[n++] = c;
            }
        }
        LIST.setRelease(t.copies(), graphNode, shrunk);
    }

    /** The same arrays with room for {@code capacity} nodes, or bigger copies of them. */
    private static Nodes grow(Nodes t, int capacity) {
        if (capacity <= t.offsets().length) {
            return t;
        }
        int length = Math.max(capacity, t.offsets().length + (t.offsets().length >>> 1));
        return new Nodes(Arrays.copyOf(t.views(), length), Arrays.copyOf(t.offsets(), length),
                Arrays.copyOf(t.owners(), length), Arrays.copyOf(t.graphNodes(), length), Arrays.copyOf(t.copies(), length),
                Arrays.copyOf(t.removed(), length), t.inverseNorms() == null ? null : Arrays.copyOf(t.inverseNorms(), length),
                t.size());
    }

    /**
     * Removes {@code owner}'s rows: searches that start from now on never return them. A graph
     * node is marked deleted once neither its row nor any copy of it is left; until then it
     * stands in the graph for its copies. False if the owner is not in the index.
     */
    public boolean remove(T owner) {
        Placed<T> p = placed.remove(owner);
        if (p == null) {
            return false;
        }
        Nodes t = nodes;
        for (int node = p.firstNode(); node < p.firstNode() + p.block().rows(); node++) {
            t.removed()[node] = true;
            int graphNode = t.graphNodes()[node];
            if (graphNode != node) {
                dropCopy(t, graphNode, node);
            }
            if (t.removed()[graphNode] && copiesOf(t, graphNode).length == 0) {
                builder.markNodeDeleted(graphNode);
                deleted++;
            }
        }
        indexed.addAndGet(-p.block().rows());
        dead += p.block().rows();
        return true;
    }

    /**
     * Takes the nodes marked deleted out of the graph once there are enough of them (1024, or a
     * tenth of the live rows), reconnecting their neighbours (jvector's removeDeletedNodes, after
     * FreshDiskANN); searches go on meanwhile. Until then deleted nodes still route searches.
     *
     * @return whether as many rows were removed as are live, so a {@link #rebuilt} index would be
     * at most half the size
     */
    public boolean purgeIfNeeded() {
        if (deleted > 0 && (deleted >= PURGE_BATCH || deleted * 10L >= indexed.get())) {
            builder.removeDeletedNodes();
            purged += deleted;
            deleted = 0;
        }
        return dead > 0 && dead >= indexed.get();
    }

    /** A new index of the live blocks, in the order they were added, built on the same pool; this one is left as it was. */
    public AnnIndex<T> rebuilt(BooleanSupplier cancelled) {
        List<Placed<T>> live = new ArrayList<>(placed.values());
        live.sort((a, b) -> Integer.compare(a.firstNode(), b.firstNode()));
        List<Block<T>> blocks = new ArrayList<>(live.size());
        for (Placed<T> p : live) {
            blocks.add(p.block());
        }
        AnnIndex<T> fresh = new AnnIndex<>(metric, dim, params, pool);
        fresh.addAll(blocks, cancelled);
        return fresh;
    }

    /**
     * The {@code k} rows nearest to query[offset, offset + dim) whose owners {@code accept}
     * accepts, nearest first by jvector's similarity. {@code ef} (raised to k if smaller) is the
     * candidate list size: larger is slower and recalls more. {@code accept} is asked inside the
     * graph search, for each candidate that could enter the results: a rejected node still
     * routes the search, so a filter costs recall only when it rejects most nodes, and then time.
     *
     * @throws IllegalArgumentException for k or ef below 1
     */
    public List<Hit<T>> search(float[] query, int offset, int k, int ef, Predicate<? super T> accept) {
        Objects.checkFromIndexSize(offset, dim, query.length);
        Objects.requireNonNull(accept, "accept");
        if (k < 1 || ef < 1) {
            throw new IllegalArgumentException("k and ef must be at least 1, got k=" + k + ", ef=" + ef);
        }
        GraphSearcher searcher = searchers.get();
        // A view first, then the nodes: every node the view can reach was published before it.
        searcher.setView(graph.getView());
        QueryScores scores = new QueryScores(VECTOR_TYPES.createFloatVector(query), offset, nodes);
        Bits acceptNode = node -> scores.acceptsRowOrCopy(node, accept);
        SearchResult result = searcher.search(new DefaultSearchScoreProvider(scores), k, Math.max(k, ef), 0f, 0f, acceptNode);
        List<Hit<T>> hits = new ArrayList<>(k);
        for (SearchResult.NodeScore n : result.getNodes()) {
            scores.addAccepted(n.node, accept, hits, k);
            for (int copy : copiesOf(scores.table, n.node)) {
                scores.addAccepted(copy, accept, hits, k);
            }
        }
        return hits;
    }

    /**
     * jvector's similarity, higher is nearer, from a squared distance or a dot product: what its
     * EUCLIDEAN and COSINE functions return. For dot, jvector's (1 + dot) / 2 would go negative for
     * vectors that are not unit length, and jvector treats similarities below 0 as "nothing
     * found"; this keeps the order of dot products and stays positive: 1 + dot, or 1 / (1 - dot)
     * below 0.
     */
    private float similarity(VectorFloat<?> a, int aOffset, float aInverseNorm, Nodes t, int node) {
        return switch (metric) {
            case L2 -> 1f / (1f + VectorUtil.squareL2Distance(a, aOffset, t.views()[node], t.offsets()[node], dim));
            case COSINE -> (1f + VectorUtil.dotProduct(a, aOffset, t.views()[node], t.offsets()[node], dim)
                    * aInverseNorm * t.inverseNorms()[node]) / 2f;
            case DOT -> {
                float dot = VectorUtil.dotProduct(a, aOffset, t.views()[node], t.offsets()[node], dim);
                yield dot >= 0f ? 1f + dot : 1f / (1f - dot);
            }
        };
    }

    /**
     * The node table as of {@code node}: {@code t} if it already covers it, else the newest one,
     * which must (nodes are published before the graph can reach them).
     */
    private Nodes covering(Nodes t, int node) {
        return node < t.size() ? t : nodes;
    }

    /** A query's similarity to each node, and which of its rows a search may return. Used by one thread. */
    private final class QueryScores implements ScoreFunction.ExactScoreFunction {
        private final VectorFloat<?> query;
        private final int offset;
        private final float inverseNorm;
        private Nodes table;

        QueryScores(VectorFloat<?> query, int offset, Nodes table) {
            this.query = query;
            this.offset = offset;
            this.table = table;
            if (metric == Metric.COSINE) {
                float squaredNorm = VectorUtil.dotProduct(query, offset, query, offset, dim);
                this.inverseNorm = squaredNorm == 0f ? 0f : (float) (1.0 / Math.sqrt(squaredNorm));
            } else {
                this.inverseNorm = 0f;
            }
        }

        @Override
        public float similarityTo(int node) {
            table = covering(table, node);
            return similarity(query, offset, inverseNorm, table, node);
        }

        /** Whether the row of {@code node} may be returned. */
        @SuppressWarnings("unchecked")
        boolean accepts(int node, Predicate<? super T> accept) {
            table = covering(table, node);
            return !table.removed()[node] && accept.test((T) table.owners()[node]);
        }

        /** Whether the graph node's row, or a copy of it, may be returned. */
        boolean acceptsRowOrCopy(int graphNode, Predicate<? super T> accept) {
            if (accepts(graphNode, accept)) {
                return true;
            }
            for (int copy : copiesOf(table, graphNode)) {
                if (accepts(copy, accept)) {
                    return true;
                }
            }
            return false;
        }

        @SuppressWarnings("unchecked")
        void addAccepted(int node, Predicate<? super T> accept, List<Hit<T>> hits, int k) {
            if (hits.size() < k && accepts(node, accept)) {
                hits.add(new Hit<>((T) table.owners()[node], table.offsets()[node] / dim));
            }
        }
    }

    /** A stored node's similarity to each node: what inserts, neighbour selection and repairs compare. */
    private final class NodeScores implements ScoreFunction.ExactScoreFunction {
        private final int node;
        private Nodes table;

        NodeScores(int node) {
            this.node = node;
            this.table = covering(nodes, node);
        }

        @Override
        public float similarityTo(int other) {
            table = covering(table, other);
            float inverseNorm = table.inverseNorms() == null ? 0f : table.inverseNorms()[node];
            return similarity(table.views()[node], table.offsets()[node], inverseNorm, table, other);
        }
    }

    /** How jvector's builder compares: exactly, node to node, on the stored rows. */
    private final class StoredScores implements BuildScoreProvider {
        @Override
        public boolean isExact() {
            return true;
        }

        /** The mean of the nodes added so far (jvector 4.0.2's builder does not call it; the interface needs it). */
        @Override
        public VectorFloat<?> approximateCentroid() {
            Nodes t = nodes;
            VectorFloat<?> sum = VECTOR_TYPES.createFloatVector(dim);
            for (int node = 0; node < t.size(); node++) {
                for (int i = 0; i < dim; i++) {
                    sum.set(i, sum.get(i) + t.views()[node].get(t.offsets()[node] + i));
                }
            }
            if (t.size() > 0) {
                VectorUtil.scale(sum, 1f / t.size());
            }
            return sum;
        }

        @Override
        public SearchScoreProvider searchProviderFor(VectorFloat<?> vector) {
            return new DefaultSearchScoreProvider(new QueryScores(vector, 0, nodes));
        }

        @Override
        public SearchScoreProvider searchProviderFor(int node) {
            return new DefaultSearchScoreProvider(new NodeScores(node));
        }

        @Override
        public SearchScoreProvider diversityProviderFor(int node) {
            return searchProviderFor(node);
        }

        @Override
        public ScoreFunction diversityScoreFunctionFor(int node) {
            return new NodeScores(node);
        }
    }
}
