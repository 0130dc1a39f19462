package io.vexfs.core.fs;

import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.index.CorruptIndexException;
import io.vexfs.core.index.IndexInput;
import io.vexfs.core.index.IndexOutput;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * The hnsw indexes' files in the data directory, one per collection (docs/STORAGE.md, "ANN
 * index files"): written whole to a temporary file, fsynced, then renamed over the previous one,
 * so a crash leaves the old file or the new one, never a torn one; read back mapped, checked
 * (trailer, CRC32C, header) before anything in it is believed.
 */
final class AnnIndexFiles {
    static final String DIR = "index";
    /**
     * 5: the kind of codes (product or int8) before them. 4: alpha in the header. 3: a count of
     * graphs (the mapped base, then the heap's) before them. 2: pq_subspaces in the header, product
     * codes after the graph. Versions 1 to 4 are still read; the graphs of 1 to 3 were all built
     * with alpha 1.2.
     */
    static final int VERSION = 5;
    private static final float ALPHA_BEFORE_VERSION_4 = 1.2f;
    private static final byte[] MAGIC = "VEXFSANN".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "VEXFSEND".getBytes(StandardCharsets.US_ASCII);
    /** u64 body length | u32 CRC32C of the body | "VEXFSEND". */
    private static final int TRAILER = Long.BYTES + Integer.BYTES + 8;
    private static final long CRC_CHUNK = 1L << 26;

    private final Path dir;

    AnnIndexFiles(Path dataDir) {
        this.dir = dataDir.resolve(DIR);
    }

    /** ann-(SHA-256 of the collection's name, hex).idx: any name, one fixed-length file name. */
    Path fileFor(String collection) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(collection.getBytes(StandardCharsets.UTF_8));
            return dir.resolve("ann-" + HexFormat.of().formatHex(digest) + ".idx");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Writes {@code index} of {@code collection} and replaces its previous file; fsynced before it is renamed into place. */
    void write(String collection, CollectionSettings settings, AnnIndex<Collection.Entry> index) throws IOException {
        Files.createDirectories(dir);
        Path file = fileFor(collection);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            IndexOutput out = new IndexOutput(ch);
            out.writeBytes(MAGIC);
            out.writeInt(VERSION);
            out.writeText(collection);
            out.writeText(settings.metric().name());
            out.writeInt(settings.dim());
            out.writeInt(settings.m());
            out.writeInt(settings.efConstruction());
            out.writeInt(settings.pqSubspaces());
            out.writeFloat(settings.alpha());
            index.write(out, AnnIndexFiles::key);
            long length = out.position();
            int crc = out.crc();
            out.writeLong(length);
            out.writeInt(crc);
            out.writeBytes(END);
            out.flush();
            CrashPoints.reach("ann-index-before-sync");
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        CrashPoints.reach("ann-index-before-rename");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Where an entry's rows lie: its floats' segment and offset (neither ever changes for these bytes), and its row count. */
    static AnnIndex.BlockKey key(Collection.Entry e) {
        var floats = e.floats();
        return new AnnIndex.BlockKey(floats.segment() == null ? 0 : floats.segment().id(), floats.offset(), e.search().rows());
    }

    /**
     * The index stored for {@code collection}, its blocks matched by {@code match}; null if it
     * has no file. The file stays mapped while the index searches its graph there.
     *
     * @throws CorruptIndexException if the file is torn, fails its checksum, or was built for
     *                               other settings (dim, metric, m, ef_construction); a file of
     *                               another pq_subspaces keeps its graph, and its codes are trained again
     */
    AnnIndex<Collection.Entry> read(String collection, CollectionSettings settings, ForkJoinPool pool,
                                    Function<AnnIndex.BlockKey, AnnIndex.Block<Collection.Entry>> match) throws IOException {
        Path file = fileFor(collection);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException absent) {
            return null;
        }
        // Shared: searches on any thread read the mapped graph, and the indexer's pool threads copy
        // it to the heap. The index owns the mapping once read returns it.
        Arena arena = Arena.ofShared();
        try (ch) {
            long size = ch.size();
            if (size < MAGIC.length + TRAILER) {
                throw new CorruptIndexException(file.getFileName() + ": " + size + " bytes is too short");
            }
            MemorySegment memory = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            IndexInput trailer = new IndexInput(memory.asSlice(size - TRAILER));
            long length = trailer.readLong();
            int crc = trailer.readInt();
            if (!java.util.Arrays.equals(trailer.readBytes(END.length), END) || length != size - TRAILER) {
                throw new CorruptIndexException(file.getFileName() + ": no valid trailer (torn or overwritten)");
            }
            CRC32C c = new CRC32C();
            for (long at = 0; at < length; at += CRC_CHUNK) {
                c.update(memory.asSlice(at, Math.min(CRC_CHUNK, length - at)).asByteBuffer());
            }
            if ((int) c.getValue() != crc) {
                throw new CorruptIndexException(file.getFileName() + ": CRC32C mismatch");
            }
            IndexInput in = new IndexInput(memory.asSlice(0, length));
            if (!java.util.Arrays.equals(in.readBytes(MAGIC.length), MAGIC)) {
                throw new CorruptIndexException(file.getFileName() + ": not an index file");
            }
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new CorruptIndexException(file.getFileName() + ": index file version " + version + ", not 1 to " + VERSION);
            }
            String name = in.readText(4096);
            String metric = in.readText(64);
            int dim = in.readInt();
            int m = in.readInt();
            int efConstruction = in.readInt();
            int pqSubspaces = version == 1 ? 0 : in.readInt();
            float alpha = version < 4 ? ALPHA_BEFORE_VERSION_4 : in.readFloat();
            if (!name.equals(collection) || !metric.equals(settings.metric().name()) || dim != settings.dim()
                    || m != settings.m() || efConstruction != settings.efConstruction() || alpha != settings.alpha()) {
                throw new CorruptIndexException(file.getFileName() + ": built for " + name + " (" + metric + ", dim " + dim
                        + ", m " + m + ", ef_construction " + efConstruction + ", alpha " + alpha + ", pq_subspaces " + pqSubspaces
                        + "), not for these settings");
            }
            return AnnIndex.read(settings.metric(), settings.dim(), settings.annParams(), pool, in, version, arena, match);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Deletes what an index write cut short by a crash left (never renamed into place, so never read). */
    void deleteTemporary() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Deletes the index files of collections not in {@code keep} (removed, renamed, or no longer hnsw). */
    void deleteAllBut(java.util.Set<String> keep) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        java.util.Set<Path> kept = new java.util.HashSet<>();
        for (String name : keep) {
            kept.add(fileFor(name));
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".idx") && !kept.contains(p)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Removes the collection's file (a corrupt or stale one); no error if there is none. */
    void delete(String collection) throws IOException {
        Files.deleteIfExists(fileFor(collection));
    }
}
