package io.vexfs.core.query;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.CollectionIndex;
import io.vexfs.core.index.IndexHit;
import io.vexfs.core.index.RowIds;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;
import io.vexfs.core.search.SearchResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongPredicate;

/**
 * Answers batches of queries against one snapshot of a collection: each query first from the
 * result cache, the rest together in one exact {@link FlatSearch} split across a shared pool of
 * search threads, or on an hnsw collection through its index (plus an exact search of the files
 * not indexed yet). Takes no lock of the store: the snapshot is an immutable version.
 */
public final class QueryEngine implements AutoCloseable {
    /** How answers are ranked: distance, then path, then row. */
    private static final Comparator<Hit> RANKED = Comparator.comparingDouble(Hit::distance)
            .thenComparing(Hit::path).thenComparingInt(Hit::row);
    private final VexMetrics metrics;
    private final int threads;
    /** Null with one thread: the whole search then runs on the caller's thread. */
    private final ExecutorService executor;
    /** Null when cache_size is 0. */
    private final Cache<ResultKey, List<Hit>> cache;
    private volatile boolean cacheOn;
    private volatile boolean reuseScratch;

    /**
     * @param ioThreads    threads that share one search (io_threads); 0 means one per core
     * @param cacheSize    answers the result cache keeps (cache_size); 0 disables it for good
     * @param cacheOn      the {@code cache} toggle's first state (enable_query_cache)
     * @param reuseScratch the {@code scratch} toggle's first state (enable_stack_optimization)
     */
    public QueryEngine(VexMetrics metrics, int ioThreads, int cacheSize, boolean cacheOn, boolean reuseScratch) {
        if (ioThreads < 0 || cacheSize < 0) {
            throw new IllegalArgumentException("ioThreads " + ioThreads + ", cacheSize " + cacheSize);
        }
        this.metrics = metrics;
        this.threads = ioThreads == 0 ? Runtime.getRuntime().availableProcessors() : ioThreads;
        this.executor = threads == 1 ? null
                : Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("vexfs-search-", 0).factory());
        this.cache = cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(cacheSize).build();
        this.cacheOn = cacheOn;
        this.reuseScratch = reuseScratch;
        if (cache != null) {
            metrics.gauge("vexfs.query.cache.entries", "Answers held by the query result cache", cache::estimatedSize);
        }
    }

    /** Whether answers are served from and kept in the cache (never with cache_size 0). */
    public boolean cacheOn() {
        return cacheOn && cache != null;
    }

    /** The {@code cache} toggle. Turning it off empties the cache, so off holds no memory. */
    public void setCacheOn(boolean on) {
        cacheOn = on;
        if (!on && cache != null) {
            cache.invalidateAll();
        }
    }

    public boolean reuseScratch() {
        return reuseScratch;
    }

    /** The {@code scratch} toggle: per-thread search buffers reused across searches. */
    public void setReuseScratch(boolean on) {
        reuseScratch = on;
    }

    /**
     * The {@code k} nearest vectors of {@code snapshot} (restricted to paths under
     * {@code pathPrefix}, e.g. "docs/sub/", or all for "") to each of {@code count} queries of
     * {@code dim} floats, row-major in {@code queries}. Every query must have been checked:
     * dimension equal to the collection's when it holds vectors, and not zero under cosine.
     * On an hnsw collection the answer is approximate, searched with candidate list {@code ef};
     * a flat one ignores {@code ef}.
     */
    public List<List<Hit>> search(Collection collection, Collection.Snapshot snapshot, Metric metric, int dim, int k,
                                  int ef, String pathPrefix, float[] queries, int count) {
        if (count == 0) {
            return List.of();
        }
        metrics.add(VexCounter.SEARCHES, count);
        List<SearchEntry> entries = pathPrefix.isEmpty() ? snapshot.entries() : under(snapshot.entries(), pathPrefix);
        if (entries.isEmpty()) {
            return Collections.nCopies(count, List.of());
        }
        CollectionIndex hnsw = collection.hnsw();
        if (hnsw != null && (hnsw.index().dim() != dim || hnsw.index().metric() != metric)) {
            // The settings changed after this snapshot's caller read them; this search keeps to exact.
            hnsw = null;
        }
        int keyEf = hnsw == null ? 0 : ef;
        List<Hit>[] answers = newAnswers(count);
        ResultKey[] keys = null;
        int misses = count;
        if (cacheOn()) {
            keys = new ResultKey[count];
            misses = 0;
            for (int q = 0; q < count; q++) {
                keys[q] = new ResultKey(collection, snapshot.version(), metric, k, keyEf, pathPrefix,
                        Arrays.copyOfRange(queries, q * dim, (q + 1) * dim));
                answers[q] = cache.getIfPresent(keys[q]);
                if (answers[q] == null) {
                    misses++;
                }
            }
            metrics.add(VexCounter.QUERY_CACHE_HITS, count - misses);
            metrics.add(VexCounter.QUERY_CACHE_MISSES, misses);
        }
        if (misses > 0) {
            float[] missed = misses == count ? queries : gather(answers, queries, dim, misses);
            List<List<Hit>> found = hnsw == null
                    ? exact(metric, dim, k, entries, missed, misses)
                    : approximate(collection, snapshot, hnsw, metric, dim, k, ef, pathPrefix, missed, misses);
            int next = 0;
            for (int q = 0; q < count; q++) {
                if (answers[q] == null) {
                    answers[q] = found.get(next++);
                    if (keys != null) {
                        cache.put(keys[q], answers[q]);
                    }
                }
            }
        }
        return Arrays.asList(answers);
    }

    /**
     * An exact search of {@code entries} that are not a collection's vector files (a text
     * collection's chunk embeddings, pinned by the caller), with the search threads and scratch of
     * every search; not cached.
     */
    public List<List<Hit>> searchEntries(Metric metric, int dim, int k, List<SearchEntry> entries, float[] queries, int count) {
        metrics.add(VexCounter.SEARCHES, count);
        return exact(metric, dim, k, entries, queries, count);
    }

    private List<List<Hit>> exact(Metric metric, int dim, int k, List<SearchEntry> entries, float[] queries, int count) {
        if (entries.isEmpty()) {
            return Collections.nCopies(count, List.of());
        }
        long rows = 0;
        for (SearchEntry e : entries) {
            rows += e.rows();
        }
        SearchOptions options = new SearchOptions(executor,
                SearchOptions.suggestedParallelism(rows, dim, threads), reuseScratch);
        SearchResult result = FlatSearch.search(metric, dim, queries, count, k, entries, options);
        metrics.add(VexCounter.VECTORS_SCANNED, result.distancesComputed());
        return result.hits();
    }

    /**
     * The graph for the files the indexer has added, an exact search for those it has not reached
     * yet (a file committed a moment ago is found at once), merged. Which files are indexed is
     * decided once, before the graph is read: a file added after that is searched exactly and
     * left out of the graph's answer, so no file is missed or counted twice.
     */
    private List<List<Hit>> approximate(Collection collection, Collection.Snapshot snapshot, CollectionIndex hnsw,
                                        Metric metric, int dim, int k, int ef, String pathPrefix,
                                        float[] queries, int count) {
        List<SearchEntry> pending = notIndexed(snapshot, hnsw, pathPrefix);
        Set<SearchEntry> searchedExactly = Collections.newSetFromMap(new IdentityHashMap<>(pending.size() * 2));
        searchedExactly.addAll(pending);
        List<List<Hit>> exactHits = exact(metric, dim, k, pending, queries, count);
        long version = snapshot.version();
        LongPredicate include = id -> {
            Collection.Entry e = collection.entry(RowIds.file(id));
            return e != null && e.liveAt(version) && e.search().path().startsWith(pathPrefix)
                    && (searchedExactly.isEmpty() || !searchedExactly.contains(e.search()));
        };
        metrics.add(VexCounter.HNSW_SEARCHES, count);
        List<List<Hit>> answers = new ArrayList<>(count);
        for (int q = 0; q < count; q++) {
            List<IndexHit> graphHits = hnsw.index().search(queries, q * dim, k, ef, include);
            List<Hit> merged = new ArrayList<>(graphHits.size() + exactHits.get(q).size());
            merged.addAll(exactHits.get(q));
            for (IndexHit h : graphHits) {
                Collection.Entry e = collection.entry(RowIds.file(h.id()));
                // Null only if the file was removed since the graph returned it: it is gone, leave it out.
                if (e != null) {
                    merged.add(new Hit(h.distance(), e.search().path(), e.search().multiRow() ? RowIds.row(h.id()) : -1));
                }
            }
            merged.sort(RANKED);
            answers.add(List.copyOf(merged.subList(0, Math.min(k, merged.size()))));
        }
        return answers;
    }

    /** The snapshot's files under {@code pathPrefix} that {@code hnsw} does not hold yet. */
    private static List<SearchEntry> notIndexed(Collection.Snapshot snapshot, CollectionIndex hnsw, String pathPrefix) {
        if (hnsw.caughtUp()) {
            return List.of();
        }
        List<SearchEntry> pending = new ArrayList<>();
        for (Collection.Entry e : snapshot.live()) {
            if (!hnsw.holds(e) && e.search().path().startsWith(pathPrefix)) {
                pending.add(e.search());
            }
        }
        return pending;
    }

    /** The queries that have no answer yet, packed in order. */
    private static float[] gather(List<Hit>[] answers, float[] queries, int dim, int misses) {
        float[] packed = new float[misses * dim];
        int next = 0;
        for (int q = 0; q < answers.length; q++) {
            if (answers[q] == null) {
                System.arraycopy(queries, q * dim, packed, next * dim, dim);
                next++;
            }
        }
        return packed;
    }

    private static List<SearchEntry> under(List<SearchEntry> entries, String pathPrefix) {
        List<SearchEntry> matching = new ArrayList<>();
        for (SearchEntry e : entries) {
            if (e.path().startsWith(pathPrefix)) {
                matching.add(e);
            }
        }
        return matching;
    }

    @SuppressWarnings("unchecked")
    private static List<Hit>[] newAnswers(int count) {
        return (List<Hit>[]) new List<?>[count];
    }

    /** Stops the search threads; a mount's process ends them by exiting (they are daemons). */
    @Override
    public void close() {
        if (executor != null) {
            executor.shutdown();
        }
    }
}
