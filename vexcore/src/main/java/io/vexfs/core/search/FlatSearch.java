package io.vexfs.core.search;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Exact nearest-neighbour search: every stored vector against every query.
 *
 * <p>A batch of {@link #MIN_TILED_QUERIES} or more queries takes the tiled scan
 * ({@link TiledScan}): a blocked matrix multiply whose candidates are re-ranked with the
 * per-row kernels, so it answers exactly as the per-row scan below would, only faster. The
 * per-row scan answers smaller batches, and batches with a query whose norm the candidate
 * bounds do not cover.
 *
 * <p>A batch of queries is answered in passes: each pass takes a block of queries small enough
 * to stay in cache and streams the stored vectors once, comparing each group of consecutive
 * stored vectors with every query of the block while the group is in L2, through the multi-row
 * kernels (one call per query and group). Memory is read once per block of queries, not once per
 * query, and the top-k heaps only ever hold one block's queries, however large the batch. The stored rows are split into parts of equal row count (a part may begin or end inside
 * a file, so one huge file is split too); each part keeps its own top-k per query, and the parts
 * are merged at the end. Ties order by path, then row, so the answer is the same however the
 * work was split, whichever kernels ran, and whether scratch was reused.
 */
public final class FlatSearch {
    /** Queries per pass: 64 KiB of them stays in L2 beside the stored vector being compared. */
    private static final int QUERY_BLOCK_FLOATS = 16 * 1024;
    /**
     * Stored values per kernel call: 64 KiB stays in L2 beside the query block, and is long
     * enough for the two sequential streams the multi-row kernels read to keep the prefetchers
     * ahead (calls of a few rows leave the memory-bound scan well short of the bandwidth).
     */
    private static final int ROW_GROUP_FLOATS = 16 * 1024;
    /**
     * Batches from this many queries take the tiled scan. Measured on 100k x 128, one thread: 4
     * queries ran at 500 q/s tiled against 400 per row, 2 queries at 250 against 320 (the tiled
     * scan pays for copying each row and its norm whatever the batch size).
     */
    static final int MIN_TILED_QUERIES = 4;
    /** Queries per pass of the tiled scan: the rows are read from memory once per pass. */
    private static final int TILED_QUERY_BLOCK = 512;
    /** Candidate slots a thread's tiled scan may hold for one block of queries. */
    private static final int TILED_CANDIDATES_PER_BLOCK = 1 << 19;

    private FlatSearch() {
    }

    /**
     * Searches {@code queryCount} queries, row-major in {@code queries}, for their {@code k}
     * nearest stored vectors.
     *
     * @throws IllegalArgumentException for a dimension, k or query count out of range, an entry
     *     whose values are not rows * dim, or a zero query under cosine
     */
    public static SearchResult search(Metric metric, int dim, float[] queries, int queryCount, int k,
                                      List<SearchEntry> entries, SearchOptions options) {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(options, "options");
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (queryCount < 0 || (long) queryCount * dim > queries.length) {
            throw new IllegalArgumentException(queryCount + " queries of dimension " + dim + " do not fit in " + queries.length + " values");
        }
        List<SearchEntry> stored = entries instanceof RandomAccess ? entries : List.copyOf(entries);
        long totalRows = 0;
        for (SearchEntry entry : stored) {
            if ((long) entry.rows() * dim * Float.BYTES != entry.vectors().byteSize()) {
                throw new IllegalArgumentException(entry.path() + ": " + entry.vectors().byteSize() + " bytes are not "
                        + entry.rows() + " vectors of dimension " + dim);
            }
            totalRows += entry.rows();
        }
        if (queryCount == 0) {
            return new SearchResult(List.of(), 0, 0, 0);
        }
        SearchScratch callerScratch = SearchScratch.acquire(options.reuseScratch());
        try {
            boolean tiledBatch = queryCount >= MIN_TILED_QUERIES;
            float[] queryNorms = metric == Metric.COSINE || tiledBatch ? queryNorms(metric, queries, queryCount, dim, callerScratch) : null;
            CandidateBounds bounds = tiledBatch ? tiledBounds(metric, dim, queryNorms, queryCount) : null;
            Scan scan = new Scan(metric, dim, queries, queryNorms, k, stored, bounds);
            int queryBlock = bounds == null ? Math.max(1, QUERY_BLOCK_FLOATS / dim) : tiledQueryBlock(k);
            if (bounds != null && options.executor() != null && options.parallelism() > 1
                    && options.batchSplit() == BatchSplit.QUERIES) {
                int perThread = (queryCount + options.parallelism() - 1) / options.parallelism();
                int lanes = VectorKernels.lanes();
                queryBlock = Math.min(queryBlock, (perThread + lanes - 1) / lanes * lanes);
                List<List<Hit>> hits = searchQueryBlocks(scan, split(stored, totalRows, 1), queryCount, queryBlock, options,
                        callerScratch);
                return new SearchResult(hits, totalRows, totalRows * queryCount, (queryCount + queryBlock - 1) / queryBlock);
            }
            int passes = (queryCount + queryBlock - 1) / queryBlock;
            Split split = split(stored, totalRows, (int) Math.max(1, Math.min(options.parallelism(), totalRows)));
            List<List<Hit>> hits = new ArrayList<>(queryCount);
            for (int from = 0; from < queryCount; from += queryBlock) {
                int to = Math.min(queryCount, from + queryBlock);
                QueryPanels panels = null;
                if (bounds != null) {
                    panels = callerScratch.panels;
                    panels.pack(queries, queryNorms, from, to - from, dim, bounds);
                }
                merge(scan, scanParts(scan, panels, split, from, to, options, callerScratch), to - from, callerScratch, hits);
            }
            return new SearchResult(hits, totalRows, totalRows * queryCount, passes);
        } finally {
            callerScratch.release();
        }
    }

