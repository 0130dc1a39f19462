package io.vexfs.core.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Brings a storage directory back to a consistent state at open: replays the newest checkpoint
 * and the segments after it, cuts a torn tail, and sets aside whatever follows a corruption so
 * that what is on disk afterwards is exactly what was replayed.
 *
 * <p>Repairs are ordered so that a crash in the middle of one leaves a directory the next open
 * repairs the same way: files after a corruption are set aside before the corrupt file is cut.
 */
final class LogRecovery {
    /** A log file that stays after recovery. */
    record LogFile(long seq, Path path, long bytes) {
    }

    /**
     * The recovered directory: {@code segments} are in seq order and the last one, which
     * always exists and has a valid header, is where appends continue.
     */
    record Recovered(RecoveryReport report, long checkpointSeq, long checkpointBytes, List<LogFile> segments) {
    }

    private final Path dir;
    private final RecordVisitor visitor;
    private final List<String> problems = new ArrayList<>();
    private long checkpointRecords;
    private int segmentsReplayed;
    private long recordsReplayed;
    private long bytesReplayed;

    private LogRecovery(Path dir, RecordVisitor visitor) {
        this.dir = dir;
        this.visitor = visitor;
    }

    static Recovered run(Path dir, RecordVisitor visitor) throws IOException {
        return new LogRecovery(dir, visitor).run();
    }

    private Recovered run() throws IOException {
        deleteTempFiles();
        NavigableMap<Long, Path> checkpoints = list(LogFormat.Kind.CHECKPOINT);
        NavigableMap<Long, Path> segments = list(LogFormat.Kind.SEGMENT);
        long checkpointSeq = 0;
        long checkpointBytes = 0;
        if (!checkpoints.isEmpty()) {
            checkpointSeq = checkpoints.lastKey();
            Path checkpoint = checkpoints.lastEntry().getValue();
            // A newer checkpoint is renamed into place only when complete, so these are obsolete
            // leftovers of a crash between that rename and the cleanup after it.
            for (Path older : checkpoints.headMap(checkpointSeq, false).values()) {
                Files.delete(older);
            }
            NavigableMap<Long, Path> covered = segments.headMap(checkpointSeq, false);
            for (Path obsolete : covered.values()) {
                Files.delete(obsolete);
            }
            covered.clear();
            RecordScanner.Scan scan = replay(LogFormat.Kind.CHECKPOINT, checkpointSeq, checkpoint);
            checkpointRecords = scan.records();
            if (scan.failed()) {
                return salvageCheckpoint(checkpoint, checkpointSeq, scan, segments);
            }
            checkpointBytes = scan.fileSize();
        }
        List<LogFile> kept = replaySegments(segments, checkpointSeq > 0 ? checkpointSeq : segments.isEmpty() ? 1 : segments.firstKey());
        return new Recovered(report(checkpointSeq), checkpointSeq, checkpointBytes, kept);
    }

    private List<LogFile> replaySegments(NavigableMap<Long, Path> segments, long firstSeq) throws IOException {
        List<LogFile> kept = new ArrayList<>();
        long expected = firstSeq;
        for (Map.Entry<Long, Path> entry : segments.entrySet()) {
            long seq = entry.getKey();
            Path path = entry.getValue();
            if (seq != expected) {
                String missing = LogFormat.Kind.SEGMENT.fileName(expected);
                problems.add(missing + ": missing (segments must be consecutive); replay stopped before " + path.getFileName());
                setAside(segments.tailMap(seq, true).values(), "it follows the missing " + missing);
                break;
            }
            RecordScanner.Scan scan = replay(LogFormat.Kind.SEGMENT, seq, path);
            segmentsReplayed++;
            if (scan.failed()) {
                NavigableMap<Long, Path> later = segments.tailMap(seq, false);
                String where = path.getFileName() + ": " + (later.isEmpty() ? "torn tail" : "corrupt record")
                        + " at offset " + scan.validEnd() + ", " + scan.droppedBytes() + " bytes dropped (" + scan.failure() + ")";
                problems.add(later.isEmpty() ? where : where + "; replay stopped here");
                setAside(later.values(), "it follows the corruption in " + path.getFileName());
                kept.add(new LogFile(seq, path, cut(path, seq, scan.validEnd())));
                return kept;
            }
            kept.add(new LogFile(seq, path, scan.fileSize()));
            expected++;
        }
        if (kept.isEmpty()) {
            Path path = dir.resolve(LogFormat.Kind.SEGMENT.fileName(expected));
            createFile(LogFormat.Kind.SEGMENT, path, expected);
            kept.add(new LogFile(expected, path, LogFormat.FILE_HEADER_BYTES));
        }
        return kept;
    }

