package io.vexfs.core.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The layout of a data directory and its format version (docs/STORAGE.md):
 * <pre>
 * FORMAT          "vexfs data directory format 2"
 * wal/            the write-ahead log of changes and its checkpoints (storage.WriteAheadLog)
 * segments/       data segment files (storage.SegmentStore)
 * format1-backup/ after a conversion: the format 1 log it was converted from
 * </pre>
 * A directory written by the first release (format 1: a log whose records carried every byte)
 * is converted on first mount: its log is moved aside, replayed into an empty format 2 store, and
 * kept as format1-backup. A conversion cut short by a crash starts over.
 */
final class DataDirectory {
    static final String WAL = "wal";
    static final String SEGMENTS = "segments";
    static final String FORMAT_FILE = "FORMAT";
    static final String FORMAT_ONE_WAL = "format1-wal";
    static final String FORMAT_ONE_BACKUP = "format1-backup";
    static final int FORMAT = 2;
    private static final String FORMAT_TEXT = "vexfs data directory format " + FORMAT + "\n";

    private DataDirectory() {
    }

    /**
     * Readies {@code dir} for a format 2 store. Returns the format 1 log to import, or null when
     * there is none (a new directory, or one of this format).
     */
    static Path prepare(Path dir) throws IOException {
        Path format = dir.resolve(FORMAT_FILE);
        Path formatOne = dir.resolve(FORMAT_ONE_WAL);
        if (Files.exists(format)) {
            String text = Files.readString(format, StandardCharsets.US_ASCII);
            if (!text.equals(FORMAT_TEXT)) {
                throw new IOException(format + " says '" + text.strip() + "'; this build reads format " + FORMAT
                        + " (and converts format 1)");
            }
            return null;
        }
        if (Files.isDirectory(formatOne)) {
            // A conversion was cut short: what it wrote is incomplete; start it again.
            deleteTree(dir.resolve(WAL));
            deleteTree(dir.resolve(SEGMENTS));
            return formatOne;
        }
        Path wal = dir.resolve(WAL);
        if (Files.isDirectory(wal) && hasLogFiles(wal)) {
            Files.move(wal, formatOne, StandardCopyOption.ATOMIC_MOVE);
            io.vexfs.core.storage.WriteAheadLog.syncDirectory(dir);
            return formatOne;
        }
        return null;
    }

    /** The directory is complete in this format: written after recovery (and any conversion) succeeded. */
    static void markCurrent(Path dir) throws IOException {
        Path format = dir.resolve(FORMAT_FILE);
        if (Files.exists(format)) {
            return;
        }
        Path temp = dir.resolve(FORMAT_FILE + ".tmp");
        Files.writeString(temp, FORMAT_TEXT, StandardCharsets.US_ASCII);
        try (var ch = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(temp, format, StandardCopyOption.ATOMIC_MOVE);
        io.vexfs.core.storage.WriteAheadLog.syncDirectory(dir);
    }

    /** After a conversion: the format 1 log is kept, renamed, until its owner deletes it. */
    static Path keepFormatOne(Path dir) throws IOException {
        Path backup = dir.resolve(FORMAT_ONE_BACKUP);
        deleteTree(backup);
        Files.move(dir.resolve(FORMAT_ONE_WAL), backup, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(backup.resolve("LOCK"));
        io.vexfs.core.storage.WriteAheadLog.syncDirectory(dir);
        return backup;
    }

    private static boolean hasLogFiles(Path wal) throws IOException {
        try (Stream<Path> files = Files.list(wal)) {
            return files.anyMatch(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".log") || n.endsWith(".ckpt");
            });
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
