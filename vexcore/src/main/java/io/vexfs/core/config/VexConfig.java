package io.vexfs.core.config;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The effective configuration of a mount: etc/vexfs.conf over the defaults. Sizes are bytes,
 * paths are absolute. {@code enableSimd} is set by both {@code [performance] enable_simd} and
 * its older name {@code [optimization] enable_simd_optimization}.
 */
public record VexConfig(
        Path mountpoint,
        Path dataDir,
        boolean allowOther,
        long maxWrite,
        Duration attrTimeout,
        Duration entryTimeout,
        boolean syncOnClose,
        long walSegmentSize,
        long compactionMinDead,
        double compactionDeadRatio,
        long checkpointLogSize,
        int checkpointLogRecords,
        long memoryPoolSize,
        boolean enableSimd,
        int maxConcurrentOperations,
        int ioThreads,
        int cacheSize,
        Duration queryTtl,
        Duration slowOpThreshold,
        int metricsPort,
        boolean enableMemoryOptimization,
        boolean enableStackOptimization,
        boolean enableCrossLayerOptimization,
        boolean enableQueryCache) {

    public VexConfig {
        Objects.requireNonNull(mountpoint, "mountpoint");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(attrTimeout, "attrTimeout");
        Objects.requireNonNull(entryTimeout, "entryTimeout");
        Objects.requireNonNull(queryTtl, "queryTtl");
        Objects.requireNonNull(slowOpThreshold, "slowOpThreshold");
    }

    /** The defaults of {@link ConfigKey}'s table (etc/vexfs.conf documents the same), with paths resolved against {@code baseDir}. */
    public static VexConfig defaults(Path baseDir) {
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, key.defaultValue(baseDir));
        }
        return of(values);
    }

    /** This configuration with another data directory (the mount's --data). */
    public VexConfig withDataDir(Path dir) {
        return with(ConfigKey.DATA_DIR, dir.toAbsolutePath().normalize());
    }

    /** This configuration with another mount point (the mount's --mountpoint). */
    public VexConfig withMountpoint(Path dir) {
        return with(ConfigKey.MOUNTPOINT, dir.toAbsolutePath().normalize());
    }

    private VexConfig with(ConfigKey key, Object value) {
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            values.put(k, k.valueIn(this));
        }
        values.put(key, value);
        return of(values);
    }

    /** A configuration from a value for each key of the table (the old simd name is read through enable_simd). */
    static VexConfig of(Map<ConfigKey, Object> v) {
        return new VexConfig(
                (Path) v.get(ConfigKey.MOUNTPOINT),
                (Path) v.get(ConfigKey.DATA_DIR),
                (Boolean) v.get(ConfigKey.ALLOW_OTHER),
                (Long) v.get(ConfigKey.MAX_WRITE),
                (Duration) v.get(ConfigKey.ATTR_TIMEOUT),
                (Duration) v.get(ConfigKey.ENTRY_TIMEOUT),
                (Boolean) v.get(ConfigKey.SYNC_ON_CLOSE),
                (Long) v.get(ConfigKey.WAL_SEGMENT_SIZE),
                (Long) v.get(ConfigKey.COMPACTION_MIN_DEAD),
                (Double) v.get(ConfigKey.COMPACTION_DEAD_RATIO),
                (Long) v.get(ConfigKey.CHECKPOINT_LOG_SIZE),
                (Integer) v.get(ConfigKey.CHECKPOINT_LOG_RECORDS),
                (Long) v.get(ConfigKey.MEMORY_POOL_SIZE),
                (Boolean) v.get(ConfigKey.ENABLE_SIMD),
                (Integer) v.get(ConfigKey.MAX_CONCURRENT_OPERATIONS),
                (Integer) v.get(ConfigKey.IO_THREADS),
                (Integer) v.get(ConfigKey.CACHE_SIZE),
                (Duration) v.get(ConfigKey.QUERY_TTL),
                (Duration) v.get(ConfigKey.SLOW_OP_THRESHOLD),
                (Integer) v.get(ConfigKey.METRICS_PORT),
                (Boolean) v.get(ConfigKey.ENABLE_MEMORY_OPTIMIZATION),
                (Boolean) v.get(ConfigKey.ENABLE_STACK_OPTIMIZATION),
                (Boolean) v.get(ConfigKey.ENABLE_CROSS_LAYER_OPTIMIZATION),
                (Boolean) v.get(ConfigKey.ENABLE_QUERY_CACHE));
    }

    /**
     * Reads {@code file} (TOML); keys it does not set keep their defaults. Relative paths in it
     * are resolved against {@code baseDir}. The memory pool must fit in this machine's memory.
     */
    public static VexConfig load(Path file, Path baseDir) throws ConfigException {
        return load(file, baseDir, physicalMemoryBytes());
    }

    /** As {@link #load(Path, Path)}, checking the memory pool against {@code physicalMemoryBytes}. */
    public static VexConfig load(Path file, Path baseDir, long physicalMemoryBytes) throws ConfigException {
        return new ConfigLoader(file, baseDir, physicalMemoryBytes).load();
    }

    /** This machine's physical memory (the container's limit when in one). */
    public static long physicalMemoryBytes() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** Every key, section by section, as TOML that {@link #load} reads back to an equal config. */
    public String toToml() {
        StringBuilder out = new StringBuilder();
        String section = null;
        for (ConfigKey key : ConfigKey.values()) {
            if (!key.section().equals(section)) {
                section = key.section();
                out.append(out.isEmpty() ? "" : "\n").append('[').append(section).append("]\n");
            }
            out.append(key.render(this)).append('\n');
        }
        return out.toString();
    }
}
