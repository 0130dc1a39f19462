package io.vexfs.core.search;

/**
 * The buffers of one search part, kept per thread across searches when scratch reuse is on.
 * A part's heaps stay in use until the searching thread has merged them, which may be after
 * the owning thread has moved on: a thread whose scratch is still in use (a pool thread
 * already on another search, or a thread re-entered by a fork-join join) gets a fresh one.
 */
final class SearchScratch {
    private static final ThreadLocal<SearchScratch> PER_THREAD = ThreadLocal.withInitial(() -> new SearchScratch(true));
    /** Arrays longer than this are dropped on release, so one huge batch does not pin memory in every thread. */
    private static final int MAX_RETAINED = 1 << 20;

    final TopKHeaps heaps = new TopKHeaps();
    final TopKHeaps merge = new TopKHeaps();
    /** The tiled scan's buffers, for the parts this thread runs. */
    final TiledScan tiled = new TiledScan();
    /** The current block of queries packed for the tiled scan, when this thread leads the search. */
    final QueryPanels panels = new QueryPanels();
    private final boolean perThread;
    private float[] queryNorms = new float[0];
    /** Set by the owning thread on acquire, cleared by whichever thread merged the results. */
    private volatile boolean inUse;

    private SearchScratch(boolean perThread) {
        this.perThread = perThread;
    }

    static SearchScratch acquire(boolean reuse) {
        if (reuse) {
            SearchScratch mine = PER_THREAD.get();
            if (!mine.inUse) {
                mine.inUse = true;
                return mine;
            }
        }
        return new SearchScratch(false);
    }

    float[] queryNorms(int count) {
        if (queryNorms.length < count) {
            queryNorms = new float[count];
        }
        return queryNorms;
    }

    /** Hands the scratch back to its thread; call once, after the last read of its heaps. */
    void release() {
        if (!perThread) {
            return;
        }
        heaps.trim(MAX_RETAINED);
        merge.trim(MAX_RETAINED);
        tiled.trim(MAX_RETAINED);
        panels.trim(MAX_RETAINED);
        if (queryNorms.length > MAX_RETAINED) {
            queryNorms = new float[0];
        }
        inUse = false;
    }
}
