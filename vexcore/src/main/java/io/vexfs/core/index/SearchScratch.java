package io.vexfs.core.index;

/** What one layer search reuses: kept per thread, so a search allocates only its result. */
final class SearchScratch {
    private static final ThreadLocal<SearchScratch> PER_THREAD = ThreadLocal.withInitial(SearchScratch::new);

    final VisitedSet visited = new VisitedSet();
    /** Nodes still to expand, nearest first. */
    final NodeHeap candidates = NodeHeap.smallestOnTop();
    /** The best ef nodes found so far, the worst on top so it can be dropped. */
    final NodeHeap results = NodeHeap.largestOnTop();

    private SearchScratch() {
    }

    static SearchScratch forThisThread() {
        return PER_THREAD.get();
    }
}
