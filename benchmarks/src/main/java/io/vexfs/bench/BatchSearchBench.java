package io.vexfs.bench;

import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.BatchSplit;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Exact search as the mount runs it, without the mount: one collection of random vectors in
 * native memory (as mapped segment files hand them out), l2, k = 10. The secondary result
 * "queries" is queries answered per second.
 * <ul>
 *   <li>{@code single}: one query per call, the per-row scan (what a single query file costs).</li>
 *   <li>{@code batch}: {@value #BATCH} queries in one call, the tiled scan, on {@code threads}
 *       threads split as {@code split} says: which split is faster decides
 *       {@link SearchOptions#DEFAULT_BATCH_SPLIT}.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class BatchSearchBench {
    static final int BATCH = 512;
    static final int K = 10;

    /** The stored vectors and the queries. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"100000x128", "1000000x128", "60000x784"})
        public String shape;

        int dim;
        List<SearchEntry> entries;
        float[] queries;
        private Arena arena;

        @Setup
        public void setUp() {
            VectorKernels.setSimd(true);
            String[] parts = shape.split("x");
            int rows = Integer.parseInt(parts[0]);
            dim = Integer.parseInt(parts[1]);
            Random random = new Random(42);
            arena = Arena.ofShared();
            MemorySegment stored = arena.allocate((long) rows * dim * Float.BYTES, 64);
            for (long i = 0; i < (long) rows * dim; i++) {
                stored.setAtIndex(VectorKernels.FLOAT_LE, i, (float) random.nextGaussian());
            }
            entries = List.of(new SearchEntry("base.fvecs", stored, rows, true));
            queries = new float[BATCH * dim];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = (float) random.nextGaussian();
            }
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }
    }

    /** A search pool like the mount's (io_threads), and how batches use it. */
    @State(Scope.Benchmark)
    public static class Threads {
        @Param({"1", "2"})
        public int threads;

        @Param({"ROWS", "QUERIES"})
        public BatchSplit split;

        SearchOptions options;
        private ExecutorService pool;

        @Setup
        public void setUp() {
            pool = threads == 1 ? null : Executors.newFixedThreadPool(threads);
            options = new SearchOptions(pool, threads, true, split);
        }

        @TearDown
        public void tearDown() {
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /** Queries answered, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Answered {
        public double queries;

        @Setup(Level.Iteration)
        public void reset() {
            queries = 0;
        }
    }

    @Benchmark
    public Object batch(Data data, Threads threads, Answered answered) {
        Object hits = FlatSearch.search(Metric.L2, data.dim, data.queries, BATCH, K, data.entries, threads.options).hits();
        answered.queries += BATCH;
        return hits;
    }

    @Benchmark
    public Object single(Data data, Answered answered) {
        Object hits = FlatSearch.search(Metric.L2, data.dim, data.queries, 1, K, data.entries, SearchOptions.CALLER_THREAD).hits();
        answered.queries += 1;
        return hits;
    }
}