    /**
     * The tiled scan with threads sharing out blocks of queries, each block over all rows (one
     * part); the calling thread takes blocks too, in its own scratch, each pool thread in one it
     * acquires for the search.
     */
    private static List<List<Hit>> searchQueryBlocks(Scan scan, Split whole, int queryCount, int queryBlock, SearchOptions options,
                                                     SearchScratch callerScratch) {
        int blocks = (queryCount + queryBlock - 1) / queryBlock;
        List<List<List<Hit>>> answers = new ArrayList<>(Collections.nCopies(blocks, null));
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int t = 1; t < Math.min(options.parallelism(), blocks); t++) {
            running.add(CompletableFuture.runAsync(() -> {
                SearchScratch scratch = SearchScratch.acquire(options.reuseScratch());
                try {
                    searchBlocks(scan, whole, queryCount, queryBlock, next, scratch, answers);
                } finally {
                    scratch.release();
                }
            }, options.executor()));
        }
        Throwable failure = null;
        try {
            searchBlocks(scan, whole, queryCount, queryBlock, next, callerScratch, answers);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (CompletableFuture<Void> f : running) {
            try {
                f.join();
            } catch (CompletionException e) {
                failure = failure == null ? e.getCause() : failure;
            }
        }
        if (failure != null) {
            if (failure instanceof Error error) {
                throw error;
            }
            throw failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
        }
        List<List<Hit>> hits = new ArrayList<>(queryCount);
        answers.forEach(hits::addAll);
        return hits;
    }

    /** Takes the next unclaimed block of queries until none is left; each block's hits go to its slot of answers. */
    private static void searchBlocks(Scan scan, Split whole, int queryCount, int queryBlock, AtomicInteger next, SearchScratch scratch,
                                     List<List<List<Hit>>> answers) {
        int blocks = answers.size();
        for (int b = next.getAndIncrement(); b < blocks; b = next.getAndIncrement()) {
            int from = b * queryBlock;
            int to = Math.min(queryCount, from + queryBlock);
            scratch.panels.pack(scan.queries(), scan.queryNorms(), from, to - from, scan.dim(), scan.bounds());
            scan.run(scratch, scratch.panels, whole, 0, from, to);
            List<List<Hit>> hits = new ArrayList<>(to - from);
            merge(scan, new SearchScratch[] {scratch}, to - from, scratch, hits);
            synchronized (answers) {
                answers.set(b, hits);
            }
        }
    }

    /** The bounds of the tiled scan, or null when a query's norm is outside them (the per-row scan then answers). */
    private static CandidateBounds tiledBounds(Metric metric, int dim, float[] queryNorms, int queryCount) {
        CandidateBounds bounds = new CandidateBounds(metric, dim);
        for (int q = 0; q < queryCount; q++) {
            if (!bounds.safeQuery(queryNorms[q])) {
                return null;
            }
        }
        return bounds;
    }

