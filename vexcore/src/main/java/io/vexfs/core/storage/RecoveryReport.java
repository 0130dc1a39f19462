package io.vexfs.core.storage;

import java.util.List;

/**
 * What {@link WriteAheadLog#open} replayed and what it had to repair.
 *
 * @param checkpointSeq     the seq of the checkpoint replayed first, 0 when there was none
 * @param checkpointRecords records replayed from that checkpoint
 * @param segmentsReplayed  log segments replayed after the checkpoint
 * @param recordsReplayed   all records replayed, checkpoint included
 * @param bytesReplayed     framed bytes of those records (headers included, file headers not)
 * @param problems          one human-readable line per torn tail, corruption or file set aside
 */
public record RecoveryReport(long checkpointSeq, long checkpointRecords, int segmentsReplayed,
                             long recordsReplayed, long bytesReplayed, List<String> problems) {
    public RecoveryReport {
        problems = List.copyOf(problems);
    }

    /** True when everything on disk was replayed and nothing was dropped. */
    public boolean clean() {
        return problems.isEmpty();
    }
}
