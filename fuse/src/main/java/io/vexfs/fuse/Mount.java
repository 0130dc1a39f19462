package io.vexfs.fuse;

import io.vexfs.core.config.VexConfig;
import io.vexfs.core.control.Optimizations;
import io.vexfs.core.control.Profiler;
import io.vexfs.core.control.StatsReport;
import io.vexfs.core.fs.ControlFile;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.metrics.SlowLog;
import io.vexfs.core.metrics.VexGauge;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.core.query.QueryEngine;
import io.vexfs.core.query.QueryNamespace;
import io.vexfs.pool.BufferPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One mounted filesystem: the store, its FUSE adapter, and the control plane wired together. */
final class Mount {
    private static final int MAX_OPEN_FILES = 1 << 16;

    private final VexConfig cfg;
    private final VexStore store;
    private final VexFuse fuse;
    private final VexMetrics metrics;
    private final ErrorLog errors;
    private final SlowLog slowLog;
    private final Optimizations optimizations = new Optimizations();
    private final OperationObserver observer;

    Mount(VexConfig cfg, Path configFile, VexStore store, BufferPool pool) {
        this.cfg = cfg;
        this.store = store;
        this.metrics = store.metrics();
        this.errors = store.errors();
        this.slowLog = new SlowLog(cfg.slowOpThreshold());
        if (cfg.enableSimd() && !VectorKernels.isSimdAvailable()) {
            // Start anyway, on the scalar kernels (same answers), and say why.
            System.err.println("vexfs: enable_simd is on but " + VectorKernels.simdUnavailableReason().orElseThrow()
                    + "; using the scalar kernels");
        }
        VectorKernels.setSimd(cfg.enableSimd() && VectorKernels.isSimdAvailable());
        this.observer = new OperationObserver(metrics, slowLog, errors, cfg.maxConcurrentOperations(),
                cfg.enableCrossLayerOptimization());
        this.fuse = new VexFuse(store, new HandleTable(MAX_OPEN_FILES), observer);

        // simd: SIMD distance kernels (off: scalar); only where the JVM has a usable Vector API.
        if (VectorKernels.isSimdAvailable()) {
            optimizations.add(new Optimizations.Toggle("simd", VectorKernels::isSimd, VectorKernels::setSimd));
        }
        // memory: the off-heap buffer pool (off: plain allocation per buffer).
        optimizations.add(new Optimizations.Toggle("memory", pool::pooling, pool::setPooling));
        // zerocopy: reads go straight into the FUSE buffer (off: through a heap copy).
        optimizations.add(new Optimizations.Toggle("zerocopy", observer::zeroCopy, observer::setZeroCopy));

        QueryEngine queries = new QueryEngine(metrics, cfg.ioThreads(), cfg.cacheSize(), cfg.enableQueryCache(),
                cfg.enableStackOptimization());
        // cache: the query result cache (off: every query is searched).
        optimizations.add(new Optimizations.Toggle("cache", queries::cacheOn, queries::setCacheOn));
        // scratch: per-thread search buffers reused (off: allocated per search).
        optimizations.add(new Optimizations.Toggle("scratch", queries::reuseScratch, queries::setReuseScratch));
        store.virtualFiles().enableQueries(new QueryNamespace(store, queries, cfg.queryTtl()));

        store.virtualFiles().register(new ControlFile("errors", errors::render, null));
        store.virtualFiles().register(new ControlFile("slowlog", slowLog::render, null));
        store.virtualFiles().register(new ControlFile("metrics", metrics::scrape, null));
        store.virtualFiles().register(new ControlFile("config", () -> effectiveConfig(configFile), null));
        store.virtualFiles().register(new ControlFile("optimizations", optimizations::render, optimizations));
        StatsReport stats = new StatsReport(store, pool::stats);
        store.virtualFiles().register(new ControlFile("stats", stats::render, null));
        Profiler profiler = new Profiler(Path.of(System.getProperty("java.io.tmpdir"), "vexfs-profiles-" + ProcessHandle.current().pid()));
        store.virtualFiles().register(new ControlFile("profile", profiler::render, profiler));

        metrics.bind(VexGauge.POOL_CAPACITY, () -> pool.stats().capacityBytes());
        metrics.bind(VexGauge.POOL_USED, () -> pool.stats().heldBytesInUse());
        metrics.bind(VexGauge.POOL_HITS, () -> pool.stats().hits());
        metrics.bind(VexGauge.POOL_MISSES, () -> pool.stats().misses());
    }

    VexFuse fuse() {
        return fuse;
    }

    private String effectiveConfig(Path configFile) {
        return "# effective configuration: " + (configFile == null ? "defaults" : configFile.toAbsolutePath())
                + " with the live toggles below\n" + cfg.toToml() + "\n# live toggles (.vexfs/optimizations)\n"
                + optimizations.render().replaceAll("(?m)^", "# ");
    }

    /**
     * Detaches the mount (lazily, so open files do not block a shutdown); libfuse's loop then
     * returns and the main thread closes the store.
     */
    void unmount() {
        Path mnt = cfg.mountpoint();
        if (!isMounted(mnt)) {
            return;
        }
        List<String> cmd = Files.isExecutable(Path.of("/usr/bin/fusermount3"))
                ? List.of("/usr/bin/fusermount3", "-u", "-z", mnt.toString())
                : List.of("umount", "-l", mnt.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                System.err.println("vexfs: " + String.join(" ", cmd) + ": " + out.strip());
            }
        } catch (IOException e) {
            System.err.println("vexfs: unmount failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isMounted(Path mnt) {
        try {
            return Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " fuse");
        } catch (IOException e) {
            System.err.println("vexfs: cannot read /proc/mounts: " + e.getMessage());
            return true;
        }
    }
}