    /** Queries per pass of the tiled scan: as many as keep each thread's candidate lists within a few MiB. */
    private static int tiledQueryBlock(int k) {
        int lanes = VectorKernels.lanes();
        int fit = TILED_CANDIDATES_PER_BLOCK / TiledScan.candidateCapacity(k);
        return Math.max(lanes, Math.min(TILED_QUERY_BLOCK, fit / lanes * lanes));
    }

    private static float[] queryNorms(Metric metric, float[] queries, int queryCount, int dim, SearchScratch scratch) {
        float[] norms = scratch.queryNorms(queryCount);
        for (int q = 0; q < queryCount; q++) {
            if (metric == Metric.COSINE && Metric.isZero(queries, q * dim, dim)) {
                throw new IllegalArgumentException("query " + q + " is a zero vector, which has no cosine distance");
            }
            norms[q] = VectorKernels.squaredNorm(queries, q * dim, dim);
        }
        return norms;
    }

    /** Where each part starts, as (entry, row); part p ends where p + 1 starts, the last at (entries, 0). */
    private record Split(int[] entries, int[] rows) {
        int parts() {
            return entries.length - 1;
        }
    }

    private static Split split(List<SearchEntry> stored, long totalRows, int parts) {
        int[] startEntries = new int[parts + 1];
        int[] startRows = new int[parts + 1];
        startEntries[parts] = stored.size();
        int part = 1;
        long rowsBefore = 0;
        for (int e = 0; e < stored.size() && part < parts; e++) {
            int rows = stored.get(e).rows();
            long target;
            while (part < parts && (target = totalRows * part / parts) < rowsBefore + rows) {
                startEntries[part] = e;
                startRows[part] = (int) (target - rowsBefore);
                part++;
            }
            rowsBefore += rows;
        }
        return new Split(startEntries, startRows);
    }

