package io.vexfs.core.search;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * One part's rows against a block of queries at matrix-multiply speed, with exactly the answer
 * of the per-row scan.
 *
 * <p>Rows are copied, a block at a time, into a scratch array that stays in cache while every
 * panel of queries meets it through the tile kernel, {@link VectorKernels#TILE_ROWS} rows per
 * call. No matrix of distances is kept: each tile is tested at once against a per-query limit
 * ({@link VectorKernels#selectTile}), and only the few pairs that pass go on. For those,
 * {@link CandidateBounds} gives an interval [low, high] that holds the distance the per-row
 * kernels would report. Per query, the k smallest highs so far make a threshold, and a pair
 * whose low is above it cannot be among the k nearest: the rest are kept as candidates (pruned
 * as the threshold falls). At the end, the candidates get their distance from the per-row
 * kernels and go into the part's top-k heaps, as the per-row scan would have put them: the
 * distances, the ranking and the ties are that scan's, bit for bit, SIMD on or off. If the
 * bounds are too loose to prune (vectors far from the origin and close to each other), a
 * query's candidate list fills and is compared exactly on the spot, which costs time, never
 * exactness.
 *
 * <p>Rows are checked (their {@link SearchEntry#check()}) as they are copied, so a candidate's
 * exact comparison reads checked bytes. Row norms are computed as the rows are copied (per-row kernel, so the same bits the
 * per-row scan uses). A row whose norm the bounds do not cover is compared exactly with every
 * query of the block. Not thread-safe: one per thread, reused across searches.
 */
final class TiledScan {
    /** Stored floats per row block: 64 KiB, in L2 beside a panel of queries. */
    private static final int ROW_BLOCK_FLOATS = 16 * 1024;
    private static final int TILE_ROWS = VectorKernels.TILE_ROWS;

    private float[] rows = new float[0];
    private float[] rowNorms = new float[0];
    private float[] rowScales = new float[0];
    private float[] rowShifts = new float[0];
    private int[] rowEntries = new int[0];
    private int[] rowIndices = new int[0];
    private float[] tile = new float[0];
    private int[] passed = new int[0];
    /** Per column: the float limit of the candidate test; -infinity for padding. */
    private float[] limits = new float[0];
    /** Per query, a max-heap of its k smallest highs: [q * k, q * k + highCounts[q]). */
    private double[] highs = new double[0];
    private int[] highCounts = new int[0];
    /** Per query, its candidates: [q * capacity, q * capacity + candidateCounts[q]). */
    private int[] candidateEntries = new int[0];
    private int[] candidateRows = new int[0];
    private double[] candidateLows = new double[0];
    private int[] candidateCounts = new int[0];

    private FlatSearch.Scan scan;
    private QueryPanels panels;
    private CandidateBounds bounds;
    private TopKHeaps heaps;
    private int from;
    private int k;
    private int capacity;
    private int dim;
    private int blockRows;

    /** Candidates a query keeps before pruning: room for k and the rows that briefly beat them. */
    static int candidateCapacity(int k) {
        return 4 * k + 64;
    }

    /**
     * Rows [first, end) of the part (as (entry, row) positions) against the queries of
     * {@code panels}, which are queries [from, from + panels.count()) of the scan, into
     * {@code heaps} (slot q holds query from + q), which the caller has reset.
     */
    void run(FlatSearch.Scan scan, CandidateBounds bounds, QueryPanels panels, int from, TopKHeaps heaps,
             int firstEntry, int firstRow, int endEntry, int endRow) {
        this.scan = scan;
        this.panels = panels;
        this.bounds = bounds;
        this.heaps = heaps;
        this.from = from;
        this.k = scan.k();
        this.dim = scan.dim();
        this.capacity = candidateCapacity(k);
        try {
            prepare();
            List<SearchEntry> entries = scan.entries();
            long rowBytes = (long) dim * Float.BYTES;
            int filled = 0;
            int lastEntry = Math.min(endEntry, entries.size() - 1);
            for (int e = firstEntry; e <= lastEntry; e++) {
                SearchEntry entry = entries.get(e);
                int rowEnd = e == endEntry ? endRow : entry.rows();
                int row = e == firstEntry ? firstRow : 0;
                while (row < rowEnd) {
                    int n = Math.min(blockRows - filled, rowEnd - row);
                    // Stored bytes are checked on first touch, in the pass that copies them.
                    entry.check().check(row * rowBytes, n * rowBytes);
                    MemorySegment.copy(entry.vectors(), VectorKernels.FLOAT_LE, row * rowBytes, rows, filled * dim, n * dim);
                    for (int i = 0; i < n; i++) {
                        addRow(filled + i, e, row + i);
                    }
                    filled += n;
                    row += n;
                    if (filled == blockRows) {
                        compareBlock(filled);
                        filled = 0;
                    }
                }
            }
            if (filled > 0) {
                compareBlock(filled);
            }
            for (int q = 0; q < panels.count(); q++) {
                compareCandidates(q);
            }
        } finally {
            this.scan = null;
            this.panels = null;
            this.heaps = null;
        }
    }

    private void prepare() {
        blockRows = Math.max(TILE_ROWS, ROW_BLOCK_FLOATS / dim / TILE_ROWS * TILE_ROWS);
        if (rows.length < blockRows * dim) {
            rows = new float[blockRows * dim];
        }
        if (rowNorms.length < blockRows) {
            rowNorms = new float[blockRows];
            rowScales = new float[blockRows];
            rowShifts = new float[blockRows];
            rowEntries = new int[blockRows];
            rowIndices = new int[blockRows];
        }
        int columns = panels.columns();
        int tileFloats = TILE_ROWS * VectorKernels.MAX_PANEL_WIDTH * VectorKernels.lanes();
        if (tile.length < tileFloats) {
            tile = new float[tileFloats];
            passed = new int[tileFloats];
        }
        if (limits.length < columns) {
            limits = new float[columns];
        }
        int queries = panels.count();
        Arrays.fill(limits, 0, queries, Float.POSITIVE_INFINITY);
        Arrays.fill(limits, queries, columns, Float.NEGATIVE_INFINITY);
        if (highCounts.length < queries) {
            highCounts = new int[queries];
            candidateCounts = new int[queries];
        } else {
            Arrays.fill(highCounts, 0, queries, 0);
            Arrays.fill(candidateCounts, 0, queries, 0);
        }
        if (highs.length < queries * k) {
            highs = new double[queries * k];
        }
        if (candidateRows.length < queries * capacity) {
            candidateEntries = new int[queries * capacity];
            candidateRows = new int[queries * capacity];
            candidateLows = new double[queries * capacity];
        }
    }

    /** Drops arrays that outgrew {@code maxSize}, so one huge batch does not pin memory in a thread. */
    void trim(int maxSize) {
        if (candidateRows.length > maxSize) {
            candidateEntries = new int[0];
            candidateRows = new int[0];
            candidateLows = new double[0];
        }
        if (highs.length > maxSize) {
            highs = new double[0];
        }
        if (limits.length > maxSize) {
            limits = new float[0];
            highCounts = new int[0];
            candidateCounts = new int[0];
        }
    }

    /** Block row b, just copied, holds row {@code row} of entry {@code entry}. */
    private void addRow(int b, int entry, int row) {
        float norm = VectorKernels.squaredNorm(rows, b * dim, dim);
        rowEntries[b] = entry;
        rowIndices[b] = row;
        rowNorms[b] = norm;
        if (bounds.safeRow(norm)) {
            rowScales[b] = bounds.rowScale(norm);
            rowShifts[b] = bounds.rowShift(norm);
            return;
        }
        // Outside the bounds (or NaN-producing): never a tile candidate, compared exactly instead.
        rowScales[b] = 0f;
        rowShifts[b] = Float.NaN;
        for (int q = 0; q < panels.count(); q++) {
            heaps.offer(q, exactDistance(q, entry, row), entry, row);
        }
    }

    private void compareBlock(int count) {
        int padded = (count + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
        Arrays.fill(rows, count * dim, padded * dim, 0f);
        float[] packed = panels.packed();
        for (int p = 0; p < panels.panels(); p++) {
            int width = panels.width(p);
            int offset = panels.offset(p);
            int firstColumn = panels.firstColumn(p);
            int columns = width * VectorKernels.lanes();
            for (int t0 = 0; t0 < count; t0 += TILE_ROWS) {
                VectorKernels.dotTile(packed, offset, width, rows, t0 * dim, dim, tile);
                int hits = VectorKernels.selectTile(tile, width, Math.min(TILE_ROWS, count - t0), panels.scales(),
                        panels.shifts(), limits, firstColumn, rowScales, rowShifts, t0, passed);
                for (int h = 0; h < hits; h++) {
                    int j = passed[h];
                    int t = j / columns;
                    consider(firstColumn + j - t * columns, t0 + t, tile[j]);
                }
            }
        }
    }

    /** A pair that passed the float test: kept if its low is within the query's threshold. */
    private void consider(int q, int b, float dot) {
        float queryNorm = panels.norm(q);
        float rowNorm = rowNorms[b];
        double center = bounds.center(dot, queryNorm, rowNorm);
        double radius = bounds.radius(queryNorm, rowNorm);
        double low = center - radius;
        if (low > threshold(q)) {
            return;
        }
        addHigh(q, center + radius);
        int count = candidateCounts[q];
        if (count == capacity) {
            count = prune(q);
            if (count > capacity / 2) {
                compareCandidates(q);
                count = 0;
            }
        }
        int at = q * capacity + count;
        candidateEntries[at] = rowEntries[b];
        candidateRows[at] = rowIndices[b];
        candidateLows[at] = low;
        candidateCounts[q] = count + 1;
    }

    /** The k-th smallest high of the query so far, or +infinity before it has k. */
    private double threshold(int q) {
        return highCounts[q] < k ? Double.POSITIVE_INFINITY : highs[q * k];
    }

    private void addHigh(int q, double high) {
        int base = q * k;
        int size = highCounts[q];
        if (size < k) {
            int i = size;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (highs[base + parent] >= high) {
                    break;
                }
                highs[base + i] = highs[base + parent];
                i = parent;
            }
            highs[base + i] = high;
            highCounts[q] = size + 1;
            if (size + 1 == k) {
                limits[q] = bounds.limit(highs[base], panels.norm(q));
            }
            return;
        }
        if (high >= highs[base]) {
            return;
        }
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= k) {
                break;
            }
            if (child + 1 < k && highs[base + child + 1] > highs[base + child]) {
                child++;
            }
            if (highs[base + child] <= high) {
                break;
            }
            highs[base + i] = highs[base + child];
            i = child;
        }
        highs[base + i] = high;
        limits[q] = bounds.limit(highs[base], panels.norm(q));
    }

    /** Drops the query's candidates whose low is above its threshold; returns how many are left. */
    private int prune(int q) {
        double threshold = threshold(q);
        int base = q * capacity;
        int kept = 0;
        for (int i = 0; i < candidateCounts[q]; i++) {
            if (candidateLows[base + i] <= threshold) {
                candidateEntries[base + kept] = candidateEntries[base + i];
                candidateRows[base + kept] = candidateRows[base + i];
                candidateLows[base + kept] = candidateLows[base + i];
                kept++;
            }
        }
        candidateCounts[q] = kept;
        return kept;
    }

    /** The query's remaining candidates, with their per-row distances, into its heap; empties its list. */
    private void compareCandidates(int q) {
        int count = prune(q);
        int base = q * capacity;
        for (int i = 0; i < count; i++) {
            int entry = candidateEntries[base + i];
            int row = candidateRows[base + i];
            heaps.offer(q, exactDistance(q, entry, row), entry, row);
        }
        candidateCounts[q] = 0;
    }

    /** What the per-row scan reports for block query q and the row: the same kernels, the same bits. */
    private float exactDistance(int q, int entry, int row) {
        MemorySegment vectors = scan.entries().get(entry).vectors();
        long offset = (long) row * dim * Float.BYTES;
        int query = (from + q) * dim;
        float[] queries = scan.queries();
        return switch (scan.metric()) {
            case L2 -> Metric.l2Distance(VectorKernels.squaredL2(queries, query, vectors, offset, dim));
            case COSINE -> Metric.cosineDistance(VectorKernels.dot(queries, query, vectors, offset, dim), panels.norm(q),
                    VectorKernels.squaredNorm(vectors, offset, dim));
            case DOT -> Metric.dotDistance(VectorKernels.dot(queries, query, vectors, offset, dim));
        };
    }
}
