package io.vexfs.core.storage;

/**
 * A snapshot of the log's counters for metrics. Counts are since this open.
 *
 * @param bytesAppended      framed bytes appended (record headers included)
 * @param recordsAppended    records appended
 * @param fsyncs             file and directory fsyncs issued, checkpoints included
 * @param segmentCount       log segment files on disk now
 * @param liveLogBytes       bytes of those segments: what the next open replays after the checkpoint
 * @param checkpointSeq      seq of the current checkpoint, 0 when there is none
 * @param checkpointBytes    size of the current checkpoint file
 * @param checkpointsWritten checkpoints completed
 */
public record LogStats(long bytesAppended, long recordsAppended, long fsyncs, int segmentCount,
                       long liveLogBytes, long checkpointSeq, long checkpointBytes, long checkpointsWritten) {
}
