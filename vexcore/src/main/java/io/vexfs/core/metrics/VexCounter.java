package io.vexfs.core.metrics;

/**
 * Events vexcore counts as they happen. Each is a Prometheus counter named after
 * {@link #metricName()}: dots become underscores, then the unit and "_total" are appended
 * ({@code vexfs.wal.written} in bytes is {@code vexfs_wal_written_bytes_total}).
 */
public enum VexCounter {
    VECTOR_READS("vexfs.vectors.read", null, "Vectors returned by reads of vector files"),
    VECTOR_WRITES("vexfs.vectors.written", null, "Vectors committed by writes of vector files"),
    COMMITS("vexfs.commits", null, "Vector files committed on close"),
    SEARCHES("vexfs.searches", null, "Queries searched; a batch counts each of its queries"),
    VECTORS_SCANNED("vexfs.vectors.scanned", null, "Distances computed by exact (flat) searches"),
    HNSW_SEARCHES("vexfs.searches.hnsw", null, "Queries searched through an hnsw index"),
    QUERY_CACHE_HITS("vexfs.query.cache.hits", null, "Queries answered from the result cache"),
    QUERY_CACHE_MISSES("vexfs.query.cache.misses", null, "Queries the result cache could not answer"),
    WAL_BYTES("vexfs.wal.written", "bytes", "Bytes appended to the write-ahead log"),
    WAL_FSYNCS("vexfs.wal.fsyncs", null, "fsync calls on the write-ahead log"),
    COMPACTIONS("vexfs.compactions", null, "Checkpoints written (each drops the log before it and retires dead segments)"),
    BYTES_COMPACTED("vexfs.segments.compacted", "bytes", "Live bytes rewritten out of mostly-dead segments by compaction"),
    REJECTED_OPERATIONS("vexfs.rejected", null, "Operations refused with an error (see .vexfs/errors)");

    private final String metricName;
    private final String baseUnit;
    private final String help;

    VexCounter(String metricName, String baseUnit, String help) {
        this.metricName = metricName;
        this.baseUnit = baseUnit;
        this.help = help;
    }

    /** The Micrometer name, also the key of {@link MetricsSnapshot#values()}. */
    public String metricName() {
        return metricName;
    }

    /** "bytes", or null for a plain count. */
    public String baseUnit() {
        return baseUnit;
    }

    public String help() {
        return help;
    }
}
