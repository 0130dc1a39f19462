package io.vexfs.bench;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult.NodeScore;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import io.vexfs.core.index.HnswIndex;
import io.vexfs.core.index.HnswParams;
import io.vexfs.core.index.IndexHit;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;
import io.vexfs.core.search.SearchResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.LongPredicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Queries per second, one query per call on one thread, for 100,000 random 128-d vectors (l2):
 * HnswIndex at several ef, exact FlatSearch, and jvector's graph index as a peer. Every fork
 * makes the same data (fixed seed). Each graph is built, on one thread, in its state's setup,
 * which prints the measured build time and the recall@10 against FlatSearch over the 1,000
 * queries the benchmark cycles through.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx6g"})
public class HnswBench {
    static final int ROWS = 100_000;
    static final int DIM = 128;
    static final int QUERIES = 1_000;
    static final int K = 10;
    static final int M = 16;
    static final int EF_CONSTRUCTION = 100;
    private static final LongPredicate ALL = id -> true;

    /** The stored vectors, the queries and their exact ten nearest rows. */
    @State(Scope.Benchmark)
    public static class Data {
        float[] stored;
        float[][] queries;
        List<SearchEntry> entries;
        int[][] exact;

        @Setup
        public void setUp() {
            Random random = new Random(42);
            stored = gaussian(random, ROWS * DIM);
            queries = new float[QUERIES][];
            for (int q = 0; q < QUERIES; q++) {
                queries[q] = gaussian(random, DIM);
            }
            entries = List.of(new SearchEntry("base.fvecs", MemorySegment.ofArray(stored), ROWS, true));
            exact = new int[QUERIES][];
            for (int q = 0; q < QUERIES; q++) {
                exact[q] = FlatSearch.search(Metric.L2, DIM, queries[q], 1, K, entries, SearchOptions.CALLER_THREAD)
                        .hits().getFirst().stream().mapToInt(Hit::row).toArray();
            }
        }

        /** The fraction of the exact ten found by {@code search}, which gives the rows it returned for a query number. */
        double recall(IntFunction<int[]> search) {
            int found = 0;
            for (int q = 0; q < QUERIES; q++) {
                for (int row : search.apply(q)) {
                    for (int truth : exact[q]) {
                        found += row == truth ? 1 : 0;
                    }
                }
            }
            return (double) found / (QUERIES * K);
        }

        private static float[] gaussian(Random random, int count) {
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = (float) random.nextGaussian();
            }
            return values;
        }
    }

    /** Which query comes next, per thread. */
    @State(Scope.Thread)
    public static class Cursor {
        private int next;

        int next() {
            int q = next;
            next = q + 1 == QUERIES ? 0 : q + 1;
            return q;
        }
    }

    @State(Scope.Benchmark)
    public static class Hnsw {
        @Param({"32", "64", "128"})
        public int ef;
        HnswIndex index;

        @Setup
        public void build(Data data) {
            long start = System.nanoTime();
            index = new HnswIndex(Metric.L2, DIM, HnswParams.DEFAULTS.withM(M).withEfConstruction(EF_CONSTRUCTION));
            for (int row = 0; row < ROWS; row++) {
                index.add(row, data.stored, row * DIM);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double recall = data.recall(q -> index.search(data.queries[q], 0, K, ef, ALL).stream().mapToInt(hit -> (int) hit.id()).toArray());
            System.out.printf("%nHnswIndex: built %d x %d (m=%d, ef_construction=%d) in %.1f s, %.0f vectors/s on one thread; recall@10 at ef=%d: %.4f%n",
                    ROWS, DIM, M, EF_CONSTRUCTION, seconds, ROWS / seconds, ef, recall);
        }
    }

    @State(Scope.Benchmark)
    public static class Jvector {
        @Param({"32", "64", "128"})
        public int ef;
        RandomAccessVectorValues vectors;
        VectorFloat<?>[] queries;
        OnHeapGraphIndex graph;

        @Setup
        public void build(Data data) {
            VectorTypeSupport types = VectorizationProvider.getInstance().getVectorTypeSupport();
            List<VectorFloat<?>> rows = new ArrayList<>(ROWS);
            for (int row = 0; row < ROWS; row++) {
                float[] copy = new float[DIM];
                System.arraycopy(data.stored, row * DIM, copy, 0, DIM);
                rows.add(types.createFloatVector(copy));
            }
            vectors = new ListRandomAccessVectorValues(rows, DIM);
            queries = new VectorFloat<?>[QUERIES];
            for (int q = 0; q < QUERIES; q++) {
                queries[q] = types.createFloatVector(data.queries[q].clone());
            }
            long start = System.nanoTime();
            // One thread, as HnswIndex builds; jvector's defaults otherwise (overflow 1.2, alpha 1.2, hierarchy).
            ForkJoinPool oneThread = new ForkJoinPool(1);
            try (GraphIndexBuilder builder = new GraphIndexBuilder(BuildScoreProvider.randomAccessScoreProvider(vectors, VectorSimilarityFunction.EUCLIDEAN),
                    DIM, M, EF_CONSTRUCTION, 1.2f, 1.2f, true, true, oneThread, oneThread)) {
                graph = builder.build(vectors);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                oneThread.shutdown();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double recall;
            try (GraphSearcher searcher = new GraphSearcher(graph)) {
                recall = data.recall(q -> rows(search(searcher, q)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.printf("%njvector: built %d x %d (m=%d, beam width=%d) in %.1f s, %.0f vectors/s on one thread; recall@10 at rerankK=%d: %.4f%n",
                    ROWS, DIM, M, EF_CONSTRUCTION, seconds, ROWS / seconds, ef, recall);
        }

        io.github.jbellis.jvector.graph.SearchResult search(GraphSearcher searcher, int q) {
            return searcher.search(DefaultSearchScoreProvider.exact(queries[q], VectorSimilarityFunction.EUCLIDEAN, vectors), K, ef, 0f, 0f, Bits.ALL);
        }

        private static int[] rows(io.github.jbellis.jvector.graph.SearchResult result) {
            NodeScore[] nodes = result.getNodes();
            int[] rows = new int[nodes.length];
            for (int i = 0; i < nodes.length; i++) {
                rows[i] = nodes[i].node;
            }
            return rows;
        }
    }

    /** A jvector searcher keeps scratch, like HnswIndex's per-thread scratch: one per thread. */
    @State(Scope.Thread)
    public static class JvectorSearcher {
        GraphSearcher searcher;

        @Setup
        public void open(Jvector jvector) {
            searcher = new GraphSearcher(jvector.graph);
        }

        @TearDown
        public void close() throws IOException {
            searcher.close();
        }
    }

    @Benchmark
    public List<IndexHit> hnsw(Hnsw hnsw, Data data, Cursor cursor) {
        return hnsw.index.search(data.queries[cursor.next()], 0, K, hnsw.ef, ALL);
    }

    /** Exact search on the calling thread: the baseline every ef is measured against. */
    @Benchmark
    public SearchResult flat(Data data, Cursor cursor) {
        return FlatSearch.search(Metric.L2, DIM, data.queries[cursor.next()], 1, K, data.entries, SearchOptions.CALLER_THREAD);
    }

    @Benchmark
    public io.github.jbellis.jvector.graph.SearchResult jvector(Jvector jvector, JvectorSearcher searcher, Cursor cursor) {
        return jvector.search(searcher.searcher, cursor.next());
    }
}
