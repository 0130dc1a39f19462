package io.vexfs.core.query;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.CollectionIndex;
import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;
import io.vexfs.core.search.SearchResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * Answers batches of queries against one snapshot of a collection: each query first from the
 * result cache, the rest together in one exact {@link FlatSearch} split across a shared pool of
 * search threads, or on an hnsw collection through its index (plus an exact search of the files
 * not indexed yet). Takes no lock of the store: the snapshot is an immutable version.
 */
public final class QueryEngine implements AutoCloseable {
    /** How answers are ranked: distance, then path, then row. */
    /**
     * Searches of at least this many exact comparisons (rows x queries) that arrive while the
     * mount still reads the collection's index file wait for it (at most {@link #READ_WAIT}): a
     * read is one pass over the file, an exact scan one over the rows for every query.
     */
    private static final long READ_WAIT_COMPARISONS = 1_000_000;
    private static final Duration READ_WAIT = Duration.ofSeconds(10);
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
     * On an hnsw collection the answer is approximate, searched with candidate list {@code ef}
     * (and, once the graph is searched on product codes, {@code rerank} x k candidates re-ranked
     * on full vectors); a flat one ignores both.
     */
    public List<List<Hit>> search(Collection collection, Collection.Snapshot snapshot, Metric metric, int dim, int k,
                                  int ef, int rerank, String pathPrefix, float[] queries, int count) {
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
        if (hnsw != null && hnsw.reading() && snapshot.vectors() * count >= READ_WAIT_COMPARISONS) {
            awaitRead(hnsw);
        }
        int keyEf = hnsw == null ? 0 : ef;
        int keyRerank = hnsw == null ? 0 : rerank;
        List<Hit>[] answers = newAnswers(count);
        ResultKey[] keys = null;
        int misses = count;
        if (cacheOn()) {
            keys = new ResultKey[count];
            misses = 0;
            for (int q = 0; q < count; q++) {
                keys[q] = new ResultKey(collection, snapshot.version(), metric, k, keyEf, keyRerank, pathPrefix,
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
                    : approximate(snapshot, hnsw, metric, dim, k, ef, rerank, pathPrefix, missed, misses);
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
                SearchOptions.suggestedParallelism(rows, dim, count, threads), reuseScratch);
        SearchResult result = FlatSearch.search(metric, dim, queries, count, k, entries, options);
        metrics.add(VexCounter.VECTORS_SCANNED, result.distancesComputed());
        return result.hits();
    }

    /**
     * The graph for the files the indexer has added, an exact search for those it has not reached
     * yet (a file committed a moment ago is found at once), merged. Which files are indexed is
     * decided once, before the graph is read: a file added after that is searched exactly and
     * left out of the graph's answer, so no file is missed or counted twice. The graph is asked
     * only for files of this snapshot under {@code pathPrefix}: the filter runs inside its search.
     * The queries of a batch are spread over the search threads, one whole query per task.
     */
    private List<List<Hit>> approximate(Collection.Snapshot snapshot, CollectionIndex hnsw, Metric metric, int dim,
                                        int k, int ef, int rerank, String pathPrefix, float[] queries, int count) {
        List<SearchEntry> pending = new ArrayList<>();
        boolean anyIndexed = notIndexed(snapshot, hnsw, pathPrefix, pending);
        Set<SearchEntry> searchedExactly = Collections.newSetFromMap(new IdentityHashMap<>(pending.size() * 2));
        searchedExactly.addAll(pending);
        List<List<Hit>> exactHits = exact(metric, dim, k, pending, queries, count);
        if (!anyIndexed) {
            // The graph could return no row (every file is searched exactly): a graph search
            // would reject every node it meets and so walk the whole graph, per query.
            return exactHits;
        }
        long version = snapshot.version();
        Predicate<Collection.Entry> accept = e -> e.liveAt(version) && e.search().path().startsWith(pathPrefix)
                && (searchedExactly.isEmpty() || !searchedExactly.contains(e.search()));
        AnnIndex<Collection.Entry> index = hnsw.index();
        metrics.add(VexCounter.HNSW_SEARCHES, count);
        List<Hit>[] answers = newAnswers(count);
        int tasks = executor == null ? 1 : Math.min(threads, count);
        if (tasks == 1) {
            for (int q = 0; q < count; q++) {
                answers[q] = graphSearch(index, accept, exactHits.get(q), metric, dim, k, ef, rerank, queries, q);
            }
        } else {
            List<Callable<Void>> work = new ArrayList<>(tasks);
            for (int t = 0; t < tasks; t++) {
                int first = t;
                work.add(() -> {
                    for (int q = first; q < count; q += tasks) {
                        answers[q] = graphSearch(index, accept, exactHits.get(q), metric, dim, k, ef, rerank, queries, q);
                    }
                    return null;
                });
            }
            runAll(work);
        }
        return Arrays.asList(answers);
    }

    /** One query through the graph, merged with its exact hits among the files not indexed yet, ranked. */
    private static List<Hit> graphSearch(AnnIndex<Collection.Entry> index, Predicate<Collection.Entry> accept, List<Hit> exactHits,
                                         Metric metric, int dim, int k, int ef, int rerank, float[] queries, int q) {
        List<AnnIndex.Hit<Collection.Entry>> graphHits = index.search(queries, q * dim, k, ef, rerank, accept);
        List<Hit> merged = new ArrayList<>(graphHits.size() + exactHits.size());
        merged.addAll(exactHits);
        for (AnnIndex.Hit<Collection.Entry> h : graphHits) {
            SearchEntry e = h.owner().search();
            // The distance flat search reports, from the same kernels, so both paths rank and print alike.
            float distance = metric.distance(queries, q * dim, e.vectors(), (long) h.row() * dim * Float.BYTES, dim);
            merged.add(new Hit(distance, e.path(), e.multiRow() ? h.row() : -1));
        }
        merged.sort(RANKED);
        return List.copyOf(merged.subList(0, Math.min(k, merged.size())));
    }

    /** Waits for the index's file to be read at mount; if it takes longer than {@link #READ_WAIT}, the search goes on exactly. */
    private static void awaitRead(CollectionIndex hnsw) {
        try {
            hnsw.awaitRead(READ_WAIT);
        } catch (InterruptedException e) {
            // The search then compares exactly what the index does not hold yet: a slower answer, never a wrong one.
            Thread.currentThread().interrupt();
        }
    }

    /** Runs every task on the search threads and waits for all; a task's failure is rethrown here. */
    private void runAll(List<Callable<Void>> work) {
        try {
            for (Future<Void> f : executor.invokeAll(work)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while searching", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Adds to {@code pending} the live files under {@code pathPrefix} the graph does not hold
     * yet, to be searched exactly; returns whether the graph holds any such file (decided in the
     * same pass, so the two never disagree while the indexer moves on).
     */
    private static boolean notIndexed(Collection.Snapshot snapshot, CollectionIndex hnsw, String pathPrefix, List<SearchEntry> pending) {
        boolean caughtUp = hnsw.caughtUp();
        boolean anyIndexed = false;
        for (Collection.Entry e : snapshot.live()) {
            if (!e.search().path().startsWith(pathPrefix)) {
                continue;
            }
            if (caughtUp || hnsw.holds(e)) {
                anyIndexed = true;
                if (caughtUp) {
                    break;
                }
            } else {
                pending.add(e.search());
            }
        }
        return anyIndexed;
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
