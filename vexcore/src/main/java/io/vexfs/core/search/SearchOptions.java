package io.vexfs.core.search;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How to run a search. {@code parallelism} is the number of parts the stored rows are split
 * into, each with its own top-k, merged at the end; with a null {@code executor} all parts run
 * one after another on the calling thread, otherwise all but the first run on the executor.
 * A batch on the tiled scan with an executor is shared as {@code batchSplit} says (by rows into
 * those parts, or by blocks of queries among that many threads).
 * {@code reuseScratch} (the {@code scratch} toggle) keeps top-k heaps and buffers per thread
 * across searches instead of allocating them for each one; the answers are the same.
 */
public record SearchOptions(Executor executor, int parallelism, boolean reuseScratch, BatchSplit batchSplit) {
    /** Work below which a part is not worth a thread: 1 MiB of floats compared per query. */
    private static final long MIN_FLOATS_PER_PART = 1 << 18;

    /**
     * How batches split when nobody says. Measured with BatchSearchBench.batch (512 queries, l2,
     * k = 10, 2 threads, queries answered per second, median of 5 iterations), rows : queries:
     * 100k x 128 9175 : 11314, 1M x 128 1102 : 1060, 60k x 784 3003 : 2792 (30 Nov 2026,
     * kernel e9e038b); an earlier run had 100k x 128 10243 : 8394 (error +-13298) and 60k x 784
     * 3067 : 3120. Rows wins on the large collection and on 784 dimensions; on 100k x 128 the
     * two runs disagree, so the difference there is within the noise of this shared machine.
     */
    public static final BatchSplit DEFAULT_BATCH_SPLIT = BatchSplit.ROWS;

    public static final SearchOptions CALLER_THREAD = new SearchOptions(null, 1, true);

    public SearchOptions {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        Objects.requireNonNull(batchSplit, "batchSplit");
    }

    public SearchOptions(Executor executor, int parallelism, boolean reuseScratch) {
        this(executor, parallelism, reuseScratch, DEFAULT_BATCH_SPLIT);
    }

    /** A part count for a collection of {@code rows} vectors: no more than {@code maxThreads}, none too small to pay off. */
    public static int suggestedParallelism(long rows, int dim, int maxThreads) {
        return suggestedParallelism(rows, dim, 1, maxThreads);
    }

    /** As {@link #suggestedParallelism(long, int, int)} for a batch of {@code queries}: a batch is that many times the work. */
    public static int suggestedParallelism(long rows, int dim, int queries, int maxThreads) {
        long parts = rows * dim * Math.max(1, queries) / MIN_FLOATS_PER_PART;
        return (int) Math.max(1, Math.min(maxThreads, parts));
    }
}
