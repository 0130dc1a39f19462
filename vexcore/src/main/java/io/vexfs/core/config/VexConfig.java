package io.vexfs.core.config;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
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

    /** The values etc/vexfs.conf documents as defaults, with paths resolved against {@code baseDir}. */
    public static VexConfig defaults(Path baseDir) {
        Path base = baseDir.toAbsolutePath();
        return new VexConfig(
                base.resolve("mnt").normalize(),
                base.resolve("data").normalize(),
                false,
                128 * Units.KIB,
                Duration.ZERO,
                Duration.ofSeconds(1),
                false,
                256 * Units.MIB,
                64 * Units.MIB,
                0.5,
                64 * Units.MIB,
                100_000,
                256 * Units.MIB,
                true,
                256,
                0,
                1024,
                Duration.ofMinutes(10),
                Duration.ofMillis(10),
                0,
                true,
                true,
                true,
                true);
    }

    /** This configuration with another data directory (the mount's --data). */
    public VexConfig withDataDir(Path dir) {
        return new VexConfig(mountpoint, dir.toAbsolutePath().normalize(), allowOther, maxWrite, attrTimeout, entryTimeout,
                syncOnClose, walSegmentSize, compactionMinDead, compactionDeadRatio, checkpointLogSize, checkpointLogRecords,
                memoryPoolSize, enableSimd,
                maxConcurrentOperations, ioThreads, cacheSize, queryTtl, slowOpThreshold, metricsPort, enableMemoryOptimization,
                enableStackOptimization, enableCrossLayerOptimization, enableQueryCache);
    }

    /** This configuration with another mount point (the mount's --mountpoint). */
    public VexConfig withMountpoint(Path dir) {
        return new VexConfig(dir.toAbsolutePath().normalize(), dataDir, allowOther, maxWrite, attrTimeout, entryTimeout,
                syncOnClose, walSegmentSize, compactionMinDead, compactionDeadRatio, checkpointLogSize, checkpointLogRecords,
                memoryPoolSize, enableSimd,
                maxConcurrentOperations, ioThreads, cacheSize, queryTtl, slowOpThreshold, metricsPort, enableMemoryOptimization,
                enableStackOptimization, enableCrossLayerOptimization, enableQueryCache);
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
