package io.vexfs.core;

import io.vexfs.core.config.VexConfig;
import io.vexfs.core.control.IndexProgress;
import io.vexfs.core.control.Optimizations;
import io.vexfs.core.control.Profiler;
import io.vexfs.core.control.StatsReport;
import io.vexfs.core.fs.ControlFile;
import io.vexfs.core.fs.StoreOptions;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.metrics.MetricsEndpoint;
import io.vexfs.core.metrics.SlowLog;
import io.vexfs.core.metrics.VexGauge;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.core.query.QueryEngine;
import io.vexfs.core.query.QueryNamespace;
import io.vexfs.core.storage.RecoveryReport;
import io.vexfs.core.text.Embedders;
import io.vexfs.core.text.TextIndex;
import io.vexfs.pool.BufferPool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A running vexfs node: the store over a data directory, and everything a mount serves beside
 * it, wired from one configuration. The buffer pool and its gauges, the query engine behind
 * .search/ and .similar/, the text collections' word indexes and embedding models, the live
 * toggles and the control files of .vexfs/, the slow-operation log, and (metrics_port) the
 * metrics over HTTP. The FUSE adapter and the tests open it the same
 * way; the adapter adds only what is its own (the zerocopy read path).
 */
public final class Vexfs implements Closeable {
    private final VexConfig config;
    private final BufferPool pool;
    private final VexStore store;
    private final QueryEngine queries;
    private final SlowLog slowLog;
    private final Optimizations optimizations = new Optimizations();
    /** The embedding models, each loaded once, when a text collection first needs it; ONNX Runtime gets every core. */
    private final Embedders embedders = new Embedders(Runtime.getRuntime().availableProcessors());
    private TextIndex text;
    private final List<String> notices;
    private final long replayMillis;
    private MetricsEndpoint endpoint;

    private Vexfs(VexConfig config, BufferPool pool, VexStore store, long replayMillis, List<String> notices) {
        this.config = config;
        this.pool = pool;
        this.store = store;
        this.replayMillis = replayMillis;
        this.notices = notices;
        this.slowLog = new SlowLog(config.slowOpThreshold());
        this.queries = new QueryEngine(store.metrics(), config.ioThreads(), config.cacheSize(), config.enableQueryCache(),
                config.enableStackOptimization());
    }

    /**
     * Opens the data directory of {@code config} (replaying its log) and wires the node.
     *
     * @param configFile the file {@code config} came from, named in .vexfs/config; null for the defaults
     * @throws IOException the data directory cannot be opened, or metrics_port cannot be served;
     *                     the message says which
     */
    public static Vexfs open(VexConfig config, Path configFile) throws IOException {
        return open(config, configFile, System::nanoTime);
    }

