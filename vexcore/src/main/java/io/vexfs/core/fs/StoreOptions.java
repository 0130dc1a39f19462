package io.vexfs.core.fs;

import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.pool.BufferPool;

import java.nio.file.Path;

/**
 * What a store needs to open: where its data lives, how the log rolls, when a checkpoint
 * bounds it (log bytes or records since the last one), when a mostly-dead segment is compacted,
 * and the buffer pool that stages writes. Built from the mount's configuration, or directly
 * when vexcore is used as a library.
 */
public record StoreOptions(Path dataDir, long walSegmentBytes, boolean syncOnClose,
                           long compactionMinDead, double compactionDeadRatio,
                           long checkpointLogBytes, long checkpointLogRecords, BufferPool pool,
                           VexMetrics metrics, ErrorLog errors) {
    public static StoreOptions defaults(Path dataDir, BufferPool pool) {
        return new StoreOptions(dataDir, 256L << 20, false, 64L << 20, 0.5, 64L << 20, 100_000, pool, new VexMetrics(),
                new ErrorLog());
    }
}
