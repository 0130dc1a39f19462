package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** {@code vexctl storage analyze}: data segments (live and dead bytes), the write-ahead log, checkpoints, and what they cost per commit. */
@Command(name = "storage", mixinStandardHelpOptions = true, description = "The mount's durable storage.")
final class StorageCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Segments, log bytes, fsyncs, compactions and vectors stored, with the ratios that matter.")
    int analyze() throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        MetricsScrape m = plane.scrape();
        VexConfigFile config = plane.config();
        double commits = m.valueOrZero("vexfs_commits_total");
        double walBytes = m.valueOrZero("vexfs_wal_written_bytes_total");
        double fsyncs = m.valueOrZero("vexfs_wal_fsyncs_total");
        Table t = new Table("figure", "value");
        t.row("collections", CacheCommand.count(m, "vexfs_collections"));
        t.row("vectors stored", CacheCommand.count(m, "vexfs_vectors_stored"));
        double data = m.valueOrZero("vexfs_segments_data_bytes");
        double live = m.valueOrZero("vexfs_segments_live_bytes");
        t.row("data segment files", CacheCommand.count(m, "vexfs_segments"));
        t.row("bytes in segments", Units.bytes(data));
        t.row("of which live", Units.bytes(live) + (data == 0 ? "" : " (" + Units.number(100 * live / data) + "%)"));
        t.row("compacted (rewritten live bytes)", Units.bytes(m.valueOrZero("vexfs_segments_compacted_bytes_total")));
        t.row("commits (files closed)", CacheCommand.count(m, "vexfs_commits_total"));
        t.row("vectors written", CacheCommand.count(m, "vexfs_vectors_written_total"));
        t.row("log bytes written", Units.bytes(walBytes));
        t.row("log fsyncs", CacheCommand.count(m, "vexfs_wal_fsyncs_total"));
        t.row("checkpoints", CacheCommand.count(m, "vexfs_compactions_total"));
        t.row("log bytes per commit", commits == 0 ? "n/a" : Units.bytes(walBytes / commits));
        t.row("fsyncs per commit", commits == 0 ? "n/a" : Units.number(fsyncs / commits));
        Path dataDir = config.dataDir();
        long onDisk = Files.isDirectory(dataDir) ? sizeOf(dataDir) : -1;
        t.row("data directory", dataDir);
        t.row("data directory size", onDisk < 0 ? "n/a" : Units.bytes(onDisk));
        t.print(out);
        Table.heading(out, "Settings that shape storage (" + config.source() + ")");
        Table s = new Table("setting", "value", "line");
        for (String key : new String[]{"storage.sync_on_close", "storage.wal_segment_size", "storage.compaction_min_dead",
                "storage.compaction_dead_ratio", "storage.checkpoint_log_size", "storage.checkpoint_log_records"}) {
            s.row(key, config.string(key).orElse("n/a"), config.line(key));
        }
        s.print(out);
        return Vexctl.OK;
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