    /** As {@link #open(VexConfig, Path)}; {@code clock} (nanoseconds) decides when query files expire. */
    public static Vexfs open(VexConfig config, Path configFile, LongSupplier clock) throws IOException {
        List<String> notices = new ArrayList<>();
        if (config.enableSimd() && !VectorKernels.isSimdAvailable()) {
            // Start anyway, on the scalar kernels (same answers), and say why.
            notices.add("enable_simd is on but " + VectorKernels.simdUnavailableReason().orElseThrow()
                    + "; using the scalar kernels");
        }
        VectorKernels.setSimd(config.enableSimd() && VectorKernels.isSimdAvailable());
        BufferPool pool = BufferPool.builder().capacity(config.memoryPoolSize()).build();
        pool.setPooling(config.enableMemoryOptimization());
        long t0 = System.nanoTime();
        VexStore store;
        try {
            store = VexStore.open(new StoreOptions(config.dataDir(), config.walSegmentSize(), config.syncOnClose(),
                    config.compactionMinDead(), config.compactionDeadRatio(), config.checkpointLogSize(),
                    config.checkpointLogRecords(), pool, new VexMetrics(), new ErrorLog()));
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw new IOException("cannot open the data directory " + config.dataDir() + ": " + e.getMessage(), e);
        }
        Vexfs node = new Vexfs(config, pool, store, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), notices);
        try {
            node.wire(configFile, clock);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw new IOException("cannot open the text indexes under " + config.dataDir() + ": " + e.getMessage(), e);
        }
        if (config.metricsPort() != 0) {
            try {
                node.endpoint = new MetricsEndpoint(config.metricsPort(), store.metrics());
            } catch (IOException e) {
                node.close();
                throw new IOException("cannot serve metrics on port " + config.metricsPort() + ": " + e.getMessage(), e);
            }
        }
        return node;
    }

    /** Also reconciles text collections with their word indexes, which may take a while after a crash. */
    private void wire(Path configFile, LongSupplier clock) throws IOException {
        // simd: SIMD distance kernels (off: scalar); only where the JVM has a usable Vector API.
        if (VectorKernels.isSimdAvailable()) {
            optimizations.add(new Optimizations.Toggle("simd", VectorKernels::isSimd, VectorKernels::setSimd));
        }
        // prefetch: graph searches load a node's unvisited neighbours and score them three at a time (off: one at a time).
        optimizations.add(new Optimizations.Toggle("prefetch", AnnIndex::isPrefetching, AnnIndex::setPrefetching));
        // memory: the off-heap buffer pool (off: plain allocation per buffer).
        optimizations.add(new Optimizations.Toggle("memory", pool::pooling, pool::setPooling));
        // cache: the query result cache (off: every query is searched).
        optimizations.add(new Optimizations.Toggle("cache", queries::cacheOn, queries::setCacheOn));
        // scratch: per-thread search buffers reused (off: allocated per search).
        optimizations.add(new Optimizations.Toggle("scratch", queries::reuseScratch, queries::setReuseScratch));
        text = new TextIndex(store, config.dataDir(), embedders, queries::searchEntries);
        store.virtualFiles().enableQueries(new QueryNamespace(store, queries, text, config.queryTtl(), clock));
        store.virtualFiles().register(new ControlFile("text", text::statusTsv, null));
        IndexProgress indexing = new IndexProgress(store);
        store.virtualFiles().register(new ControlFile("index", indexing::renderTsv, null));

        VexMetrics metrics = store.metrics();
        store.virtualFiles().register(new ControlFile("errors", store.errors()::render, null));
        store.virtualFiles().register(new ControlFile("slowlog", slowLog::render, null));
        store.virtualFiles().register(new ControlFile("metrics", metrics::scrape, null));
        store.virtualFiles().register(new ControlFile("config", () -> effectiveConfig(configFile), null));
        store.virtualFiles().register(new ControlFile("optimizations", optimizations::render, optimizations));
        StatsReport stats = new StatsReport(store, pool::stats, text::statsText);
        store.virtualFiles().register(new ControlFile("stats", stats::render, null));
        Profiler profiler = new Profiler(Path.of(System.getProperty("java.io.tmpdir"),
                "vexfs-profiles-" + ProcessHandle.current().pid()));
        store.virtualFiles().register(new ControlFile("profile", profiler::render, profiler));

        indexing.bindMetrics(metrics);
        metrics.bind(VexGauge.POOL_CAPACITY, () -> pool.stats().capacityBytes());
        metrics.bind(VexGauge.POOL_USED, () -> pool.stats().heldBytesInUse());
        metrics.bind(VexGauge.POOL_HITS, () -> pool.stats().hits());
        metrics.bind(VexGauge.POOL_MISSES, () -> pool.stats().misses());
    }

    private String effectiveConfig(Path configFile) {
        return "# effective configuration: " + (configFile == null ? "defaults" : configFile.toAbsolutePath())
                + " with the live toggles below\n" + config.toToml() + "\n# live toggles (.vexfs/optimizations)\n"
                + optimizations.render().replaceAll("(?m)^", "# ");
    }

    public VexConfig config() {
        return config;
    }

    public VexStore store() {
        return store;
    }

    public VexMetrics metrics() {
        return store.metrics();
    }

    public ErrorLog errors() {
        return store.errors();
    }

    public SlowLog slowLog() {
        return slowLog;
    }

    /** The live toggles; an adapter adds those of its own code paths. */
    public Optimizations optimizations() {
        return optimizations;
    }

    /** The buffer pool that stages writes and queries. */
    public BufferPool pool() {
        return pool;
    }

    public QueryEngine queryEngine() {
        return queries;
    }

    /** Text collections: their searches, word indexes and embedding progress. */
    public TextIndex text() {
        return text;
    }

    public RecoveryReport recoveryReport() {
        return store.recoveryReport();
    }

    /** How long opening the data directory (replaying its log) took. */
    public long replayMillis() {
        return replayMillis;
    }

    /** What the operator should know about how this node started (a setting it could not honour). */
    public List<String> notices() {
        return List.copyOf(notices);
    }

    /** The port the metrics are served on, or 0 when metrics_port is off. */
    public int metricsPort() {
        return endpoint == null ? 0 : endpoint.port();
    }

    /**
     * Stops the metrics endpoint, the embedding and the query threads, closes the word indexes,
     * syncs and closes the store, frees the pool.
     */
    @Override
    public void close() throws IOException {
        if (endpoint != null) {
            endpoint.close();
        }
        try {
            if (text != null) {
                text.close();
            }
        } finally {
            embedders.close();
            queries.close();
            try {
                store.close();
            } finally {
                pool.close();
            }
        }
    }
}