    /**
     * Runs every part over queries [from, to) and returns their scratches (index = part), which
     * {@link #merge} releases. The first part runs on the calling thread, in its own scratch.
     */
    private static SearchScratch[] scanParts(Scan scan, QueryPanels panels, Split split, int from, int to, SearchOptions options,
                                             SearchScratch callerScratch) {
        int parts = split.parts();
        SearchScratch[] scratches = new SearchScratch[parts];
        List<CompletableFuture<SearchScratch>> running = new ArrayList<>(parts - 1);
        if (options.executor() != null) {
            for (int p = 1; p < parts; p++) {
                int part = p;
                running.add(CompletableFuture.supplyAsync(() -> scanPart(scan, panels, split, part, from, to, options.reuseScratch()),
                        options.executor()));
            }
        }
        Throwable failure = null;
        try {
            scan.run(callerScratch, panels, split, 0, from, to);
            if (options.executor() == null) {
                for (int p = 1; p < parts; p++) {
                    scratches[p] = scanPart(scan, panels, split, p, from, to, options.reuseScratch());
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (int i = 0; i < running.size(); i++) {
            try {
                scratches[i + 1] = running.get(i).join();
            } catch (CompletionException e) {
                failure = failure == null ? e.getCause() : failure;
            }
        }
        if (failure != null) {
            for (int p = 1; p < parts; p++) {
                if (scratches[p] != null) {
                    scratches[p].release();
                }
            }
            if (failure instanceof Error error) {
                throw error;
            }
            throw failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
        }
        scratches[0] = callerScratch;
        return scratches;
    }

    private static SearchScratch scanPart(Scan scan, QueryPanels panels, Split split, int part, int from, int to,
                                          boolean reuseScratch) {
        SearchScratch scratch = SearchScratch.acquire(reuseScratch);
        try {
            scan.run(scratch, panels, split, part, from, to);
            return scratch;
        } catch (RuntimeException | Error e) {
            scratch.release();
            throw e;
        }
    }

    /** Appends the hits of a block of queries, merged from the parts' heaps, and releases the parts' scratches but the caller's. */
    private static void merge(Scan scan, SearchScratch[] parts, int queries, SearchScratch callerScratch, List<List<Hit>> hits) {
        TopKHeaps merged = callerScratch.merge;
        try {
            for (int q = 0; q < queries; q++) {
                merged.reset(1, scan.k, scan.entries);
                for (SearchScratch part : parts) {
                    TopKHeaps heaps = part.heaps;
                    for (int i = 0; i < heaps.size(q); i++) {
                        merged.offer(0, heaps.distance(q, i), heaps.entry(q, i), heaps.row(q, i));
                    }
                }
                merged.sort(0);
                Hit[] ranked = new Hit[merged.size(0)];
                for (int i = 0; i < ranked.length; i++) {
                    SearchEntry entry = scan.entries.get(merged.entry(0, i));
                    ranked[i] = new Hit(merged.distance(0, i), entry.path(), entry.multiRow() ? merged.row(0, i) : -1);
                }
                hits.add(List.of(ranked));
            }
        } finally {
            for (int p = 1; p < parts.length; p++) {
                parts[p].release();
            }
        }
    }

    /**
     * One search's inputs, shared read-only by its parts. {@code queryNorms} are the per-row
     * kernel's squared norms (null when neither cosine nor the tiled scan needs them);
     * {@code bounds} is null when the search takes the per-row path.
     */
    record Scan(Metric metric, int dim, float[] queries, float[] queryNorms, int k, List<SearchEntry> entries,
                CandidateBounds bounds) {

        /**
         * One part's rows against queries [from, to) into the scratch's heaps (slot q - from holds
         * query q's best): tiled when {@code panels} holds the block, else per row.
         */
        void run(SearchScratch scratch, QueryPanels panels, Split split, int part, int from, int to) {
            TopKHeaps heaps = scratch.heaps;
            heaps.reset(to - from, k, entries);
            if (panels != null) {
                scratch.tiled.run(this, bounds, panels, from, heaps, split.entries()[part], split.rows()[part],
                        split.entries()[part + 1], split.rows()[part + 1]);
                return;
            }
            int groupRows = Math.max(1, ROW_GROUP_FLOATS / dim);
            float[] results = new float[groupRows];
            float[] rowNorms = metric == Metric.COSINE ? new float[groupRows] : null;
            int firstEntry = split.entries()[part];
            int firstRow = split.rows()[part];
            int endEntry = split.entries()[part + 1];
            int endRow = split.rows()[part + 1];
            int lastEntry = Math.min(endEntry, entries.size() - 1);
            for (int e = firstEntry; e <= lastEntry; e++) {
                SearchEntry entry = entries.get(e);
                int rowEnd = e == endEntry ? endRow : entry.rows();
                for (int row = e == firstEntry ? firstRow : 0; row < rowEnd; row += groupRows) {
                    int count = Math.min(groupRows, rowEnd - row);
                    // Stored bytes are checked on first touch, group by group, in the pass that scans them.
                    entry.check().check((long) row * dim * Float.BYTES, (long) count * dim * Float.BYTES);
                    compare(heaps, entry.vectors(), e, row, count, from, to, results, rowNorms);
                }
            }
        }

        /** Stored rows [firstRow, firstRow + count) of one entry against queries [from, to), while they sit in L2. */
        private void compare(TopKHeaps heaps, MemorySegment vectors, int entry, int firstRow, int count, int from, int to,
                             float[] results, float[] rowNorms) {
            long offset = (long) firstRow * dim * Float.BYTES;
            switch (metric) {
                case L2 -> {
                    for (int q = from; q < to; q++) {
                        VectorKernels.squaredL2Rows(queries, q * dim, vectors, offset, dim, count, results);
                        for (int r = 0; r < count; r++) {
                            heaps.offer(q - from, Metric.l2Distance(results[r]), entry, firstRow + r);
                        }
                    }
                }
                case COSINE -> {
                    // The rows' norms come with the first query's dots, from the same pass.
                    VectorKernels.dotAndSquaredNormRows(queries, from * dim, vectors, offset, dim, count, results, rowNorms);
                    for (int q = from; q < to; q++) {
                        if (q > from) {
                            VectorKernels.dotRows(queries, q * dim, vectors, offset, dim, count, results);
                        }
                        for (int r = 0; r < count; r++) {
                            heaps.offer(q - from, Metric.cosineDistance(results[r], queryNorms[q], rowNorms[r]), entry, firstRow + r);
                        }
                    }
                }
                case DOT -> {
                    for (int q = from; q < to; q++) {
                        VectorKernels.dotRows(queries, q * dim, vectors, offset, dim, count, results);
                        for (int r = 0; r < count; r++) {
                            heaps.offer(q - from, Metric.dotDistance(results[r]), entry, firstRow + r);
                        }
                    }
                }
            }
        }
    }
}
