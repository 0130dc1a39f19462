package io.vexfs.core.config;

import io.vexfs.core.config.ValueType.Count;
import io.vexfs.core.config.ValueType.Flag;
import io.vexfs.core.config.ValueType.Fraction;
import io.vexfs.core.config.ValueType.Location;
import io.vexfs.core.config.ValueType.Size;
import io.vexfs.core.config.ValueType.Span;
import java.time.Duration;
import java.util.function.Function;

/**
 * Every key of etc/vexfs.conf in file order: its section, its TOML name, how it is read and
 * where its value lives in {@link VexConfig}. The loader, the unknown-key check and
 * {@link VexConfig#toToml()} all work from this one table, so they cannot drift apart.
 */
enum ConfigKey {
    MOUNTPOINT("mount", "mountpoint", new Location(), VexConfig::mountpoint),
    DATA_DIR("mount", "data_dir", new Location(), VexConfig::dataDir),
    ALLOW_OTHER("mount", "allow_other", new Flag(), VexConfig::allowOther),
    MAX_WRITE("mount", "max_write", new Size(4 * Units.KIB, Units.MIB), VexConfig::maxWrite),
    ATTR_TIMEOUT("mount", "attr_timeout", new Span(Duration.ZERO, Duration.ofHours(1)), VexConfig::attrTimeout),
    ENTRY_TIMEOUT("mount", "entry_timeout", new Span(Duration.ZERO, Duration.ofHours(1)), VexConfig::entryTimeout),

    SYNC_ON_CLOSE("storage", "sync_on_close", new Flag(), VexConfig::syncOnClose),
    WAL_SEGMENT_SIZE("storage", "wal_segment_size", new Size(Units.MIB, 16 * Units.GIB), VexConfig::walSegmentSize),
    COMPACTION_MIN_DEAD("storage", "compaction_min_dead", new Size(0, Units.TIB), VexConfig::compactionMinDead),
    COMPACTION_DEAD_RATIO("storage", "compaction_dead_ratio", new Fraction(0.1, 0.9), VexConfig::compactionDeadRatio),
    CHECKPOINT_LOG_SIZE("storage", "checkpoint_log_size", new Size(Units.MIB, 64 * Units.GIB), VexConfig::checkpointLogSize),
    CHECKPOINT_LOG_RECORDS("storage", "checkpoint_log_records", new Count(1000, 100_000_000), VexConfig::checkpointLogRecords),

    MEMORY_POOL_SIZE("performance", "memory_pool_size", new Size(Units.MIB, Long.MAX_VALUE), VexConfig::memoryPoolSize),
    ENABLE_SIMD("performance", "enable_simd", new Flag(), VexConfig::enableSimd),
    MAX_CONCURRENT_OPERATIONS("performance", "max_concurrent_operations", new Count(1, 4096),
            VexConfig::maxConcurrentOperations),
    IO_THREADS("performance", "io_threads", new Count(0, 1024), VexConfig::ioThreads),
    CACHE_SIZE("performance", "cache_size", new Count(0, 1 << 20), VexConfig::cacheSize),
    QUERY_TTL("performance", "query_ttl", new Span(Duration.ofSeconds(1), Duration.ofHours(24)), VexConfig::queryTtl),
    SLOW_OP_THRESHOLD("performance", "slow_op_threshold", new Span(Duration.ZERO, Duration.ofHours(1)),
            VexConfig::slowOpThreshold),
    METRICS_PORT("performance", "metrics_port", new Count(0, 65535), VexConfig::metricsPort),

    ENABLE_MEMORY_OPTIMIZATION("optimization", "enable_memory_optimization", new Flag(),
            VexConfig::enableMemoryOptimization),
    /** The old name of enable_simd: both keys set one component and must agree when both are given. */
    ENABLE_SIMD_OPTIMIZATION("optimization", "enable_simd_optimization", new Flag(), VexConfig::enableSimd),
    ENABLE_STACK_OPTIMIZATION("optimization", "enable_stack_optimization", new Flag(),
            VexConfig::enableStackOptimization),
    ENABLE_CROSS_LAYER_OPTIMIZATION("optimization", "enable_cross_layer_optimization", new Flag(),
            VexConfig::enableCrossLayerOptimization),
    ENABLE_QUERY_CACHE("optimization", "enable_query_cache", new Flag(), VexConfig::enableQueryCache);

    private final String section;
    private final String tomlName;
    private final ValueType type;
    private final Function<VexConfig, Object> component;

    ConfigKey(String section, String tomlName, ValueType type, Function<VexConfig, Object> component) {
        this.section = section;
        this.tomlName = tomlName;
        this.type = type;
        this.component = component;
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
