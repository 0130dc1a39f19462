package io.vexfs.core.config;

import io.vexfs.core.config.ValueType.Count;
import io.vexfs.core.config.ValueType.Flag;
import io.vexfs.core.config.ValueType.Fraction;
import io.vexfs.core.config.ValueType.Location;
import io.vexfs.core.config.ValueType.Size;
import io.vexfs.core.config.ValueType.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * Every key of etc/vexfs.conf in file order: its section, its TOML name, how it is read, its
 * default, and the named accessor of {@link VexConfig} that holds its value. The defaults, the
 * loader, the unknown-key check and {@link VexConfig#toToml()} all work from this one table, so
 * they cannot drift apart (and a test holds etc/vexfs.conf to the same defaults).
 */
enum ConfigKey {
    MOUNTPOINT("mount", "mountpoint", new Location(), "./mnt", VexConfig::mountpoint),
    DATA_DIR("mount", "data_dir", new Location(), "./data", VexConfig::dataDir),
    ALLOW_OTHER("mount", "allow_other", new Flag(), false, VexConfig::allowOther),
    MAX_WRITE("mount", "max_write", new Size(4 * Units.KIB, Units.MIB), "128KiB", VexConfig::maxWrite),
    ATTR_TIMEOUT("mount", "attr_timeout", new Span(Duration.ZERO, Duration.ofHours(1)), "0s", VexConfig::attrTimeout),
    ENTRY_TIMEOUT("mount", "entry_timeout", new Span(Duration.ZERO, Duration.ofHours(1)), "1s", VexConfig::entryTimeout),

    SYNC_ON_CLOSE("storage", "sync_on_close", new Flag(), false, VexConfig::syncOnClose),
    WAL_SEGMENT_SIZE("storage", "wal_segment_size", new Size(Units.MIB, 16 * Units.GIB), "256MiB",
            VexConfig::walSegmentSize),
    COMPACTION_MIN_DEAD("storage", "compaction_min_dead", new Size(0, Units.TIB), "64MiB", VexConfig::compactionMinDead),
    COMPACTION_DEAD_RATIO("storage", "compaction_dead_ratio", new Fraction(0.1, 0.9), 0.5,
            VexConfig::compactionDeadRatio),
    CHECKPOINT_LOG_SIZE("storage", "checkpoint_log_size", new Size(Units.MIB, 64 * Units.GIB), "64MiB",
            VexConfig::checkpointLogSize),
    CHECKPOINT_LOG_RECORDS("storage", "checkpoint_log_records", new Count(1000, 100_000_000), 100_000L,
            VexConfig::checkpointLogRecords),

    MEMORY_POOL_SIZE("performance", "memory_pool_size", new Size(Units.MIB, Long.MAX_VALUE), "256MiB",
            VexConfig::memoryPoolSize),
    ENABLE_SIMD("performance", "enable_simd", new Flag(), true, VexConfig::enableSimd),
    MAX_CONCURRENT_OPERATIONS("performance", "max_concurrent_operations", new Count(1, 4096), 256L,
            VexConfig::maxConcurrentOperations),
    IO_THREADS("performance", "io_threads", new Count(0, 1024), 0L, VexConfig::ioThreads),
    CACHE_SIZE("performance", "cache_size", new Count(0, 1 << 20), 1024L, VexConfig::cacheSize),
    QUERY_TTL("performance", "query_ttl", new Span(Duration.ofSeconds(1), Duration.ofHours(24)), "10m",
            VexConfig::queryTtl),
    SLOW_OP_THRESHOLD("performance", "slow_op_threshold", new Span(Duration.ZERO, Duration.ofHours(1)), "10ms",
            VexConfig::slowOpThreshold),
    METRICS_PORT("performance", "metrics_port", new Count(0, 65535), 0L, VexConfig::metricsPort),

    ENABLE_MEMORY_OPTIMIZATION("optimization", "enable_memory_optimization", new Flag(), true,
            VexConfig::enableMemoryOptimization),
    /** The old name of enable_simd: both keys set one component and must agree when both are given. */
    ENABLE_SIMD_OPTIMIZATION("optimization", "enable_simd_optimization", new Flag(), true, VexConfig::enableSimd),
    ENABLE_STACK_OPTIMIZATION("optimization", "enable_stack_optimization", new Flag(), true,
            VexConfig::enableStackOptimization),
    ENABLE_CROSS_LAYER_OPTIMIZATION("optimization", "enable_cross_layer_optimization", new Flag(), true,
            VexConfig::enableCrossLayerOptimization),
    ENABLE_QUERY_CACHE("optimization", "enable_query_cache", new Flag(), true, VexConfig::enableQueryCache);

    private final String section;
    private final String tomlName;
    private final ValueType type;
    /** The default as etc/vexfs.conf writes it: read by the same parser as the file's values. */
    private final Object defaultText;
    private final Function<VexConfig, Object> component;

    ConfigKey(String section, String tomlName, ValueType type, Object defaultText, Function<VexConfig, Object> component) {
        this.section = section;
        this.tomlName = tomlName;
        this.type = type;
        this.defaultText = defaultText;
        this.component = component;
    }

    /** The default value, typed as {@link VexConfig} holds it; paths resolved against {@code baseDir}. */
    Object defaultValue(Path baseDir) {
        try {
            return type.parse(tomlName, defaultText, baseDir);
        } catch (ValueType.InvalidValueException e) {
            throw new IllegalStateException("the default of " + tomlName + " is not valid: " + e.getMessage(), e);
        }
    }

    String section() {
        return section;
    }

    String tomlName() {
        return tomlName;
    }

    ValueType type() {
        return type;
    }

    Object valueIn(VexConfig config) {
        return component.apply(config);
    }

    /** The key's TOML line as {@link VexConfig#toToml()} writes it. */
    String render(VexConfig config) {
        return tomlName + " = " + type.render(valueIn(config));
    }

    static ConfigKey find(String section, String tomlName) {
        for (ConfigKey key : values()) {
            if (key.section.equals(section) && key.tomlName.equals(tomlName)) {
                return key;
            }
        }
        return null;
    }

    static boolean isSection(String name) {
        for (ConfigKey key : values()) {
            if (key.section.equals(name)) {
                return true;
            }
        }
        return false;
    }
}
