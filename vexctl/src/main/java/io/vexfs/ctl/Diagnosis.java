package io.vexfs.ctl;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what was read from a mount into ranked findings: what costs most, the numbers that
 * show it, and the toggle or setting that would help. Each rule fires only on measured values.
 */
final class Diagnosis {
    /** Operations below this share of FUSE time are not worth a finding of their own. */
    private static final double MIN_TIME_SHARE = 0.05;
    private static final long ONE_MIB = 1 << 20;

    private Diagnosis() {
    }

    /**
     * One thing that costs, with its weight (share of time or severity, 0..1) for ranking.
     *
     * @param evidence the measured numbers behind it
     * @param advice   the toggle or setting that would help, or what to look at next
     */
    record Finding(String area, double weight, String problem, String evidence, String advice) {
    }

    /** Operations ranked by their share of all time spent in FUSE operations. */
    static List<Finding> operations(Observation o) {
        List<MetricsScrape.OpStats> ops = o.ops();
        double total = ops.stream().mapToDouble(MetricsScrape.OpStats::totalMicros).sum();
        List<Finding> findings = new ArrayList<>();
        if (total <= 0) {
            return findings;
        }
        for (MetricsScrape.OpStats s : ops) {
            double share = s.totalMicros() / total;
            if (s.count() == 0 || share < MIN_TIME_SHARE) {
                continue;
            }
            findings.add(new Finding("op " + s.op(), share,
                    s.op() + " takes " + Units.percent(share) + " of FUSE time " + o.span(),
                    s.count() + " calls, mean " + Units.micros(s.meanMicros()) + ", p99 " + Units.quantile(s.p99Micros())
                            + ", total " + Units.micros(s.totalMicros()),
                    adviceFor(s.op(), o)));
        }
        return findings;
    }

    private static String adviceFor(String op, Observation o) {
        long maxWrite = o.config().size("mount.max_write").orElse(0L);
        String raiseMaxWrite = "raise [mount] max_write (now " + Units.bytes(maxWrite) + ") to 1MiB: fewer, larger transfers";
        return switch (op) {
            case "getattr" -> o.config().duration("mount.attr_timeout").orElse(Duration.ZERO).isZero()
                    ? "[mount] attr_timeout = 0s makes the kernel ask on every stat; 1s lets it cache (sizes may then lag a commit by up to 1 s)"
                    : "the client stats often; a longer [mount] attr_timeout lets the kernel answer more of them";
            case "read" -> !o.toggle("zerocopy", true) ? "vexctl optimize zerocopy --enable (reads skip a heap copy)"
                    : maxWrite > 0 && maxWrite < ONE_MIB ? raiseMaxWrite
                    : "reads already go straight to the FUSE buffer at the largest transfer size";
            case "write" -> !o.toggle("memory", true) ? "vexctl optimize memory --enable (staging buffers from the pool)"
                    : maxWrite > 0 && maxWrite < ONE_MIB ? raiseMaxWrite
                    : "write fewer, larger files: many vectors per .fvecs file instead of one per .vec";
            case "flush", "release" -> o.config().bool("storage.sync_on_close").orElse(false)
                    ? "[storage] sync_on_close = true fsyncs the log on every close; false keeps kill -9 safety and syncs on fsync()"
                    : "each close commits to the write-ahead log (" + walPerCommit(o) + "); fewer, larger files commit less often";
            case "fsync" -> "the application calls fsync (" + Units.number(o.counter("vexfs_wal_fsyncs_total"))
                    + " log fsyncs); each waits for the disk";
            case "create", "mkdir", "unlink", "rename", "rmdir" ->
                    "namespace changes are logged one by one; store many vectors per file to make fewer of them";
            case "readdir" -> "large directories are listed in full; split them into subdirectories";
            default -> "no toggle changes " + op + "; see slow-log analyze for the paths";
        };
    }

    private static String walPerCommit(Observation o) {
        double commits = o.counter("vexfs_commits_total");
        return commits == 0 ? "no commits measured"
                : Units.bytes(o.counter("vexfs_wal_written_bytes_total") / commits) + " of log per commit";
    }

    /** Search: kernels, the result cache and how much each query scans. */
    static List<Finding> search(Observation o) {
        List<Finding> findings = new ArrayList<>();
        double searches = o.counter("vexfs_searches_total");
        if (searches <= 0) {
            return findings;
        }
        double scanned = o.counter("vexfs_vectors_scanned_total");
        String perSearch = Units.number(searches) + " searches, " + Units.number(scanned / searches) + " vectors scanned per search";
        if (!o.toggle("simd", true)) {
            findings.add(new Finding("search", 0.6, "searches run the scalar distance kernels", perSearch + ", simd off",
                    "vexctl optimize simd --enable"));
        }
        double hits = o.counter("vexfs_query_cache_hits_total");
        double misses = o.counter("vexfs_query_cache_misses_total");
        if (!o.toggle("cache", true) && o.toggles().containsKey("cache")) {
            findings.add(new Finding("search", 0.4, "the query result cache is off", perSearch,
                    "vexctl optimize cache --enable (repeated queries are answered without a scan)"));
        } else if (hits + misses > 0 && hits / (hits + misses) < 0.2 && misses >= 100) {
            findings.add(new Finding("search", 0.2, "few queries are answered from the result cache",
                    "hit rate " + Units.percent(hits / (hits + misses)) + " (" + Units.number(hits) + " hits, " + Units.number(misses) + " misses)",
                    "queries rarely repeat; if they do, raise [performance] cache_size (now "
                            + o.config().string("performance.cache_size").orElse("n/a") + ")"));
        }
        return findings;
    }