    /**
     * A checkpoint cannot be cut in place: without its end marker it would be incomplete. Its
     * good prefix is written as a new checkpoint with a seq past every segment, so that the
     * segments that belonged to the damaged one, set aside afterwards, can never be replayed on
     * top of the shortened state.
     */
    private Recovered salvageCheckpoint(Path damaged, long damagedSeq, RecordScanner.Scan scan,
                                        NavigableMap<Long, Path> segments) throws IOException {
        long seq = Math.max(damagedSeq, segments.isEmpty() ? 0 : segments.lastKey()) + 1;
        Path salvaged = dir.resolve(LogFormat.Kind.CHECKPOINT.fileName(seq));
        Path temp = dir.resolve(salvaged.getFileName() + LogFormat.TEMP_SUFFIX);
        try (FileChannel in = FileChannel.open(damaged, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(out, LogFormat.Kind.CHECKPOINT.header(seq));
            long position = LogFormat.FILE_HEADER_BYTES;
            while (position < scan.validEnd()) {
                position += in.transferTo(position, scan.validEnd() - position, out);
            }
            new RecordWriter().write(out, LogFormat.END_MARKER_TYPE, LogFormat.END_MARKER_BODY_BYTES,
                    new ByteBuffer[] {LogFormat.endMarkerBody(scan.records(), scan.bytes())});
            out.force(true);
        }
        Files.move(temp, salvaged, StandardCopyOption.ATOMIC_MOVE);
        LogFormat.forceDirectory(dir);
        Path asideName = setAside(damaged);
        problems.add(damaged.getFileName() + ": corrupt at offset " + scan.validEnd() + ", " + scan.droppedBytes()
                + " bytes dropped (" + scan.failure() + "); its first " + scan.records() + " records were kept as "
                + salvaged.getFileName() + ", the original set aside as " + asideName.getFileName() + "; replay stopped here");
        setAside(segments.values(), "it follows the corruption in " + damaged.getFileName());
        Path segment = dir.resolve(LogFormat.Kind.SEGMENT.fileName(seq));
        createFile(LogFormat.Kind.SEGMENT, segment, seq);
        long salvagedBytes = Files.size(salvaged);
        return new Recovered(report(damagedSeq), seq, salvagedBytes,
                List.of(new LogFile(seq, segment, LogFormat.FILE_HEADER_BYTES)));
    }

    private RecoveryReport report(long checkpointSeq) {
        return new RecoveryReport(checkpointSeq, checkpointRecords, segmentsReplayed, recordsReplayed, bytesReplayed, problems);
    }

    private RecordScanner.Scan replay(LogFormat.Kind kind, long seq, Path path) throws IOException {
        RecordScanner.Scan scan;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = channel.size();
            if (size < LogFormat.FILE_HEADER_BYTES) {
                return new RecordScanner.Scan(0, size, 0, 0, "incomplete file header");
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (!kind.checkHeader(path, file, seq)) {
                return new RecordScanner.Scan(0, size, 0, 0, "zero-filled file header");
            }
            scan = RecordScanner.scan(file, kind == LogFormat.Kind.CHECKPOINT, visitor);
        }
        recordsReplayed += scan.records();
        bytesReplayed += scan.bytes();
        return scan;
    }

    /** Cuts a segment back to its last good record (or rewrites its header) and returns its new size. */
    private long cut(Path path, long seq, long validEnd) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            if (validEnd < LogFormat.FILE_HEADER_BYTES) {
                channel.truncate(0);
                writeFully(channel, LogFormat.Kind.SEGMENT.header(seq));
                channel.force(true);
                return LogFormat.FILE_HEADER_BYTES;
            }
            channel.truncate(validEnd);
            channel.force(true);
            return validEnd;
        }
    }

    private void setAside(Iterable<Path> paths, String why) throws IOException {
        boolean moved = false;
        for (Path path : paths) {
            Path aside = setAside(path);
            problems.add(path.getFileName() + ": not replayed because " + why + "; set aside as " + aside.getFileName());
            moved = true;
        }
        if (moved) {
            LogFormat.forceDirectory(dir);
        }
    }

    /** Renames a file to a name ending in .corrupt that no other file has, and returns it. */
    private Path setAside(Path path) throws IOException {
        String name = path.getFileName().toString();
        Path aside = dir.resolve(name + LogFormat.CORRUPT_SUFFIX);
        for (int attempt = 2; Files.exists(aside); attempt++) {
            aside = dir.resolve(name + "." + attempt + LogFormat.CORRUPT_SUFFIX);
        }
        Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }

    private void createFile(LogFormat.Kind kind, Path path, long seq) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(channel, kind.header(seq));
            channel.force(true);
        }
        LogFormat.forceDirectory(dir);
    }

    private void deleteTempFiles() throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "*" + LogFormat.TEMP_SUFFIX)) {
            for (Path temp : temps) {
                Files.delete(temp);
            }
        }
    }

    private NavigableMap<Long, Path> list(LogFormat.Kind kind) throws IOException {
        NavigableMap<Long, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                long seq = kind.parseSeq(entry.getFileName().toString());
                if (seq >= 0 && Files.isRegularFile(entry)) {
                    files.put(seq, entry);
                }
            }
        }
        return files;
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
