package io.vexfs.core.index;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.NodeArray;
import io.github.jbellis.jvector.graph.NodesIterator;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.graph.similarity.ScoreFunction;
import io.github.jbellis.jvector.graph.similarity.SearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.util.ExplicitThreadLocal;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Approximate nearest-neighbour search on jvector: an HNSW-style graph (jvector's
 * {@link GraphIndexBuilder}: Vamana neighbour selection with an HNSW hierarchy on top) over
 * vectors that stay where the caller keeps them, mapped segment files included. Nodes are
 * numbered in the order blocks (a stored file's rows) are added; each knows its block's owner
 * and its row.
 *
 * <p>jvector asks this index for similarities through score functions; they are computed by
 * our {@link VectorKernels} on the stored rows where they lie, and turned into jvector's
 * similarities (higher is nearer). jvector 4.0.2 cannot read memory it did not allocate: its
 * vectors wrap a float[] (Panama and scalar providers) or its own native memory (the native
 * provider's Buffer constructor copies), so its own distance functions would need a copy of
 * every row they score; our kernels read the mapped row in place (the row an insert links is
 * copied once, to be scored against three rows at a time). Hits carry the owner and the row; the caller
 * reports its own exact distance.
 *
 * <p>Copies: a row bit-identical to a row already in the graph is not inserted; it joins that
 * node's copies and is returned with it. Graph indexes lose copies otherwise (a hundred copies
 * of one vector crowd each other's neighbour lists, and some become unreachable), and copied
 * files are common in a filesystem. When the row a graph node holds is removed while copies of
 * it live on, the node moves to a copy's memory (the same bits, so the graph stays as it is):
 * compaction, which rewrites files elsewhere, costs no graph insert.
 *
 * <p>Two graphs at most: the base, {@link #read} from the index file and searched where the file
 * maps it ({@link MappedGraph}), so a remount answers at full recall without building anything
 * on the heap, which holds none of its links; and jvector's on-heap graph, which takes every
 * insert (jvector 4.0.2 can insert into nothing else), so a write after a remount costs the
 * heap only its own node. A search walks both, with our {@link GraphWalk} rather than jvector's
 * searcher, and ranks their candidates together; an insert finds its candidates with a walk too,
 * and leaves to jvector only the neighbour selection and the links back ({@link #link}). A removed
 * base node stays in the base and routes searches on a row of zeros, never returned; once the
 * heap's graph outgrows the base, or half the base is dead, {@link #rebuildDue} says so and the
 * caller makes one graph of the live rows ({@link #rebuilt}). Written, the index keeps both
 * graphs; read back, the first is mapped and the second copied onto the heap.
 *
 * <p>Codes (pq_subspaces, or quantization = int8): once the graph holds {@link #PQ_TRAIN_MIN}
 * nodes, jvector's product quantization ({@link ProductCodes}), or a grid of a byte a dimension
 * ({@link ScalarCodes}), is trained on them and every graph node gets its codes, kept on the heap;
 * searches then walk the graph on code estimates and read only the best rerank x k candidates in
 * full, to rank them exactly. Inserts link by exact scores (with int8 codes their walk finds the
 * candidates on the codes, which are then scored on full vectors; product codes are too coarse to
 * find them), so a graph is as valid whatever the codes: {@link #requantize} trains new ones (or
 * drops them) and keeps the graph, and {@link #read} does the same for a file whose codes are of
 * other settings.
 *
 * <p>Memory: each block comes with a {@link Pin} on what holds its memory. The index keeps it
 * pinned while a search could read it: after a block is removed, until the graph no longer
 * reaches its rows (jvector's removeDeletedNodes has run, or its nodes moved to copies) and
 * every search that began before that has finished (a grace period: searches register in one
 * of two phases, the writer flips the phase and waits for the old one to empty).
 *
 * <p>Threads: {@link #addAll}, {@link #remove}, {@link #purgeIfNeeded}, {@link #releaseRetired},
 * {@link #rebuilt} and {@link #close} must be serialised by the caller (one writer);
 * {@link #addAll} spreads its inserts over the pool it was given. {@link #search} may run on any
 * number of threads at once, also while the writer works, and never waits for it. A search
 * descends the heap graph's upper layers through jvector's concurrent view, which shows only
 * nodes completely inserted when the search began, so the bottom layer's walk starts from a
 * linked node (an insert links a node layer by layer from the top: one seen half-linked there can
 * be a dead end). On the bottom layer it reads the links as they are, also through nodes an
 * insert is still linking, which the view would hide at the cost of a check per link (without
 * it: 1.19x, 1.22x and 1.32x the queries/s at ef 10, 64 and 512 on 100k x 128, medians of five
 * builds each). Each node's row, owner and codes are published before it enters the graph, so
 * such a node scores and routes like any other, and a search may return rows of a block
 * {@link #addAll} is still inserting (callers that search unindexed blocks apart filter them out
 * by owner). A removed row is never returned by a search that starts after {@link #remove} returns.
 */
public final class AnnIndex<T> {
    /** jvector's recommended construction setting: 20% more neighbours kept while building. */
    private static final float NEIGHBOR_OVERFLOW = 1.2f;
    /**
     * A node that this many others or fewer link to on the bottom layer, and whose nearest
     * neighbour does not link to it either, is hard to reach: a search finds it only through
     * those few, from far away. With alpha 1.0 a node in a dense cluster can keep two links and
     * receive one (measured: at ef 200 one stored vector in 3,000 did not find itself); one node
     * missed that way had 3 in-links.
     */
    static final int WEAKLY_LINKED = 4;
    /**
     * A node that this many others or fewer link to gets links back from its own neighbours, as
     * HNSW's insert gives them (cheaper than a walk: Fashion-MNIST has 4,000 such nodes in 60,000,
     * and 8,500 with at most {@link #WEAKLY_LINKED}; walking to all of those took a quarter of a build).
     */
    private static final int FEW_IN_LINKS = 2;
    /**
     * {@link #repairReachability} runs once the nodes added since its last run are at least one in
     * this many of the table's: each run counts every node's in-links, a pass over the graph, so
     * after every small batch of a large index it would cost more than the batch (measured: a run
     * took 0.7 s after a batch of 5,000 rows at 190,000 rows of 128, whose inserts took 1.9 s). A
     * node added since waits for the next run to be repaired; an index built in one call is
     * repaired at its end.
     */
    private static final int REPAIR_EVERY = 32;
    /**
     * A run of {@link #repairReachability} relinks at most one in this many of the nodes added
     * since the last, the fewest in-links first, and links back to the rest: relinking costs a
     * walk each, as much as an insert. On Fashion-MNIST 0.4% of the rows qualify; on 128 gaussian
     * dimensions a third did (97,700 of 300,000), and relinking them all took 29 s of a 111 s
     * build for 0.1 to 0.6 points of recall@10 (ef 10 to 128).
     */
    static final int RELINK_SHARE = 100;
    /** Passes of {@link #repairReachability} at most: the first repairs weakly linked nodes, the rest only orphans. */
    private static final int REPAIR_PASSES = 3;
    private static final Object[] NO_INSERTS = {};
    /** The "prefetch" toggle of .vexfs/optimizations: off, a search scores each node as it comes, as jvector does. */
    private static volatile boolean prefetching = true;
    private static final int CACHE_LINE = 64;
    /** Marked-deleted nodes below this count (and below a tenth of the live rows) wait for more before a purge. */
    private static final int PURGE_BATCH = 1024;
    /** Walks a search makes at most while purges overlap it (see {@link #search}). */
    private static final int WALKS_BESIDE_A_PURGE = 3;
    /** A graph with fewer nodes than this takes inserts one at a time. */
    private static final int SERIAL_START = 1000;
    /** Removed rows kept as unused node numbers before a rebuild is worth it (and more than twice the live rows). */
    private static final int REBUILD_MIN = 1000;
    private static final VectorTypeSupport VECTOR_TYPES = VectorizationProvider.getInstance().getVectorTypeSupport();
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** An element of an int[][] (a copy list), read with acquire and written with release. */
    private static final VarHandle LIST = MethodHandles.arrayElementVarHandle(int[][].class);
    /** An element of a long[] (a node's location), read and written whole. */
    private static final VarHandle LOCATION = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int[] NO_COPIES = new int[0];
    /** Graph nodes needed before product quantization is trained; until then searches read full vectors. */
    static final int PQ_TRAIN_MIN = 4096;
    /** At most this many of them, evenly spaced, train it: 100 for each of a subspace's 256 centroids. */
    private static final int PQ_TRAIN_SAMPLE = 25_600;
    /**
     * Bytes per chunk of codes at most (the codes grow a chunk at a time, never copied):
     * under half of G1's smallest region (1 MiB), as G1 gives an array of half a region or more
     * regions of its own and leaves their tails empty (at 10M rows, 32-byte codes in 512 KiB
     * chunks left 320 MiB of a 2 GiB heap so).
     */
    private static final int CODE_CHUNK_BYTES = 256 << 10;
    /** What kind of codes an index file holds (from version 5; before it, product codes only). */
    private static final byte PRODUCT_CODES = 1;
    private static final byte SCALAR_CODES = 2;

    /** What keeps a block's memory mapped: pinned when the block is added, unpinned once no search can read it. */
    public interface Pin {
        /** Pins the memory; false when it is gone already. */
        boolean tryPin();

        void unpin();

        /** For memory that cannot go away (heap arrays). */
        Pin NONE = new Pin() {
            @Override
            public boolean tryPin() {
                return true;
            }

            @Override
            public void unpin() {
                // Heap memory lives as long as the index references it.
            }
        };
    }

    /**
     * One owner's rows: rows * dim float32, little-endian, row-major, in {@code vectors} (the
     * caller's memory, read in place, never written), kept alive by {@code pin}.
     */
    public record Block<T>(T owner, MemorySegment vectors, int rows, Pin pin) {
        public Block {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(vectors, "vectors");
            Objects.requireNonNull(pin, "pin");
            if (rows < 0) {
                throw new IllegalArgumentException("negative row count " + rows);
            }
        }
    }

    /**
     * Where a block's rows lie, as an index file names them: a segment id is never reused and
     * stored bytes never change, so a key names exactly the rows a block was built from.
     */
    public record BlockKey(long segment, long offset, int rows) {
    }

    /** One result: the block's owner and the row in it. */
    public record Hit<T>(T owner, int row) {
    }

    /**
     * The nodes a reader may score, published whole. Node n's vector is at locations[n]: the
     * block memory it lies in (memory[high 32 bits]) and its row there (low 32 bits). rows[n] is
     * n's own row in its owner's block (the location moves to a copy when that row goes).
     * graphNodes[n] is n for a node in the graph, else the graph node whose row it copies;
     * copies[g] lists a graph node's copies (swapped whole). removed[n] is set once n's block is
     * removed. Slots at or past {@code size} (and {@code memoryCount}) are not published.
     * inverseNorms is null unless cosine.
     */
    private record Nodes(long[] locations, Object[] owners, int[] rows, int[] graphNodes, int[][] copies, boolean[] removed,
                         float[] inverseNorms, int size, MemorySegment[] memory, int memoryCount) {
    }

    private record Placed<T>(Block<T> block, int firstNode) {
    }

    /**
     * The codes of the graph nodes (product or scalar): node n's are chunks[chunkOf(n)] from
     * offsetOf(n), 2^shift nodes a chunk (as many as fit {@link #CODE_CHUNK_BYTES}). A node's codes
     * are written before it enters the graph, so a search that reaches it reads them.
     */
    private record Codes(Quantizer quantizer, byte[][] chunks, int shift) {
        /** Empty codes of this quantizer for nodes below {@code nodes}. */
        static Codes empty(Quantizer quantizer, int nodes) {
            int shift = 31 - Integer.numberOfLeadingZeros(Math.max(1, CODE_CHUNK_BYTES / quantizer.codeBytes()));
            return new Codes(quantizer, new byte[0][], shift).grown(nodes);
        }

        /** Bytes of codes a node has. */
        int bytes() {
            return quantizer.codeBytes();
        }

        /** Whether these are the codes {@code p} asks for: int8 codes, or product codes of its pq_subspaces. */
        boolean are(AnnParams p) {
            return p.quantization() == Quantization.INT8 ? quantizer instanceof ScalarCodes
                    : quantizer instanceof ProductCodes pq && pq.subspaces() == p.pqSubspaces();
        }

        int chunkNodes() {
            return 1 << shift();
        }

        int chunkOf(int node) {
            return node >>> shift();
        }

        int offsetOf(int node) {
            return (node & (chunkNodes() - 1)) * bytes();
        }

        /** Nodes the chunks hold. */
        long capacity() {
            return (long) chunks.length << shift();
        }

        /** These codes with empty chunks added to hold nodes below {@code nodes} (this if they do). */
        Codes grown(int nodes) {
            int count = (int) ((nodes + chunkNodes() - 1L) >>> shift());
            if (count <= chunks.length) {
                return this;
            }
            byte[][] more = Arrays.copyOf(chunks, count);
            for (int i = chunks.length; i < count; i++) {
                more[i] = new byte[chunkNodes() * bytes()];
            }
            return new Codes(quantizer, more, shift);
        }
    }

    /** A removed block waiting to be unpinned: once {@link #purgeEpoch} has passed {@code purgeNeeded} (-1: none needed), after a grace period. */
    private record Retiring<T>(Placed<T> placed, long purgeNeeded) {
    }

    private final Metric metric;
    private final int dim;
    /** Changed only by {@link #requantize} (its pq_subspaces); the writer's, read by searches for rerank. */
    private volatile AnnParams params;
    private final ForkJoinPool pool;
    private final GraphIndexBuilder builder;
    /** jvector's graph on the heap: every graph node the base does not hold; the one inserts and deletes change. */
    private final OnHeapGraphIndex graph;
    /**
     * The base: the first graph {@link #read} found in the index file, searched where the file maps
     * it and never changed (jvector 4.0.2 inserts only into its on-heap graph); null for an index
     * built by inserts. Its nodes are numbered below {@link #baseNodes}, every later one above.
     */
    private final MappedGraph base;
    private final int baseNodes;
    /** Where a removed base node's row reads from: a row of zeros (the base cannot drop the node); 0 without a base. */
    private final long zeroLocation;
    /** Base nodes whose rows are gone: they still route searches, and are never returned; the writer's only. */
    private int baseDead;
    private final ExplicitThreadLocal<GraphWalk> walks;
    private final ExplicitThreadLocal<Linking> linkings;
    /** The nodes being linked now (by {@link #link}): each is a candidate for the others, which cannot find it yet. */
    private final Set<ImmutableGraphIndex.NodeAtLevel> inserting = ConcurrentHashMap.newKeySet();
    /** The base's bottom-layer links, as mapped (null without a base). */
    private final GraphWalk.BottomLinks baseBottom;
    /** The heap graph's bottom-layer links as they are now, not as its view filters them (see the class comment, Threads). */
    private final GraphWalk.BottomLinks heapBottom;
    private volatile Nodes nodes;
    /** Null until product quantization is trained (never when pq_subspaces is 0); published before the nodes it covers. */
    private volatile Codes codes;
    /** Per search thread, in a slot of its own so that it can grow with pq_subspaces: the query's table of distances to every centroid. */
    private final ExplicitThreadLocal<float[][]> tables;
    /** Per search thread: the query's scalar codes, widened to shorts. */
    private final ExplicitThreadLocal<short[]> queryCodes;
    /** Where each live block's nodes start; the writer's only. */
    private final Map<T, Placed<T>> placed = new IdentityHashMap<>();
    private final List<Retiring<T>> retiring = new ArrayList<>();
    /** Content hash of a row to the graph node holding that content; the writer's only, through {@link #contentMap}. */
    private final LongIntMap byContent = new LongIntMap();
    /**
     * Set by {@link #read}: the content hash of each node of the file, and the graph each is in (0:
     * none), put into {@link #byContent} on its first use; the writer's only.
     */
    private long[] readHashes;
    private byte[] readGraphOf;
    /** Rows inserted completely (or filed as copies) and not removed: what searches can return. */
    private final AtomicInteger indexed = new AtomicInteger();
    /** Searches running, by the phase they registered in. */
    private final AtomicIntegerArray searching = new AtomicIntegerArray(2);
    private volatile int phase;
    /** Graph nodes marked deleted and still in the graph; the writer's only. */
    private int deleted;
    /** Rows removed: node numbers a rebuild would reclaim; the writer's only. */
    private int dead;
    /**
     * Bumped at the start and at the end of each purge (jvector's removeDeletedNodes): odd while
     * one runs, so a search can tell whether one overlapped it; twice the purges done otherwise,
     * which is all the writer ever sees. Written by the writer only.
     */
    private volatile long purgeEpoch;
    /** Graph nodes taken out of the graph so far; written by the writer only. */
    private volatile int purged;
    /** Nodes found unreachable after concurrent inserts and given a stand-in; written by the writer only. */
    private volatile int relinked;
    /** Weakly linked nodes relinked or given links back from their own neighbours; counted on the pool's threads. */
    private final AtomicInteger backlinked = new AtomicInteger();
    /** Weakly linked nodes walked to again ({@link #relink}); counted on the pool's threads. */
    private final AtomicInteger relinkWalks = new AtomicInteger();
    /** Rows that came from an index file (live after matching); 0 for an index built by inserts. Set once by {@link #read}. */
    private volatile int restored;
    /** Nodes from this one up have not been through {@link #repairReachability} yet; the writer's. */
    private int unrepaired;
    /** Of those, how many were inserted beside others (not one by one); the writer's. */
    private int insertedBeside;
    /** Set when an insert was cut short: the table then holds nodes the graph lacks, so the index is not written; the writer's only. */
    private boolean incomplete;
    /** Set by {@link #read} when the file's codes were of another pq_subspaces and left unread: the file is out of date. */
    private boolean codesDroppedAtRead;

    /**
     * @param pool the threads {@link #addAll} and jvector's graph repairs run on
     */
    public AnnIndex(Metric metric, int dim, AnnParams params, ForkJoinPool pool) {
        this(metric, dim, params, pool, null, 0, 0);
    }

    private AnnIndex(Metric metric, int dim, AnnParams params, ForkJoinPool pool, MappedGraph base, int baseNodes, long zeroLocation) {
        this.base = base;
        this.baseNodes = baseNodes;
        this.zeroLocation = zeroLocation;
        this.metric = Objects.requireNonNull(metric, "metric");
        this.params = Objects.requireNonNull(params, "params");
        this.pool = Objects.requireNonNull(pool, "pool");
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        this.dim = dim;
        if (params.pqSubspaces() > dim) {
            throw new IllegalArgumentException("pq_subspaces " + params.pqSubspaces() + " exceeds the dimension " + dim);
        }
        this.tables = ExplicitThreadLocal.withInitial(() -> new float[][] {new float[0]});
        this.queryCodes = ExplicitThreadLocal.withInitial(() -> new short[ScalarCodes.rowBytes(dim)]);
        this.nodes = emptyNodes(metric);
        // HNSW's degrees: 2m links on the bottom layer, m above.
        this.builder = new GraphIndexBuilder(new StoredScores(), dim, List.of(2 * params.m(), params.m()),
                params.efConstruction(), NEIGHBOR_OVERFLOW, params.alpha(), true, true, pool, pool);
        this.graph = (OnHeapGraphIndex) builder.getGraph();
        this.walks = ExplicitThreadLocal.withInitial(GraphWalk::new);
        this.linkings = ExplicitThreadLocal.withInitial(Linking::new);
        ImmutableGraphIndex.View baseView = base == null ? null : base.getView();
        this.baseBottom = base == null ? null : node -> baseView.getNeighborsIterator(0, node);
        this.heapBottom = node -> graph.getNeighborsIterator(0, node);
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

    /** Whether {@code owner}'s rows are in the index (added and not removed); the writer's. */
    public boolean contains(T owner) {
        return placed.containsKey(owner);
    }

    /** Rows that came from an index file at mount, of those still stored then; 0 for an index built by inserts. */
    public int restoredRows() {
        return restored;
    }

    /** Whether {@link #write} can write this index: no insert into it was cut short. */
    public boolean writable() {
        return !incomplete;
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

    /** Nodes found unreachable after concurrent inserts and linked again through a stand-in. */
    public int relinkedNodes() {
        return relinked;
    }

    /** Nodes repaired for having few in-links ({@link #repairReachability}): relinked, linked back to, or given stand-ins. */
    public int backlinkedNodes() {
        return backlinked.get();
    }

    /** Weakly linked nodes walked to again, within {@link #RELINK_SHARE}. */
    int relinkWalks() {
        return relinkWalks.get();
    }

    /** Removed blocks still pinned, waiting for a purge or a grace period. */
    public int retiringBlocks() {
        return retiring.size();
    }

    /** The index's heap: the graph as jvector estimates it, and the codes with their quantizer (the vectors themselves are the caller's). */
    public long graphBytes() {
        Codes c = codes;
        return builder.ramBytesUsed() + (base == null ? 0 : base.ramBytesUsed()) + (c == null ? 0
                : c.quantizer().quantizerBytes() + c.capacity() * c.bytes());
    }

    /** Whether searches walk a graph where the index file maps it (the base read at mount), beside the heap's. */
    public boolean graphMapped() {
        return base != null;
    }

    /** Graph nodes on the heap: those inserted since the base was read (all of them without a base). */
    public int heapGraphNodes() {
        return graph.size(0);
    }

    /** The mean number of links of a node on the heap graph's bottom layer (what m and alpha decide); 0 for an empty graph. */
    double meanBottomDegree() {
        return graph.size(0) == 0 ? 0 : graph.getAverageDegree(0);
    }

    /** Whether searches walk the graph on codes (pq_subspaces or quantization is set and enough nodes were there to train on). */
    public boolean quantized() {
        return codes != null;
    }

    /** Bytes of codes a node has (0: none, searches walk on full vectors): pq_subspaces, or the dimension with int8 codes, once trained. */
    public int codeBytes() {
        Codes c = codes;
        return c == null ? 0 : c.bytes();
    }

    /** The kind of codes searches walk on now: int8 once scalar codes are trained, else none (full vectors, or product codes). */
    public Quantization quantization() {
        Codes c = codes;
        return c != null && c.quantizer() instanceof ScalarCodes ? Quantization.INT8 : Quantization.NONE;
    }

    /** Whether the codes are those {@code p} asks for: none when it asks for none, else trained and of its kind and size. */
    public boolean codesAre(AnnParams p) {
        Codes c = codes;
        return c == null ? p.codeBytes(dim) == 0 : c.are(p);
    }

    /** Whether {@link #read} left the file's codes unread, as of other settings: the file is out of date. */
    public boolean codesDroppedAtRead() {
        return codesDroppedAtRead;
    }

    /**
     * Sets pq_subspaces and quantization and keeps the graph: inserts link by exact scores, so the
     * graph is as valid whatever the codes. Unless the codes are of that kind and size already, new
     * ones are trained and every node encoded (as at first training) while searches go on walking
     * the old ones (or the full vectors), then published in their place; no codes asked for, or
     * too few nodes to train on yet, drops the codes and searches walk the full vectors. Minutes
     * at 10M rows where a rebuild would take hours. The writer's.
     *
     * @throws IllegalArgumentException if {@code subspaces} is negative or exceeds the dimension,
     *                                  or both kinds of codes are asked for
     */
    public void requantize(int subspaces, Quantization quantization) {
        if (subspaces < 0 || subspaces > dim) {
            throw new IllegalArgumentException("pq_subspaces " + subspaces + " is not between 0 and the dimension " + dim);
        }
        params = params.withCodes(subspaces, quantization);
        if (!codesAre(params) && !trainIfDue(nodes.size())) {
            codes = null;
        }
    }

    /**
     * Inserts every row of {@code blocks} as a graph node (or as the copy of one), on the pool's
     * threads, and returns when all are in. A block whose pin fails (its memory is gone: its file
     * was replaced meanwhile) is left out and returned. {@code cancelled} is polled between
     * inserts; when it turns true the call stops and throws {@link CancellationException},
     * leaving the blocks partly inserted.
     *
     * @return the blocks left out
     * @throws IllegalArgumentException if an owner is already in the index, or its memory holds
     *                                  fewer than rows * dim floats; nothing is added then
     */
    public List<Block<T>> addAll(List<Block<T>> blocks, BooleanSupplier cancelled) {
        Map<T, Boolean> owners = new IdentityHashMap<>(blocks.size() * 2);
        for (Block<T> b : blocks) {
            if (b.vectors().byteSize() < (long) b.rows() * dim * Float.BYTES) {
                throw new IllegalArgumentException(b.vectors().byteSize() + " bytes do not hold " + b.rows() + " rows of " + dim);
            }
            if (placed.containsKey(b.owner()) || owners.put(b.owner(), Boolean.TRUE) != null) {
                throw new IllegalArgumentException(b.owner() + " is already in the index");
            }
        }
        List<Block<T>> pinned = new ArrayList<>(blocks.size());
        List<Block<T>> gone = new ArrayList<>();
        int total = 0;
        for (Block<T> b : blocks) {
            if (b.pin().tryPin()) {
                pinned.add(b);
                total = Math.addExact(total, b.rows());
            } else {
                gone.add(b);
            }
        }
        Nodes before = nodes;
        Nodes t = grow(before, before.size() + total, before.memoryCount() + pinned.size());
        int[] inserts = new int[total];
        int insertCount = 0;
        int next = before.size();
        int memoryIndex = before.memoryCount();
        for (Block<T> b : pinned) {
            placed.put(b.owner(), new Placed<>(b, next));
            MemorySegment memory = b.vectors();
            t.memory()[memoryIndex] = memory;
            for (int row = 0; row < b.rows(); row++, next++) {
                long byteOffset = (long) row * dim * Float.BYTES;
                t.locations()[next] = (long) memoryIndex << 32 | row;
                t.owners()[next] = b.owner();
                t.rows()[next] = row;
                if (t.inverseNorms() != null) {
                    t.inverseNorms()[next] = inverseNorm(VectorKernels.squaredNorm(memory, byteOffset, dim));
                }
                long hash = contentHash(memory, byteOffset);
                int original = copyOf(t, hash, memory, byteOffset);
                if (original >= 0) {
                    t.graphNodes()[next] = original;
                    addCopy(t, original, next);
                } else {
                    t.graphNodes()[next] = next;
                    contentMap().put(hash, next);
                    inserts[insertCount++] = next;
                }
            }
            memoryIndex++;
        }
        growCodes(next);
        // Published before any insert starts, so every score function finds every node it is asked about.
        nodes = new Nodes(t.locations(), t.owners(), t.rows(), t.graphNodes(), t.copies(), t.removed(), t.inverseNorms(), next,
                t.memory(), memoryIndex);
        indexed.addAndGet(total - insertCount);
        trainIfDue(before.size());
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
            incomplete = true;
            throw new CancellationException("stopped while inserting " + total + " rows");
        }
        insertedBeside += toInsert - serial;
        if (insertedBeside > 1 && (long) (next - unrepaired) * REPAIR_EVERY >= next) {
            repairReachability(unrepaired);
            unrepaired = nodes.size();
            insertedBeside = 0;
        }
        return gone;
    }

    /**
     * Concurrent inserts now and then leave a node that no other node links to, so no search
     * can reach it (seen: one in 3,000 on two threads). Each such node gets a stand-in: a new
     * graph node at the same memory, inserted alone, with the unreachable node (and its
     * copies) as its copies; the unreachable one is marked deleted. A node that few others link
     * to ({@link #WEAKLY_LINKED}) and whose nearest neighbour does not link back is {@linkplain
     * #relink relinked}: such a node's in-links came from far away (measured: ranks 222 to 543 by
     * closeness), and a search for its own vector at ef 200 missed it in 4 builds of 380 of
     * 3,000 rows when it only got links back from the neighbours it had. Other nodes with
     * {@link #FEW_IN_LINKS} or fewer get those links back. Orphans are looked for everywhere;
     * weakly linked nodes only from {@code firstNew} up, the nodes added since the last run: an
     * older one was repaired in its own run, and repairing every weak node again after each batch
     * took 172 s of a 200,000-row build in batches of 5,000 (63 s without). Relinks are budgeted
     * ({@link #RELINK_SHARE}). Costs a pass over the bottom layer's links, and a walk for each
     * relinked node and stand-in (0.4% of Fashion-MNIST's 60,000 rows, 0.2-0.5% of 3,000 random
     * ones), on the pool's threads as inserts are: 8 s of an 83 s build of 300,000 gaussian rows
     * of 128, most of it the stand-ins of its 5.7% orphans.
     */
    private void repairReachability(int firstNew) {
        // Relinking one node can cost another its last in-link (a neighbour's list overflows and
        // is pruned): seen once in 400 builds. Later passes give such orphans stand-ins.
        boolean changed = repairPass(WEAKLY_LINKED, firstNew);
        for (int pass = 1; changed && pass < REPAIR_PASSES; pass++) {
            changed = repairPass(0, firstNew);
        }
    }

    /**
     * One pass of {@link #repairReachability}: every node no other links to, and the nodes from
     * {@code firstNew} up with at most {@code threshold} in-links; true if it changed any.
     */
    private boolean repairPass(int threshold, int firstNew) {
        Nodes t = nodes;
        ImmutableGraphIndex.View view = graph.getView();
        int[] linkedFrom = new int[t.size()];
        for (int node = 0; node < t.size(); node++) {
            if (t.graphNodes()[node] == node && view.contains(0, node)) {
                for (var it = view.getNeighborsIterator(0, node); it.hasNext(); ) {
                    int neighbour = it.nextInt();
                    if (neighbour < linkedFrom.length) {
                        linkedFrom[neighbour]++;
                    }
                }
            }
        }
        ImmutableGraphIndex.NodeAtLevel entry = view.entryNode();
        List<Integer> unreachable = new ArrayList<>();
        // Nodes to relink as (in-links << 32 | node), so that sorted the fewest in-links come first;
        // nodes to link back to fill repairs from its end.
        long[] relinkable = new long[16];
        int candidates = 0;
        int[] repairs = new int[t.size()];
        int backlinks = 0;
        for (int node = 0; node < t.size(); node++) {
            boolean markedDeleted = t.removed()[node] && copiesOf(t, node).length == 0;
            int limit = node < firstNew ? 0 : threshold;
            if (linkedFrom[node] <= limit && t.graphNodes()[node] == node && !markedDeleted && view.contains(0, node)
                    && (entry == null || entry.node != node)) {
                if (linkedFrom[node] == 0) {
                    unreachable.add(node);
                } else if (!nearestLinksBack(view, node)) {
                    if (candidates == relinkable.length) {
                        relinkable = Arrays.copyOf(relinkable, 2 * candidates);
                    }
                    relinkable[candidates++] = (long) linkedFrom[node] << 32 | node;
                } else if (linkedFrom[node] <= FEW_IN_LINKS) {
                    repairs[repairs.length - ++backlinks] = node;
                }
            }
        }
        Arrays.sort(relinkable, 0, candidates);
        int relinks = Math.min(candidates, Math.max(1, (t.size() - firstNew) / RELINK_SHARE));
        for (int i = 0; i < relinks; i++) {
            repairs[i] = (int) relinkable[i];
        }
        // Beyond the budget a node is linked back to as one with few in-links is.
        for (int i = relinks; i < candidates; i++) {
            int node = (int) relinkable[i];
            if (linkedFrom[node] <= FEW_IN_LINKS) {
                repairs[repairs.length - ++backlinks] = node;
            }
        }
        // On the pool's threads, as inserts are: repairs[0, relinks) relinked, the last backlinks linked back to.
        int relinkCount = relinks;
        int count = relinks + backlinks;
        pool.submit(() -> IntStream.range(0, count).parallel().forEach(i -> {
            if (i < relinkCount) {
                relink(repairs[i]);
            } else {
                backlink(repairs[repairs.length - 1 - (i - relinkCount)]);
            }
        })).join();
        boolean changed = count > 0 || !unreachable.isEmpty();
        int[] standIns = new int[unreachable.size()];
        for (int i = 0; i < standIns.length; i++) {
            int orphan = unreachable.get(i);
            Nodes before = nodes;
            Nodes g = grow(before, before.size() + 1, before.memoryCount());
            int standIn = before.size();
            long location = location(g, orphan);
            g.locations()[standIn] = location;
            g.owners()[standIn] = g.owners()[orphan];
            g.rows()[standIn] = g.rows()[orphan];
            g.removed()[standIn] = true;
            g.graphNodes()[standIn] = standIn;
            if (g.inverseNorms() != null) {
                g.inverseNorms()[standIn] = g.inverseNorms()[orphan];
            }
            int[] old = copiesOf(g, orphan);
            int[] moved = Arrays.copyOf(old, old.length + 1);
            moved[old.length] = orphan;
            LIST.setRelease(g.copies(), standIn, moved);
            nodes = new Nodes(g.locations(), g.owners(), g.rows(), g.graphNodes(), g.copies(), g.removed(), g.inverseNorms(),
                    standIn + 1, g.memory(), g.memoryCount());
            // Out of searches' results first (jvector skips deleted nodes), then found through the stand-in.
            builder.markNodeDeleted(orphan);
            deleted++;
            for (int copy : moved) {
                g.graphNodes()[copy] = standIn;
            }
            LIST.setRelease(g.copies(), orphan, NO_COPIES);
            MemorySegment memory = memoryOf(g, location);
            contentMap().put(contentHash(memory, byteOffsetOf(location)), standIn);
            growCodes(standIn + 1);
            encode(standIn);
            standIns[i] = standIn;
        }
        // Inserted as inserts are, beside each other (on 128 gaussian dimensions 5.7% of 300,000
        // nodes were orphans). A stand-in can still end up unlinked, its neighbours' selection
        // dropping it again: it is linked back to as well, and a later pass catches what is left.
        pool.submit(() -> Arrays.stream(standIns).parallel().forEach(standIn -> {
            link(standIn);
            backlink(standIn);
        })).join();
        relinked += standIns.length;
        return changed;
    }

    /** Whether the node's nearest neighbour on the bottom layer (the first of its links, best first) links to it too. */
    private static boolean nearestLinksBack(ImmutableGraphIndex.View view, int node) {
        var links = view.getNeighborsIterator(0, node);
        if (!links.hasNext()) {
            return false;
        }
        for (var back = view.getNeighborsIterator(0, links.nextInt()); back.hasNext(); ) {
            if (back.nextInt() == node) {
                return true;
            }
        }
        return false;
    }

    /**
     * Walks the bottom layer to the node again, now that every node of the batch is in (its
     * nearest ones may have come after it and not kept it), links it to what the walk finds,
     * then links each of its neighbours back to it.
     */
    private void relink(int node) {
        relinkWalks.incrementAndGet();
        walkAndLink(node, 0, NO_INSERTS);
        backlink(node);
    }

    /** Links each of the node's bottom-layer neighbours back to it (jvector prunes a list that grows past its overflow). */
    private void backlink(int node) {
        NodeScores scores = new NodeScores(node);
        NodeArray neighbours = new NodeArray(2 * params.m());
        for (var it = graph.getNeighborsIterator(0, node); it.hasNext(); ) {
            int neighbour = it.nextInt();
            neighbours.insertSorted(neighbour, scores.similarityTo(neighbour));
        }
        graph.addEdges(0, node, neighbours, NEIGHBOR_OVERFLOW);
        backlinked.incrementAndGet();
    }

    private void insert(int node) {
        encode(node);
        link(node);
        indexed.incrementAndGet();
    }

    /**
     * Links the node into the heap graph as jvector's insert ({@code GraphIndexBuilder.addGraphNode})
     * does, but found by a {@link GraphWalk} rather than jvector's searcher (which scores one
     * neighbour at a time; 81% of a build was its search): a random top layer, the node's
     * candidates on each layer from the walk, plus every node other inserts are linking at the
     * same time (they cannot find each other yet), then jvector's neighbour selection and
     * backlinks ({@code addEdges}).
     */
    private void link(int node) {
        ImmutableGraphIndex.NodeAtLevel at = new ImmutableGraphIndex.NodeAtLevel(randomLevel(), node);
        graph.addNode(at);
        inserting.add(at);
        Object[] concurrent = inserting.toArray();
        try {
            walkAndLink(node, at.level, concurrent);
            graph.markComplete(at);
        } finally {
            inserting.remove(at);
        }
    }

    /**
     * The walk and linking of {@link #link} for a node already in the graph up to {@code level};
     * {@code concurrent} are the inserts under way beside it.
     */
    private void walkAndLink(int node, int level, Object[] concurrent) {
        Linking l = linkings.get();
        Nodes t = covering(nodes, node);
        long location = location(t, node);
        MemorySegment.copy(memoryOf(t, location), VectorKernels.FLOAT_LE, byteOffsetOf(location), l.row, 0, dim);
        QueryScores scores = new QueryScores(l.row, 0, t);
        // With int8 codes the walk finds the candidates on them; they are linked by exact scores.
        Codes c = codes;
        ScoreFunction walkScores = c != null && c.quantizer() instanceof ScalarCodes sq
                ? new ScalarCodeScores(l.row, 0, c, sq, scores) : scores;
        GraphWalk.LayerLinker linker = (layer, found) -> {
            if (walkScores != scores) {
                rescore(found, scores, l);
            }
            for (Object o : concurrent) {
                var other = (ImmutableGraphIndex.NodeAtLevel) o;
                if (other.node != node && other.level >= layer) {
                    found.insertSorted(other.node, scores.similarityTo(other.node));
                }
            }
            graph.addEdges(layer, node, found, NEIGHBOR_OVERFLOW);
        };
        ImmutableGraphIndex.View view = graph.getView();
        if (view.entryNode() == null) {
            l.found.clear();
            linker.link(0, l.found);
        } else {
            l.walk.insert(view, heapBottom, walkScores, prefetching, params.efConstruction(), node, level, l.found, linker);
        }
    }

    /** Replaces the estimates in {@code found} by exact similarities, three rows at a time, best first again. */
    private void rescore(NodeArray found, QueryScores exact, Linking l) {
        int count = found.size();
        if (l.nodes.length < count) {
            l.nodes = new int[count];
            l.scores = new float[count];
        }
        for (int i = 0; i < count; i++) {
            l.nodes[i] = found.getNode(i);
        }
        int i = 0;
        for (; i + 3 <= count; i += 3) {
            exact.similaritiesTo(l.nodes[i], l.nodes[i + 1], l.nodes[i + 2], exact.three);
            System.arraycopy(exact.three, 0, l.scores, i, 3);
        }
        for (; i < count; i++) {
            l.scores[i] = exact.similarityTo(l.nodes[i]);
        }
        found.clear();
        for (i = 0; i < count; i++) {
            found.insertSorted(l.nodes[i], l.scores[i]);
        }
    }

    /** HNSW's level for a new node, as jvector draws it: floor(-ln(u) / ln(bottom layer degree)). */
    private int randomLevel() {
        double u;
        do {
            u = ThreadLocalRandom.current().nextDouble();
        } while (u == 0.0);
        return (int) (-Math.log(u) / Math.log(2.0 * params.m()));
    }

    /** One insert thread's walk and buffers. */
    private final class Linking {
        final GraphWalk walk = new GraphWalk();
        /** The row being linked, copied once: the walk scores it three neighbours at a time (QueryScores). */
        final float[] row = new float[dim];
        final NodeArray found = new NodeArray(params.efConstruction());
        /** A layer's candidates and their exact scores, when the walk found them on int8 codes. */
        int[] nodes = new int[0];
        float[] scores = new float[0];
    }

    /** Makes room in the codes, if any, for nodes below {@code size}; before those nodes are published. */
    private void growCodes(int size) {
        Codes c = codes;
        if (c != null && c.capacity() < size) {
            codes = c.grown(size);
        }
    }

    /** Writes the codes of {@code node}'s row, if the index has codes; before the node enters the graph. */
    private void encode(int node) {
        Codes c = codes;
        if (c != null) {
            Nodes t = covering(nodes, node);
            c.quantizer().encode(rowOf(t, node), c.chunks()[c.chunkOf(node)], c.offsetOf(node));
        }
    }

    /**
     * Trains the codes the parameters ask for (product codes of pq_subspaces, or int8 scalar
     * codes) when they are not those yet and the table holds enough graph nodes, on a sample of
     * them all, and encodes the nodes below {@code inGraph} (those already in the graph; the rest
     * are encoded as they are inserted); then publishes the codes, from which on searches walk the
     * graph on them. True if the codes are now those asked for. The writer's.
     */
    private boolean trainIfDue(int inGraph) {
        AnnParams p = params;
        if (p.codeBytes(dim) == 0 || codesAre(p)) {
            return p.codeBytes(dim) != 0;
        }
        Nodes t = nodes;
        // Live graph nodes: a stand-in for an unreachable node is flagged removed yet holds its copies' live row.
        int[] graphNodes = IntStream.range(0, t.size())
                .filter(n -> t.graphNodes()[n] == n && (!t.removed()[n] || copiesOf(t, n).length > 0)).toArray();
        if (graphNodes.length < PQ_TRAIN_MIN) {
            return false;
        }
        int[] sample = graphNodes;
        if (graphNodes.length > PQ_TRAIN_SAMPLE) {
            sample = IntStream.range(0, PQ_TRAIN_SAMPLE).map(i -> graphNodes[(int) ((long) i * graphNodes.length / PQ_TRAIN_SAMPLE)]).toArray();
        }
        Quantizer quantizer = p.quantization() == Quantization.INT8 ? ScalarCodes.train(metric, new StoredRows(t, sample))
                : ProductCodes.train(new StoredRows(t, sample), p.pqSubspaces(), pool);
        Codes trained = Codes.empty(quantizer, t.size());
        // A node removed with no live copy may read memory already let go of: it keeps zero codes
        // (it only routes searches until it is purged, and is never returned).
        pool.submit(() -> IntStream.range(0, inGraph).filter(node -> !t.removed()[node] || copiesOf(t, node).length > 0)
                .parallel().forEach(node -> quantizer.encode(rowOf(t, node), trained.chunks()[trained.chunkOf(node)],
                        trained.offsetOf(node)))).join();
        codes = trained;
        return true;
    }

    /** Rows of the given nodes, as jvector's trainer reads them: copies, since they lie in the caller's memory. */
    private final class StoredRows implements RandomAccessVectorValues {
        private final Nodes table;
        private final int[] of;

        StoredRows(Nodes table, int[] of) {
            this.table = table;
            this.of = of;
        }

        @Override
        public int size() {
            return of.length;
        }

        @Override
        public int dimension() {
            return dim;
        }

        @Override
        public VectorFloat<?> getVector(int i) {
            return VECTOR_TYPES.createFloatVector(rowOf(table, of[i]));
        }

        @Override
        public boolean isValueShared() {
            return false;
        }

        @Override
        public RandomAccessVectorValues copy() {
            return this;
        }
    }

    private long contentHash(MemorySegment memory, long byteOffset) {
        long h = 1;
        for (int i = 0; i < dim; i++) {
            h = 31 * h + memory.get(INT_LE, byteOffset + (long) i * Float.BYTES);
        }
        return h;
    }

    /**
     * The content map, filled from the file's hashes on its first use: only inserts need it, so a
     * mount's searches do not wait for a million puts (0.3 s at 1M rows) before the graph serves them.
     */
    private LongIntMap contentMap() {
        long[] hashes = readHashes;
        if (hashes != null) {
            for (int node = 0; node < hashes.length; node++) {
                if (readGraphOf[node] != 0) {
                    byContent.put(hashes[node], node);
                }
            }
            readHashes = null;
            readGraphOf = null;
        }
        return byContent;
    }

    /** The graph node holding exactly the row at {@code byteOffset} of {@code memory} and still standing for a live row, or -1. */
    private int copyOf(Nodes t, long hash, MemorySegment memory, long byteOffset) {
        int candidate = contentMap().get(hash);
        if (candidate < 0 || (t.removed()[candidate] && copiesOf(t, candidate).length == 0)) {
            return -1;
        }
        long location = location(t, candidate);
        MemorySegment stored = memoryOf(t, location);
        long storedOffset = byteOffsetOf(location);
        long bytes = (long) dim * Float.BYTES;
        return MemorySegment.mismatch(memory, byteOffset, byteOffset + bytes, stored, storedOffset, storedOffset + bytes) < 0
                ? candidate : -1;
    }

    private static long location(Nodes t, int node) {
        return (long) LOCATION.getOpaque(t.locations(), node);
    }

    /** The segment that holds the row at a location: its upper 32 bits. */
    private static MemorySegment memoryOf(Nodes t, long location) {
        return t.memory()[(int) (location >>> 32)];
    }

    /** Where the row at a location starts in its segment: its lower 32 bits are the row number. */
    private long byteOffsetOf(long location) {
        return (location & 0xFFFF_FFFFL) * dim * Float.BYTES;
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

    private static Nodes emptyNodes(Metric metric) {
        return new Nodes(new long[0], new Object[0], new int[0], new int[0], new int[0][], new boolean[0],
                metric == Metric.COSINE ? new float[0] : null, 0, new MemorySegment[0], 0);
    }

    /** The same arrays with room for {@code capacity} nodes and {@code memoryCapacity} blocks, or bigger copies of them. */
    private static Nodes grow(Nodes t, int capacity, int memoryCapacity) {
        Nodes n = t;
        if (capacity > t.locations().length) {
            int length = Math.max(capacity, t.locations().length + (t.locations().length >>> 1));
            n = new Nodes(Arrays.copyOf(t.locations(), length), Arrays.copyOf(t.owners(), length),
                    Arrays.copyOf(t.rows(), length), Arrays.copyOf(t.graphNodes(), length), Arrays.copyOf(t.copies(), length), Arrays.copyOf(t.removed(), length),
                    t.inverseNorms() == null ? null : Arrays.copyOf(t.inverseNorms(), length), t.size(),
                    t.memory(), t.memoryCount());
        }
        if (memoryCapacity > n.memory().length) {
            int length = Math.max(memoryCapacity, n.memory().length + (n.memory().length >>> 1));
            n = new Nodes(n.locations(), n.owners(), n.rows(), n.graphNodes(), n.copies(), n.removed(), n.inverseNorms(), n.size(),
                    Arrays.copyOf(n.memory(), length), n.memoryCount());
        }
        return n;
    }

    /**
     * Removes {@code owner}'s rows: searches that start from now on never return them. A graph
     * node whose row is removed moves to a live copy's memory if it has one; else it is marked
     * deleted, to be taken out by {@link #purgeIfNeeded}. The block stays pinned until no search
     * can read it ({@link #releaseRetired}). False if the owner is not in the index.
     */
    public boolean remove(T owner) {
        Placed<T> p = placed.remove(owner);
        if (p == null) {
            return false;
        }
        Nodes t = nodes;
        boolean stillReached = false;
        int end = p.firstNode() + p.block().rows();
        for (int node = p.firstNode(); node < end; node++) {
            t.removed()[node] = true;
        }
        for (int node = p.firstNode(); node < end; node++) {
            int graphNode = t.graphNodes()[node];
            if (graphNode != node) {
                dropCopy(t, graphNode, node);
            }
            if (!t.removed()[graphNode] || location(t, graphNode) != location(t, node)) {
                // Its graph node lives on, in memory of another block.
                continue;
            }
            int live = -1;
            for (int copy : copiesOf(t, graphNode)) {
                if (!t.removed()[copy]) {
                    live = copy;
                    break;
                }
            }
            if (live >= 0) {
                // The same bits elsewhere: the graph node stays, reading the copy's memory.
                LOCATION.setOpaque(t.locations(), graphNode, location(t, live));
            } else if (graphNode < baseNodes) {
                // The base keeps the node; it routes on zeros from now on, so the block's memory can go after a grace period.
                LOCATION.setOpaque(t.locations(), graphNode, zeroLocation);
                baseDead++;
            } else {
                builder.markNodeDeleted(graphNode);
                deleted++;
                stillReached = true;
            }
        }
        indexed.addAndGet(-p.block().rows());
        dead += p.block().rows();
        retiring.add(new Retiring<>(p, stillReached ? purgeEpoch : -1));
        return true;
    }

    /**
     * Takes the heap graph's nodes marked deleted out of it once there are enough of them (1024,
     * or a tenth of the live rows), reconnecting their neighbours (jvector's removeDeletedNodes,
     * after FreshDiskANN); searches go on meanwhile. Until then deleted nodes still route
     * searches. Removed base nodes stay in the base until a rebuild.
     *
     * @return {@link #rebuildDue()}
     */
    public boolean purgeIfNeeded() {
        if (deleted > 0 && (deleted >= PURGE_BATCH || deleted * 10L >= indexed.get())) {
            purgeDeleted();
        }
        return rebuildDue();
    }

    /** jvector's removeDeletedNodes, inside an odd {@link #purgeEpoch}. */
    private void purgeDeleted() {
        purgeEpoch++;
        try {
            builder.removeDeletedNodes();
        } finally {
            purgeEpoch++;
        }
        purged += deleted;
        deleted = 0;
    }

    /**
     * Whether a {@link #rebuilt} index is due: so many node numbers are unused (more than twice
     * the live rows, and at least 1,000) that it would be a third of the size or less; or, beside
     * a base, the heap graph has grown larger than the base (two graphs searched cost more than
     * one) or half the base's nodes are dead. A rebuild reinserts every live row into one heap
     * graph (jvector 4.0.2 cannot insert into a mapped one): its cost is a build of the collection,
     * paid after as many inserts, or half as many removes, as the base holds nodes.
     */
    public boolean rebuildDue() {
        return (dead >= REBUILD_MIN && dead > 2L * indexed.get())
                || (base != null && (graph.size(0) > baseNodes || 2L * baseDead > baseNodes));
    }

    /**
     * Unpins the removed blocks no search can read any more: those the graph no longer reaches,
     * after a grace period for the searches that began before. Waits for those searches.
     *
     * @return how many blocks were unpinned
     */
    public int releaseRetired() {
        List<Retiring<T>> ready = new ArrayList<>();
        for (Retiring<T> r : retiring) {
            if (r.purgeNeeded() < purgeEpoch) {
                ready.add(r);
            }
        }
        if (ready.isEmpty()) {
            return 0;
        }
        awaitGrace();
        retiring.removeAll(ready);
        for (Retiring<T> r : ready) {
            r.placed().block().pin().unpin();
        }
        return ready.size();
    }

    /** Waits until every search that registered before the call has finished. */
    private void awaitGrace() {
        int old = phase;
        phase = 1 - old;
        while (searching.get(old) != 0) {
            // Searches take milliseconds; the writer can afford to sleep between looks.
            sleep(Duration.ofMillis(1));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for searches to finish");
        }
    }

    /**
     * Unpins every block, live or removed, after the searches running now have finished: the
     * index is no longer used (replaced, or the store closes). Nothing may be called afterwards.
     */
    public void close() {
        awaitGrace();
        if (base != null) {
            base.close();
        }
        for (Retiring<T> r : retiring) {
            r.placed().block().pin().unpin();
        }
        retiring.clear();
        for (Iterator<Placed<T>> it = placed.values().iterator(); it.hasNext(); ) {
            it.next().block().pin().unpin();
            it.remove();
        }
    }

    /**
     * Writes the index (docs/STORAGE.md, "ANN index files"): the live blocks by {@code keys},
     * every node's location, copy links and content hash, and the graph's links per level with
     * their similarities, so {@link #read} needs no distance computation. Nodes marked deleted
     * are purged first: every node left in the graph then reads memory of a live block, which a
     * later mount can map again. The writer's; searches go on meanwhile.
     *
     * @throws IllegalStateException if an insert was cut short (the graph lacks nodes the table holds)
     */
    public void write(IndexOutput out, Function<? super T, BlockKey> keys) throws IOException {
        if (incomplete) {
            throw new IllegalStateException("an insert into this index was cut short; it is rebuilt, not written");
        }
        if (deleted > 0) {
            purgeDeleted();
        }
        Nodes t = nodes;
        List<Placed<T>> live = new ArrayList<>(placed.values());
        live.sort((a, b) -> Integer.compare(a.firstNode(), b.firstNode()));
        Map<MemorySegment, Integer> blockOf = new IdentityHashMap<>();
        out.writeInt(t.size());
        out.writeInt(live.size());
        for (int i = 0; i < live.size(); i++) {
            Placed<T> p = live.get(i);
            BlockKey key = keys.apply(p.block().owner());
            if (key.rows() != p.block().rows()) {
                throw new IllegalArgumentException("key " + key + " does not name " + p.block().rows() + " rows");
            }
            blockOf.put(p.block().vectors(), i);
            out.writeLong(key.segment());
            out.writeLong(key.offset());
            out.writeInt(key.rows());
            out.writeInt(p.firstNode());
        }
        for (int node = 0; node < t.size(); node++) {
            long location = location(t, node);
            MemorySegment memory = memoryOf(t, location);
            Integer block = blockOf.get(memory);
            out.writeInt(block == null ? -1 : block);
            out.writeInt(block == null ? 0 : (int) location);
            out.writeInt(t.graphNodes()[node]);
            out.writeByte(t.removed()[node] ? 1 : 0);
            // Memory of a removed block may be unmapped already; only live blocks are read.
            out.writeLong(block == null ? 0 : contentHash(memory, byteOffsetOf(location)));
            if (t.inverseNorms() != null) {
                out.writeFloat(t.inverseNorms()[node]);
            }
        }
        // The base first, as read (its similarities as stored), then the heap's graph, if it has nodes.
        boolean heapGraph = graph.getView().entryNode() != null;
        out.writeInt((base == null ? 0 : 1) + (heapGraph || base == null ? 1 : 0));
        if (base != null) {
            writeGraph(out, base);
        }
        if (heapGraph || base == null) {
            writeGraph(out, graph);
        }
        Codes c = codes;
        out.writeInt(c == null ? 0 : c.bytes());
        if (c != null) {
            out.writeByte(c.quantizer() instanceof ScalarCodes ? SCALAR_CODES : PRODUCT_CODES);
            byte[] quantizer = c.quantizer().serialized();
            out.writeInt(quantizer.length);
            out.writeBytes(quantizer);
            for (int first = 0; first < t.size(); first += c.chunkNodes()) {
                int count = Math.min(c.chunkNodes(), t.size() - first);
                out.writeBytes(c.chunks()[c.chunkOf(first)], 0, count * c.bytes());
            }
        }
    }

    /** Nodes whose links are scored at once, on the pool's threads, before they are written in order. */
    private static final int WRITE_CHUNK = 4096;

    /**
     * One graph: its levels and entry node, then per level each node's links with their
     * similarities: as stored for the mapped base (no distance computed), computed by our kernels
     * for the heap's graph, a chunk of nodes at a time on the pool's threads (at 10M x 128 a
     * single thread took minutes).
     */
    private void writeGraph(IndexOutput out, ImmutableGraphIndex g) throws IOException {
        ImmutableGraphIndex.View view = g.getView();
        ImmutableGraphIndex.NodeAtLevel entry = view.entryNode();
        int levels = entry == null ? 0 : g.getMaxLevel() + 1;
        out.writeInt(levels);
        out.writeInt(entry == null ? -1 : entry.node);
        out.writeInt(entry == null ? 0 : entry.level);
        int[][] links = new int[WRITE_CHUNK][];
        float[][] similarities = new float[WRITE_CHUNK][];
        for (int level = 0; level < levels; level++) {
            int[] levelNodes = nodesOf(g.getNodes(level));
            out.writeInt(levelNodes.length);
            if (g instanceof MappedGraph m) {
                for (int node : levelNodes) {
                    // As read: a removed node's links are kept though its row now reads zeros.
                    long start = m.start(level, node);
                    int degree = m.degreeAt(start);
                    out.writeInt(node);
                    out.writeInt(degree);
                    for (int i = 0; i < degree; i++) {
                        out.writeInt(m.neighbourAt(start, i));
                        out.writeFloat(m.similarityAt(start, i));
                    }
                }
                continue;
            }
            int onLevel = level;
            for (int from = 0; from < levelNodes.length; from += WRITE_CHUNK) {
                int first = from;
                int last = Math.min(levelNodes.length, from + WRITE_CHUNK);
                pool.submit(() -> IntStream.range(first, last).parallel().forEach(i -> {
                    int node = levelNodes[i];
                    NodesIterator it = view.getNeighborsIterator(onLevel, node);
                    int[] neighbours = new int[Math.max(1, it.size())];
                    int count = 0;
                    while (it.hasNext()) {
                        if (count == neighbours.length) {
                            neighbours = Arrays.copyOf(neighbours, count * 2);
                        }
                        neighbours[count++] = it.nextInt();
                    }
                    NodeScores scores = new NodeScores(node);
                    float[] scored = new float[count];
                    for (int j = 0; j < count; j++) {
                        scored[j] = scores.similarityTo(neighbours[j]);
                    }
                    links[i - first] = Arrays.copyOf(neighbours, count);
                    similarities[i - first] = scored;
                })).join();
                for (int i = first; i < last; i++) {
                    out.writeInt(levelNodes[i]);
                    out.writeInt(links[i - first].length);
                    for (int j = 0; j < links[i - first].length; j++) {
                        out.writeInt(links[i - first][j]);
                        out.writeFloat(similarities[i - first][j]);
                    }
                }
            }
        }
    }

    /** Every node an iterator gives, counted as they come: the count written before a level must be the entries that follow. */
    private static int[] nodesOf(NodesIterator it) {
        int[] nodes = new int[16];
        int count = 0;
        while (it.hasNext()) {
            if (count == nodes.length) {
                nodes = Arrays.copyOf(nodes, count * 2);
            }
            nodes[count++] = it.nextInt();
        }
        return Arrays.copyOf(nodes, count);
    }

    /**
     * An index as {@link #write} left it, with its blocks matched to what is stored now:
     * {@code match} gives the block a key names (not yet pinned), or null when those rows are no
     * longer part of the collection (their file was removed or rewritten since). Rows of
     * unmatched blocks are removed as by {@link #remove} (the graph nodes that held them read a
     * row of zeros, and are never returned); so is a matched block whose pin fails. Checks the
     * graphs' links; the first graph becomes the base, searched where it lies in {@code in}'s
     * memory and never copied onto the heap; a second one (the heap's graph when the file was
     * written) is copied onto the heap with the similarities stored beside its links, so no
     * distance is computed, no vector read except through the copies' hashes kept in the file.
     *
     * @param version the file's version: 1 (one graph, no codes), 2 (one graph, product codes), 3 or 4 (a count of
     *                graphs, product codes), 5 (a count of graphs, codes of either kind)
     * @param arena the arena that maps {@code in}'s memory: the index owns it once this returns,
     *              and closes it when it no longer reads it (the caller closes it if this throws)
     * @throws CorruptIndexException if the input does not hold an index of this shape; every
     *                               block pinned before that is unpinned
     */
    public static <T> AnnIndex<T> read(Metric metric, int dim, AnnParams params, ForkJoinPool pool, IndexInput in, int version,
                                       Arena arena,
                                       Function<BlockKey, Block<T>> match) {
        List<Block<T>> pinned = new ArrayList<>();
        try {
            return read(metric, dim, params, pool, in, version, arena, match, pinned);
        } catch (RuntimeException failure) {
            // Found part way through (a file that passed its checksum: a rare corruption, or a
            // writer's bug): no index holds these blocks, so nothing would ever unpin them.
            for (Block<T> block : pinned) {
                block.pin().unpin();
            }
            throw failure;
        }
    }

    /** {@link #read}, adding each block it pins to {@code pinned}. */
    private static <T> AnnIndex<T> read(Metric metric, int dim, AnnParams params, ForkJoinPool pool, IndexInput in, int version,
                                        Arena arena, Function<BlockKey, Block<T>> match, List<Block<T>> pinned) {
        int size = in.readCount(Integer.MAX_VALUE - 16, "node count");
        int blockCount = in.readCount(size, "block count");
        List<Block<T>> blocks = new ArrayList<>(blockCount);
        int[] firstNodes = new int[blockCount];
        int[] blockRows = new int[blockCount];
        int[] memoryOf = new int[blockCount];
        boolean[] inBlock = new boolean[size];
        MemorySegment zeros = MemorySegment.ofArray(new byte[dim * Float.BYTES]);
        MemorySegment[] memory = new MemorySegment[blockCount + 1];
        int memoryCount = 0;
        int end = 0;
        for (int b = 0; b < blockCount; b++) {
            BlockKey key = new BlockKey(in.readLong(), in.readLong(), in.readCount(size, "block rows"));
            int first = in.readIndex(size + 1, "first node");
            if (first < end || (long) first + key.rows() > size) {
                throw new CorruptIndexException("block " + b + " at node " + first + " overlaps or runs past " + size + " nodes");
            }
            end = first + key.rows();
            Arrays.fill(inBlock, first, end, true);
            Block<T> block = match.apply(key);
            if (block != null && (block.rows() != key.rows() || block.vectors().byteSize() < (long) key.rows() * dim * Float.BYTES
                    || !block.pin().tryPin())) {
                block = null;
            }
            if (block != null) {
                pinned.add(block);
            }
            blocks.add(block);
            firstNodes[b] = first;
            blockRows[b] = key.rows();
            memoryOf[b] = block == null ? -1 : memoryCount;
            if (block != null) {
                memory[memoryCount++] = block.vectors();
            }
        }
        int zeroMemory = memoryCount;
        memory[memoryCount++] = zeros;
        Nodes t = grow(emptyNodes(metric), size, memoryCount);
        System.arraycopy(memory, 0, t.memory(), 0, memoryCount);
        long[] hashes = new long[size];
        for (int node = 0; node < size; node++) {
            int block = in.readInt();
            int row = in.readInt();
            if (block < -1 || block >= blockCount || row < 0 || (block >= 0 && row >= blockRows[block])) {
                throw new CorruptIndexException("node " + node + " lies at row " + row + " of block " + block);
            }
            if (block >= 0 && memoryOf[block] >= 0) {
                t.locations()[node] = (long) memoryOf[block] << 32 | row;
            } else {
                t.locations()[node] = (long) zeroMemory << 32;
            }
            t.graphNodes()[node] = in.readIndex(size, "graph node");
            t.removed()[node] = in.readByte() != 0;
            hashes[node] = in.readLong();
            if (t.inverseNorms() != null) {
                t.inverseNorms()[node] = in.readFloat();
            }
            if (!inBlock[node] && !t.removed()[node]) {
                throw new CorruptIndexException("node " + node + " is live and in no block");
            }
        }
        List<T> unmatched = new ArrayList<>();
        List<Placed<T>> placedBlocks = new ArrayList<>(blockCount);
        for (int b = 0; b < blockCount; b++) {
            Block<T> block = blocks.get(b);
            if (block == null) {
                // A stand-in owner for rows that are gone: placed only to be removed below, never returned.
                @SuppressWarnings("unchecked")
                T gone = (T) new Object();
                block = new Block<>(gone, zeros, blockRows[b], Pin.NONE);
                unmatched.add(gone);
            }
            placedBlocks.add(new Placed<>(block, firstNodes[b]));
            for (int i = 0; i < blockRows[b]; i++) {
                t.owners()[firstNodes[b] + i] = block.owner();
                t.rows()[firstNodes[b] + i] = i;
            }
        }
        for (int node = 0; node < size; node++) {
            int graphNode = t.graphNodes()[node];
            if (graphNode != node && !t.removed()[node]) {
                addCopy(t, graphNode, node);
            }
        }
        int graphCount = version < 3 ? 1 : in.readCount(2, "graph count");
        byte[] graphOf = new byte[size];
        int[] topLevel = new int[size];
        Arrays.fill(topLevel, -1);
        List<MappedGraph> graphs = new ArrayList<>(graphCount);
        for (int g = 1; g <= graphCount; g++) {
            graphs.add(readGraph(in, arena, t, size, params, dim, (byte) g, graphOf, topLevel));
        }
        for (int node = 0; node < size; node++) {
            if (graphOf[node] == 0 && t.graphNodes()[node] == node && !t.removed()[node]) {
                throw new CorruptIndexException("live node " + node + " is not in a graph");
            }
        }
        int baseNodes = 0;
        for (int node = size - 1; node >= 0 && baseNodes == 0; node--) {
            if (graphOf[node] == 1) {
                baseNodes = node + 1;
            }
        }
        for (int node = 0; node < baseNodes; node++) {
            if (graphOf[node] == 2) {
                throw new CorruptIndexException("node " + node + " of the second graph is numbered among the first's");
            }
        }
        AnnIndex<T> index = new AnnIndex<>(metric, dim, params, pool, graphs.getFirst(), baseNodes, (long) zeroMemory << 32);
        for (Placed<T> p : placedBlocks) {
            index.placed.put(p.block().owner(), p);
        }
        index.readHashes = hashes;
        index.readGraphOf = graphOf;
        int live = 0;
        for (int node = 0; node < size; node++) {
            if (!t.removed()[node]) {
                live++;
            }
        }
        index.nodes = new Nodes(t.locations(), t.owners(), t.rows(), t.graphNodes(), t.copies(), t.removed(), t.inverseNorms(),
                size, t.memory(), memoryCount);
        index.indexed.set(live);
        index.dead = size - live;
        int codeBytes = version > 1 ? in.readCount(ScalarCodes.rowBytes(dim), "code bytes") : 0;
        int kind = codeBytes == 0 ? 0 : version < 5 ? PRODUCT_CODES : in.readByte();
        if (codeBytes != 0 && kind != PRODUCT_CODES && (kind != SCALAR_CODES || codeBytes != ScalarCodes.rowBytes(dim))) {
            throw new CorruptIndexException("codes of kind " + kind + ", " + codeBytes + " bytes a node");
        }
        boolean asParams = kind == SCALAR_CODES ? params.quantization() == Quantization.INT8
                : params.quantization() == Quantization.NONE && codeBytes == params.pqSubspaces();
        // Codes of other settings (changed since the write) are left unread, the last thing before
        // the trailer: the graph is linked by exact scores whatever the codes, and the caller has new
        // ones trained (requantize) once the graph serves searches, which walk full vectors meanwhile.
        index.codesDroppedAtRead = codeBytes != 0 && !asParams;
        if (codeBytes != 0 && asParams) {
            byte[] serialized = in.readBytes(in.readCount(Integer.MAX_VALUE - 16, "quantizer bytes"));
            Quantizer quantizer = kind == SCALAR_CODES ? ScalarCodes.deserialize(serialized, metric, dim)
                    : ProductCodes.deserialize(serialized, dim, codeBytes);
            Codes stored = Codes.empty(quantizer, size);
            for (int first = 0; first < size; first += stored.chunkNodes()) {
                in.readBytes(stored.chunks()[stored.chunkOf(first)], 0, Math.min(stored.chunkNodes(), size - first) * codeBytes);
            }
            index.codes = stored;
        }
        if (graphCount == 2) {
            index.copyToHeap(graphs.get(1));
        }
        for (T gone : unmatched) {
            index.remove(gone);
        }
        index.restored = index.indexed.get();
        // Repaired before it was written.
        index.unrepaired = index.nodes.size();
        return index;
    }

    /**
     * One graph of the file, checked (each node in one graph only, on every level below its
     * top, never a copy; every neighbour a node number) and searched where it lies.
     */
    private static MappedGraph readGraph(IndexInput in, Arena arena, Nodes t, int size, AnnParams params, int dim, byte g,
                                         byte[] graphOf, int[] topLevel) {
        int levels = in.readCount(64, "level count");
        int entryNode = in.readInt();
        int entryLevel = in.readInt();
        int maxDegree = 4 * params.m();
        int[][] levelNodes = new int[levels][];
        long[][] levelStarts = new long[levels][];
        for (int level = 0; level < levels; level++) {
            int count = in.readCount(size, "level size");
            // One pass finds where each node's links start, checking every node and neighbour
            // number: searches then read the links where they lie.
            levelNodes[level] = new int[count];
            levelStarts[level] = new long[count];
            for (int i = 0; i < count; i++) {
                int node = in.readIndex(size, "graph node");
                if (t.graphNodes()[node] != node) {
                    throw new CorruptIndexException("node " + node + " is in the graph and a copy of " + t.graphNodes()[node]);
                }
                if (level == 0 ? graphOf[node] != 0 : graphOf[node] != g || topLevel[node] != level - 1) {
                    throw new CorruptIndexException("node " + node + " is on level " + level + " of graph " + g
                            + " but not once on each level below, in this graph only");
                }
                graphOf[node] = g;
                topLevel[node] = level;
                levelNodes[level][i] = node;
                levelStarts[level][i] = in.position();
                in.skipLinks(in.readCount(maxDegree, "degree"), size, "neighbour");
            }
        }
        ImmutableGraphIndex.NodeAtLevel entry = null;
        if (entryNode >= 0) {
            if (entryNode >= size || graphOf[entryNode] != g || topLevel[entryNode] != entryLevel) {
                throw new CorruptIndexException("entry node " + entryNode + " is not at level " + entryLevel + " of graph " + g);
            }
            entry = new ImmutableGraphIndex.NodeAtLevel(entryLevel, entryNode);
        } else if (levels > 0) {
            throw new CorruptIndexException(levels + " levels and no entry node");
        }
        return new MappedGraph(arena, in.segment(), size, dim, levelNodes, levelStarts, List.of(2 * params.m(), params.m()), entry);
    }

    /**
     * Copies a graph read from the file onto the heap's (empty) graph: ranges of nodes are
     * connected on the pool's threads, each list appended in the order it was stored (best
     * first; one found out of order is inserted where it belongs). Before the index is published.
     */
    private void copyToHeap(MappedGraph m) {
        ImmutableGraphIndex.NodeAtLevel entry = m.getView().entryNode();
        int levels = m.levels();
        int[] topLevel = new int[m.getIdUpperBound()];
        Arrays.fill(topLevel, -1);
        for (int level = 0; level < levels; level++) {
            int onLevel = level;
            int[] levelNodes = m.nodesAt(level);
            int ranges = Math.min(levelNodes.length, pool.getParallelism() * 8);
            pool.submit(() -> IntStream.range(0, ranges).parallel().forEach(r -> {
                for (int i = (int) ((long) levelNodes.length * r / ranges), last = (int) ((long) levelNodes.length * (r + 1) / ranges);
                     i < last; i++) {
                    int node = levelNodes[i];
                    graph.connectNode(onLevel, node, linksOf(m, m.start(onLevel, node)));
                    topLevel[node] = onLevel;
                }
            })).join();
        }
        for (int node = 0; node < topLevel.length; node++) {
            if (topLevel[node] >= 0) {
                graph.markComplete(new ImmutableGraphIndex.NodeAtLevel(topLevel[node], node));
            }
        }
        if (entry != null) {
            graph.updateEntryNode(entry);
        }
    }

    /** A node's links as {@link #write} stored them: best first, so each appends; one out of order is inserted where it belongs. */
    private static NodeArray linksOf(MappedGraph m, long start) {
        int degree = m.degreeAt(start);
        NodeArray links = new NodeArray(degree);
        for (int j = 0; j < degree; j++) {
            int neighbour = m.neighbourAt(start, j);
            float score = m.similarityAt(start, j);
            if (links.size() == 0 || score <= links.getScore(links.size() - 1)) {
                links.addInOrder(neighbour, score);
            } else {
                links.insertSorted(neighbour, score);
            }
        }
        return links;
    }

    /** A new index of the live blocks, in the order they were added, built on the same pool; this one is left as it was (close it). */
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
        return search(query, offset, k, ef, params.rerank(), accept);
    }

    /**
     * As {@link #search(float[], int, int, int, Predicate)}; once the index has codes (product or int8),
     * the graph is walked on them and the best {@code rerank} x k of the ef candidates are
     * re-ranked on their full vectors (all of them when ef is smaller).
     *
     * @throws IllegalArgumentException for k, ef or rerank below 1
     */
    public List<Hit<T>> search(float[] query, int offset, int k, int ef, int rerank, Predicate<? super T> accept) {
        Objects.checkFromIndexSize(offset, dim, query.length);
        Objects.requireNonNull(accept, "accept");
        if (k < 1 || ef < 1 || rerank < 1) {
            throw new IllegalArgumentException("k, ef and rerank must be at least 1, got k=" + k + ", ef=" + ef + ", rerank=" + rerank);
        }
        int registered;
        while (true) {
            registered = phase;
            searching.incrementAndGet(registered);
            if (phase == registered) {
                break;
            }
            // The writer flipped the phase meanwhile and may not wait for this one: register again.
            searching.decrementAndGet(registered);
        }
        try {
            for (int attempt = 1; ; attempt++) {
                long epoch = purgeEpoch;
                List<Hit<T>> hits = walk(query, offset, k, ef, rerank, accept);
                // A purge beside the walk may have taken nodes out from under it (jvector's
                // removeDeletedNodes moves the entry point, then clears the removed nodes' links): a
                // walk standing on one comes back short, even empty. Walk again, a few times at most.
                if (hits.size() == k || epoch == purgeEpoch && (epoch & 1) == 0 || attempt == WALKS_BESIDE_A_PURGE) {
                    return hits;
                }
            }
        } finally {
            searching.decrementAndGet(registered);
        }
    }

    /** One walk of the graphs (the base, then the heap's) for {@link #search}, registered already. */
    private List<Hit<T>> walk(float[] query, int offset, int k, int ef, int rerank, Predicate<? super T> accept) {
        GraphWalk walk = walks.get();
        // A view first, then the nodes: every node the view can reach was published before it.
        ImmutableGraphIndex.View heapView = graph.getView();
        QueryScores scores = new QueryScores(query, offset, nodes);
        Bits acceptNode = node -> scores.acceptsRowOrCopy(node, accept);
        Codes c = codes;
        Estimates estimates = c == null ? null : c.quantizer() instanceof ScalarCodes sq
                ? new ScalarCodeScores(query, offset, c, sq, scores) : new ProductCodeScores(query, offset, c, scores);
        SearchResult.NodeScore[] found = EMPTY;
        if (base != null) {
            found = searchView(walk, base.getView(), baseBottom, scores, estimates, acceptNode, k, ef, rerank);
        }
        if (heapView.entryNode() != null) {
            // The two graphs hold different nodes, and both lists are scored exactly: the best of both, best first.
            found = merged(found, searchView(walk, heapView, heapBottom, scores, estimates, acceptNode, k, ef, rerank));
        }
        List<Hit<T>> hits = new ArrayList<>(k);
        for (SearchResult.NodeScore n : found) {
            scores.addAccepted(n.node, accept, hits, k);
            for (int copy : copiesOf(scores.table, n.node)) {
                scores.addAccepted(copy, accept, hits, k);
            }
        }
        return hits;
    }

    /**
     * Whether graph searches overlap the cache misses of a node's unvisited neighbours: full rows
     * and int8 codes scored three at a time, product codes loaded ahead (see {@link GraphWalk}).
     */
    public static boolean isPrefetching() {
        return prefetching;
    }

    /** Switches neighbour prefetching for every index: answers are the same either way, only their speed differs. */
    public static void setPrefetching(boolean on) {
        prefetching = on;
    }

    private static final SearchResult.NodeScore[] EMPTY = new SearchResult.NodeScore[0];

    /** One graph's candidates, best first, scored exactly: by the walk itself, or, with codes, by re-ranking its best estimates. */
    private SearchResult.NodeScore[] searchView(GraphWalk walk, ImmutableGraphIndex.View view, GraphWalk.BottomLinks bottom,
                                                QueryScores scores, Estimates estimates, Bits acceptNode, int k, int ef, int rerank) {
        int beam = Math.max(k, ef);
        if (estimates == null) {
            return walk.search(view, bottom, scores, prefetching, k, beam, acceptNode);
        }
        return reranked(walk.search(view, bottom, estimates, prefetching, beam, beam, acceptNode),
                (int) Math.min(beam, (long) rerank * k), scores);
    }

    private static SearchResult.NodeScore[] merged(SearchResult.NodeScore[] a, SearchResult.NodeScore[] b) {
        if (a.length == 0) {
            return b;
        }
        SearchResult.NodeScore[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        Arrays.sort(all, (x, y) -> Float.compare(y.score, x.score));
        return all;
    }

    /**
     * The first {@code count} of {@code candidates} (best estimate first), scored on their full
     * vectors, best first: three at a time, as a walk scores neighbours, unless prefetch is off.
     */
    private SearchResult.NodeScore[] reranked(SearchResult.NodeScore[] candidates, int count, QueryScores exact) {
        SearchResult.NodeScore[] best = new SearchResult.NodeScore[Math.min(count, candidates.length)];
        int i = 0;
        if (prefetching) {
            for (; i + 3 <= best.length; i += 3) {
                exact.similaritiesTo(candidates[i].node, candidates[i + 1].node, candidates[i + 2].node, exact.three);
                for (int j = 0; j < 3; j++) {
                    best[i + j] = new SearchResult.NodeScore(candidates[i + j].node, exact.three[j]);
                }
            }
        }
        for (; i < best.length; i++) {
            best[i] = new SearchResult.NodeScore(candidates[i].node, exact.similarityTo(candidates[i].node));
        }
        Arrays.sort(best, (a, b) -> Float.compare(b.score, a.score));
        return best;
    }

    /**
     * The node table as of {@code node}: {@code t} if it already covers it, else the newest one,
     * which must (nodes are published before the graph can reach them).
     */
    private Nodes covering(Nodes t, int node) {
        return node < t.size() ? t : nodes;
    }

    /** A score function: one vector's similarity to stored nodes, read where they lie. Used by one thread. */
    private abstract class Scores implements ScoreFunction.ExactScoreFunction {
        Nodes table;
        /** The inverse norm of the vector compared (cosine only). */
        final float inverseNorm;

        Scores(Nodes table, float inverseNorm) {
            this.table = table;
            this.inverseNorm = inverseNorm;
        }

        /** The node's location, from the node table that covers it (which becomes this function's table). */
        final long locate(int node) {
            table = covering(table, node);
            return location(table, node);
        }

        /** The compared vector's squared distance to the row at byteOffset of memory. */
        abstract float squaredL2(MemorySegment memory, long byteOffset);

        /** The compared vector's dot product with the row at byteOffset of memory. */
        abstract float dot(MemorySegment memory, long byteOffset);

        /**
         * jvector's similarity to a stored node: what its EUCLIDEAN and COSINE functions
         * return. For dot, jvector's (1 + dot) / 2 would go negative for vectors that are not
         * unit length, and jvector treats similarities below 0 as "nothing found"; this keeps the
         * order of dot products and stays positive: 1 + dot, or 1 / (1 - dot) below 0.
         */
        @Override
        public final float similarityTo(int node) {
            long location = locate(node);
            MemorySegment memory = memoryOf(table, location);
            long byteOffset = byteOffsetOf(location);
            return similarity(node, metric == Metric.L2 ? squaredL2(memory, byteOffset) : dot(memory, byteOffset));
        }

        /** The similarity of a node (its table located already) whose squared distance (l2) or dot product (cosine, dot) is {@code raw}. */
        final float similarity(int node, float raw) {
            return switch (metric) {
                case L2 -> 1f / (1f + raw);
                case COSINE -> (1f + raw * inverseNorm * table.inverseNorms()[node]) / 2f;
                case DOT -> raw >= 0f ? 1f + raw : 1f / (1f - raw);
            };
        }
    }

    /**
     * A query's estimated similarity to each node, from the node's codes, mapped to similarities
     * as {@link Scores#similarityTo} maps exact ones (cosine with each node's exact norm).
     */
    private abstract class Estimates implements ScoreFunction.ApproximateScoreFunction {
        private Codes codes;
        final QueryScores exact;

        Estimates(Codes codes, QueryScores exact) {
            this.codes = codes;
            this.exact = exact;
        }

        /**
         * The codes that hold {@code node}: this search's, or the index's newer ones grown since
         * it began (published before the node) if they are of the same quantizer; null if codes
         * trained since ({@link #requantize}) hold it, which this query's table cannot read.
         */
        final Codes holding(int node) {
            if (node < codes.capacity()) {
                return codes;
            }
            Codes newer = AnnIndex.this.codes;
            if (newer == null || newer.quantizer() != codes.quantizer()) {
                return null;
            }
            codes = newer;
            return newer;
        }

        /** The similarity for an estimated squared distance (l2) or dot product (cosine, dot) of the query and {@code node}. */
        final float similarity(int node, float estimate) {
            return switch (metric) {
                case L2 -> 1f / (1f + Math.max(0f, estimate));
                case COSINE -> {
                    Nodes t = exact.table = covering(exact.table, node);
                    yield (1f + estimate * exact.inverseNorm * t.inverseNorms()[node]) / 2f;
                }
                case DOT -> estimate >= 0f ? 1f + estimate : 1f / (1f - estimate);
            };
        }
    }

    /**
     * Estimates from product codes: the table holds the query's distance (or dot product) to
     * every centroid, so a node costs one lookup a subspace.
     */
    private final class ProductCodeScores extends Estimates implements GraphWalk.Prefetching {
        private final float[] table;
        /** What the prefetched codes summed to: kept, so that the loads are made. */
        private int prefetched;

        ProductCodeScores(float[] query, int offset, Codes codes, QueryScores exact) {
            super(codes, exact);
            int subspaces = codes.bytes();
            float[][] slot = tables.get();
            if (slot[0].length < subspaces * ProductCodes.CLUSTERS) {
                slot[0] = new float[subspaces * ProductCodes.CLUSTERS];
            }
            this.table = slot[0];
            ((ProductCodes) codes.quantizer()).fillTable(metric, query, offset, table);
        }

        @Override
        public void prefetch(int node) {
            Codes c = holding(node);
            if (c == null) {
                return;
            }
            byte[] nodeCodes = c.chunks()[c.chunkOf(node)];
            int from = c.offsetOf(node);
            int sum = prefetched;
            for (int at = from; at < from + c.bytes(); at += CACHE_LINE) {
                sum += nodeCodes[at];
            }
            prefetched = sum;
        }

        @Override
        public float similarityTo(int node) {
            Codes c = holding(node);
            if (c == null) {
                // Exact instead of estimated: the same scale, and the candidates are re-ranked exactly anyway.
                return exact.similarityTo(node);
            }
            return similarity(node, ProductCodes.estimate(table, c.chunks()[c.chunkOf(node)], c.offsetOf(node), c.bytes()));
        }
    }

    /**
     * Estimates from scalar codes: the query encoded on the same grid, each node's codes compared
     * with it by an integer kernel, three at a time as full rows are ({@link GraphWalk.ScoringThree}).
     */
    private final class ScalarCodeScores extends Estimates implements GraphWalk.ScoringThree {
        private final ScalarCodes quantizer;
        private final short[] query;
        private final int[] raw = new int[3];

        ScalarCodeScores(float[] query, int offset, Codes codes, ScalarCodes quantizer, QueryScores exact) {
            super(codes, exact);
            this.quantizer = quantizer;
            this.query = queryCodes.get();
            quantizer.encodeQuery(query, offset, this.query);
        }

        @Override
        public float similarityTo(int node) {
            Codes c = holding(node);
            if (c == null) {
                return exact.similarityTo(node);
            }
            byte[] chunk = c.chunks()[c.chunkOf(node)];
            int at = c.offsetOf(node);
            int sum = metric == Metric.L2 ? VectorKernels.squaredDistanceCodes(query, chunk, at, c.bytes())
                    : VectorKernels.dotCodes(query, chunk, at, c.bytes());
            return similarity(node, quantizer.estimate(sum));
        }

        @Override
        public void similaritiesTo(int node0, int node1, int node2, float[] out) {
            Codes c0 = holding(node0);
            Codes c1 = holding(node1);
            Codes c2 = holding(node2);
            if (c0 == null || c1 == null || c2 == null) {
                out[0] = similarityTo(node0);
                out[1] = similarityTo(node1);
                out[2] = similarityTo(node2);
                return;
            }
            byte[] chunk0 = c0.chunks()[c0.chunkOf(node0)];
            byte[] chunk1 = c1.chunks()[c1.chunkOf(node1)];
            byte[] chunk2 = c2.chunks()[c2.chunkOf(node2)];
            if (metric == Metric.L2) {
                VectorKernels.squaredDistanceCodesThree(query, chunk0, c0.offsetOf(node0), chunk1, c1.offsetOf(node1), chunk2,
                        c2.offsetOf(node2), c0.bytes(), raw);
            } else {
                VectorKernels.dotCodesThree(query, chunk0, c0.offsetOf(node0), chunk1, c1.offsetOf(node1), chunk2,
                        c2.offsetOf(node2), c0.bytes(), raw);
            }
            out[0] = similarity(node0, quantizer.estimate(raw[0]));
            out[1] = similarity(node1, quantizer.estimate(raw[1]));
            out[2] = similarity(node2, quantizer.estimate(raw[2]));
        }
    }

    /** A query's similarity to each node, and which of its rows a search may return. */
    private final class QueryScores extends Scores implements GraphWalk.ScoringThree {
        private final float[] query;
        private final int offset;
        /** Where a rerank takes three scores at a time. */
        final float[] three = new float[3];

        QueryScores(float[] query, int offset, Nodes table) {
            super(table, metric == Metric.COSINE ? inverseNorm(VectorKernels.squaredNorm(query, offset, dim)) : 0f);
            this.query = query;
            this.offset = offset;
        }

        @Override
        public void similaritiesTo(int node0, int node1, int node2, float[] out) {
            // Each row where similarityTo would read it: located in the table that covers it.
            long location0 = locate(node0);
            MemorySegment memory0 = memoryOf(table, location0);
            long location1 = locate(node1);
            MemorySegment memory1 = memoryOf(table, location1);
            long location2 = locate(node2);
            MemorySegment memory2 = memoryOf(table, location2);
            if (metric == Metric.L2) {
                VectorKernels.squaredL2Three(query, offset, memory0, byteOffsetOf(location0), memory1, byteOffsetOf(location1),
                        memory2, byteOffsetOf(location2), dim, out);
            } else {
                VectorKernels.dotThree(query, offset, memory0, byteOffsetOf(location0), memory1, byteOffsetOf(location1),
                        memory2, byteOffsetOf(location2), dim, out);
            }
            // The table now covers all three (tables only grow), as it would after scoring them one by one.
            out[0] = similarity(node0, out[0]);
            out[1] = similarity(node1, out[1]);
            out[2] = similarity(node2, out[2]);
        }

        @Override
        float squaredL2(MemorySegment memory, long byteOffset) {
            return VectorKernels.squaredL2(query, offset, memory, byteOffset, dim);
        }

        @Override
        float dot(MemorySegment memory, long byteOffset) {
            return VectorKernels.dot(query, offset, memory, byteOffset, dim);
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
                hits.add(new Hit<>((T) table.owners()[node], table.rows()[node]));
            }
        }
    }

    /**
     * A stored node's similarity to each node, both rows read where they lie (jvector asks for
     * one of these per candidate of every neighbour selection, so a copy of the row each time
     * would cost as much as the comparisons): what inserts, neighbour selection and repairs compare.
     */
    private final class NodeScores extends Scores {
        private final MemorySegment memory;
        private final long byteOffset;

        NodeScores(int node) {
            this(covering(nodes, node), node);
        }

        private NodeScores(Nodes table, int node) {
            super(table, table.inverseNorms() == null ? 0f : table.inverseNorms()[node]);
            long location = location(table, node);
            this.memory = memoryOf(table, location);
            this.byteOffset = byteOffsetOf(location);
        }

        @Override
        float squaredL2(MemorySegment rows, long rowOffset) {
            return VectorKernels.squaredL2(memory, byteOffset, rows, rowOffset, dim);
        }

        @Override
        float dot(MemorySegment rows, long rowOffset) {
            return VectorKernels.dot(memory, byteOffset, rows, rowOffset, dim);
        }
    }

    private static float inverseNorm(float squaredNorm) {
        return squaredNorm == 0f ? 0f : (float) (1.0 / Math.sqrt(squaredNorm));
    }

    /** A copy of the stored row of {@code node}. */
    private float[] rowOf(Nodes table, int node) {
        long location = location(table, node);
        float[] row = new float[dim];
        MemorySegment.copy(memoryOf(table, location), VectorKernels.FLOAT_LE,
                byteOffsetOf(location), row, 0, dim);
        return row;
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
            float[] sum = new float[dim];
            for (int node = 0; node < t.size(); node++) {
                float[] row = rowOf(t, node);
                for (int i = 0; i < dim; i++) {
                    sum[i] += row[i];
                }
            }
            for (int i = 0; i < dim; i++) {
                sum[i] /= Math.max(1, t.size());
            }
            return VECTOR_TYPES.createFloatVector(sum);
        }

        /** Only {@link GraphIndexBuilder#addGraphNode(int, VectorFloat)} asks for this, which this index does not call. */
        @Override
        public SearchScoreProvider searchProviderFor(VectorFloat<?> vector) {
            float[] copy = new float[dim];
            for (int i = 0; i < dim; i++) {
                copy[i] = vector.get(i);
            }
            return new DefaultSearchScoreProvider(new QueryScores(copy, 0, nodes));
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