    /** Heap, the off-heap pool, and memory on this machine. */
    static List<Finding> memory(Observation o, Map<String, Long> meminfo) {
        List<Finding> findings = new ArrayList<>();
        double heapUsed = o.gauge("vexfs_heap_used_bytes");
        double heapMax = o.gauge("vexfs_heap_max_bytes");
        if (heapMax > 0 && heapUsed / heapMax > 0.85) {
            findings.add(new Finding("heap", 0.9, "the mount's heap is nearly full",
                    Units.bytes(heapUsed) + " of " + Units.bytes(heapMax) + " (" + Units.percent(heapUsed / heapMax) + ")",
                    "start the mount with a larger -Xmx, or lower [performance] cache_size"));
        }
        double poolHits = o.counter("vexfs_pool_hits_total");
        double poolMisses = o.counter("vexfs_pool_misses_total");
        if (poolHits + poolMisses > 0 && poolMisses / (poolHits + poolMisses) > 0.05) {
            double missRate = poolMisses / (poolHits + poolMisses);
            findings.add(new Finding("pool", Math.min(0.8, missRate), "buffer requests miss the pool and allocate",
                    Units.number(poolMisses) + " misses of " + Units.number(poolHits + poolMisses) + " (" + Units.percent(missRate) + ")",
                    o.toggle("memory", true) ? "raise [performance] memory_pool_size (now "
                            + o.config().string("performance.memory_pool_size").orElse("n/a") + ")"
                            : "vexctl optimize memory --enable"));
        }
        double poolCap = o.gauge("vexfs_pool_capacity_bytes");
        double poolUsed = o.gauge("vexfs_pool_used_bytes");
        if (poolCap > 0 && poolUsed / poolCap > 0.9) {
            findings.add(new Finding("pool", 0.7, "the buffer pool is nearly exhausted",
                    Units.bytes(poolUsed) + " of " + Units.bytes(poolCap) + " handed out",
                    "raise [performance] memory_pool_size, or lower max_concurrent_operations"));
        }
        if (!o.toggle("memory", true) && o.toggles().containsKey("memory")) {
            findings.add(new Finding("pool", 0.3, "the buffer pool is off: every staging buffer is a fresh allocation",
                    "memory off in .vexfs/optimizations", "vexctl optimize memory --enable"));
        }
        long available = meminfo.getOrDefault("MemAvailable", 0L);
        long total = meminfo.getOrDefault("MemTotal", 0L);
        if (total > 0 && (double) available / total < 0.1) {
            findings.add(new Finding("system memory", 0.8, "this machine is short of memory",
                    Units.bytes(available) + " available of " + Units.bytes(total),
                    "lower memory_pool_size or -Xmx of the mount, or stop other processes"));
        }
        return findings;
    }

    /** CPU load and the disk the data lives on. */
    static List<Finding> cpuAndDisk(SystemInfo.LoadAverage load, int cores, SystemInfo.Disk dataDisk, Optional<Integer> ioThreads) {
        List<Finding> findings = new ArrayList<>();
        if (load.one() > cores) {
            findings.add(new Finding("cpu", Math.min(1, load.one() / cores / 2), "the CPU is saturated",
                    String.format(Locale.ROOT, "load %.2f over the last minute on %d cores", load.one(), cores),
                    ioThreads.filter(t -> t == 0 || t > cores).isPresent()
                            ? "lower [performance] io_threads (0 means one per core) or max_concurrent_operations"
                            : "lower [performance] max_concurrent_operations, or add cores"));
        }
        if (dataDisk.freeFraction() < 0.1) {
            findings.add(new Finding("disk", 0.95, "the data directory's disk is nearly full",
                    Units.bytes(dataDisk.usable()) + " free of " + Units.bytes(dataDisk.total()) + " on " + dataDisk.store(),
                    "free space, or lower [storage] compaction_min_dead so old log files go sooner"));
        }
        return findings;
    }

    /** Refused operations, by reason. */
    static List<Finding> errors(Observation o, List<ControlPlane.ErrorEntry> errors) {
        List<Finding> findings = new ArrayList<>();
        double rejected = o.counter("vexfs_rejected_total");
        if (rejected > 0 && !errors.isEmpty()) {
            ControlPlane.ErrorEntry last = errors.getLast();
            findings.add(new Finding("errors", 0.3, "operations are refused",
                    Units.number(rejected) + " rejected " + o.span() + "; latest: " + last.path() + " " + last.errno() + " " + last.reason(),
                    "cat .vexfs/errors: fix the client's input"));
        }
        return findings;
    }

    static List<Finding> ranked(List<Finding> findings) {
        return findings.stream().sorted(Comparator.comparingDouble(Finding::weight).reversed()).toList();
    }

    static void print(PrintWriter out, List<Finding> findings) {
        if (findings.isEmpty()) {
            out.println("nothing stands out: no rule found a cost worth acting on");
            return;
        }
        int rank = 1;
        for (Finding f : ranked(findings)) {
            out.println(rank++ + ". [" + f.area() + "] " + f.problem());
            out.println("   evidence: " + f.evidence());
            out.println("   helps:    " + f.advice());
        }
    }
}
