package io.vexfs.core.metrics;

/**
 * Values that live in another component and are sampled when metrics are read; the owner
 * binds each with {@link VexMetrics#bind}. A monotonic one (a running total such as the
 * pool's hits) is exposed as a Prometheus counter so that rate() works on it; the others are
 * gauges. The heap gauges are bound by {@link VexMetrics} itself; off-heap memory is the
 * pool's, bound by its owner (memory segments do not show in the JVM's buffer pool beans).
 */
public enum VexGauge {
    VECTORS_STORED("vexfs.vectors.stored", null, false, "Vectors committed and searchable"),
    COLLECTIONS("vexfs.collections", null, false, "Collections (top-level directories)"),
    SEGMENTS("vexfs.segments", null, false, "Data segment files"),
    DATA_BYTES("vexfs.segments.data", "bytes", false, "Bytes held by data segment files"),
    LIVE_BYTES("vexfs.segments.live", "bytes", false, "Bytes of data segments that live files reference"),
    POOL_CAPACITY("vexfs.pool.capacity", "bytes", false, "Off-heap buffer pool size"),
    POOL_USED("vexfs.pool.used", "bytes", false, "Off-heap buffer pool bytes handed out"),
    POOL_HITS("vexfs.pool.hits", null, true, "Buffer requests served from a pool tier"),
    POOL_MISSES("vexfs.pool.misses", null, true, "Buffer requests the pool could not serve"),
    HEAP_USED("vexfs.heap.used", "bytes", false, "Java heap in use"),
    HEAP_MAX("vexfs.heap.max", "bytes", false, "Largest the Java heap may grow (-Xmx)");

    private final String metricName;
    private final String baseUnit;
    private final boolean monotonic;
    private final String help;

    VexGauge(String metricName, String baseUnit, boolean monotonic, String help) {
        this.metricName = metricName;
        this.baseUnit = baseUnit;
        this.monotonic = monotonic;
        this.help = help;
    }

    /** The Micrometer name, also the key of {@link MetricsSnapshot#values()}. */
    public String metricName() {
        return metricName;
    }

    /** "bytes", or null for a plain number. */
    public String baseUnit() {
        return baseUnit;
    }

    /** A running total that never decreases: exposed as a counter. */
    public boolean monotonic() {
        return monotonic;
    }

    public String help() {
        return help;
    }
}
