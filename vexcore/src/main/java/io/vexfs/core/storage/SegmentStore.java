package io.vexfs.core.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The data segments of one data directory ({@code <data>/segments/}): where every stored byte
 * lives. Small payloads (a few vectors, a small file) are appended to one shared active segment,
 * which is sealed when full or when a checkpoint is taken; a large file gets a segment of its own
 * through a {@link SegmentWriter}. Segments are immutable once sealed, memory-mapped, and deleted
 * only when the store retires them and no reader still pins them.
 *
 * <p>Thread-safe. Appends to the active segment are serialised by their own lock (never the
 * namespace's commit lock).
 */
public final class SegmentStore implements AutoCloseable {
    /** Where a payload was put: data bytes [offset, offset + length) of {@code segment}, and their CRC32C. */
    public record Placed(Segment segment, long offset, long length, int crc) {
    }

    private final Path dir;
    private final long activeCapacity;
    /** Opened segments by id. */
    private final Map<Long, Segment> open = new ConcurrentHashMap<>();
    /** Ids of files found at start that were not opened yet. */
    private final Set<Long> onDisk = ConcurrentHashMap.newKeySet();
    /** Segments written since the last {@link #sync}: what an fsync() or a checkpoint must make durable first. */
    private final Set<Segment> unsynced = ConcurrentHashMap.newKeySet();
    private final ReentrantLock appendLock = new ReentrantLock();
    private final Object ids = new Object();
    private long nextId;
    private boolean directoryDirty;
    private volatile boolean closed;

    // The active segment; guarded by appendLock.
    private Segment active;
    private FileChannel activeChannel;
    private final CRC32C activeBlockCrc = new CRC32C();
    private int[] activeCrcs;

    private SegmentStore(Path dir, long activeCapacity, long nextId) {
        this.dir = dir;
        this.activeCapacity = activeCapacity;
        this.nextId = nextId;
    }

    /**
     * Opens the segment directory: deletes temporary files a crash left behind (they were never
     * referenced), and remembers which segments exist without mapping them yet.
     */
    public static SegmentStore open(Path dir, long activeCapacity) throws IOException {
        if (activeCapacity < SegmentFormat.BLOCK_BYTES) {
            throw new IllegalArgumentException("active segment capacity below one block: " + activeCapacity);
        }
        Files.createDirectories(dir);
        long maxId = 0;
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                long id = SegmentFormat.parseId(name);
                if (id < 0) {
                    continue;
                }
                maxId = Math.max(maxId, id);
                if (name.endsWith(SegmentFormat.TEMP_SUFFIX)) {
                    Files.delete(f);
                } else {
                    found.add(id);
                }
            }
        }
        SegmentStore store = new SegmentStore(dir, activeCapacity, maxId + 1);
        store.onDisk.addAll(found);
        return store;
    }

    private long newId() {
        synchronized (ids) {
            return nextId++;
        }
    }

    /** The segment with this id, mapped on first use. Throws when its file is missing or not a segment. */
    public Segment get(long id) throws IOException {
        Segment s = open.get(id);
        if (s != null) {
            return s;
        }
        synchronized (open) {
            s = open.get(id);
            if (s == null) {
                s = map(id);
                open.put(id, s);
                onDisk.remove(id);
            }
            return s;
        }
    }

    private Segment map(long id) throws IOException {
        Path path = dir.resolve(SegmentFormat.fileName(id));
        if (!Files.exists(path)) {
            throw new IOException(path.getFileName() + " is missing");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < SegmentFormat.HEADER_BYTES) {
                throw new IOException(path.getFileName() + ": shorter than a segment header");
            }
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            SegmentFormat.checkHeader(path, file, id);
            SegmentFormat.Footer footer = SegmentFormat.readFooter(file, size);
            if (footer == null) {
                // Unsealed: the active segment when the process stopped. recoverUnsealed seals it.
                return new Segment(this, id, path, arena, file.asSlice(SegmentFormat.HEADER_BYTES), size - SegmentFormat.HEADER_BYTES,
                        null, true);
            }
            return new Segment(this, id, path, arena, file.asSlice(SegmentFormat.HEADER_BYTES, footer.length()), footer.length(),
                    footer.crcs(), false);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Seals a segment found unsealed at start, at the end of the last byte any record references:
     * its blocks' checksums are taken from what is on disk, except that the blocks of
     * {@code badRanges} (payloads whose own checksum failed: torn before the crash) get a checksum
     * that cannot match, so reading them fails instead of returning garbage.
     */
    public void sealRecovered(Segment s, long length, List<long[]> badRanges) throws IOException {
        int count = Math.toIntExact(SegmentFormat.blockCount(length));
        int[] table = new int[count];
        CRC32C c = new CRC32C();
        MemorySegment data = s.slice(0, Math.min(length, s.length()));
        for (int b = 0; b < count; b++) {
            long start = (long) b * SegmentFormat.BLOCK_BYTES;
            long end = Math.min(start + SegmentFormat.BLOCK_BYTES, length);
            c.reset();
            if (end <= data.byteSize()) {
                c.update(data.asSlice(start, end - start).asByteBuffer());
            } else {
                c.update(new byte[(int) (end - start)]);
            }
            table[b] = (int) c.getValue();
        }
        for (long[] bad : badRanges) {
            for (long b = bad[0] / SegmentFormat.BLOCK_BYTES; b <= (bad[0] + bad[1] - 1) / SegmentFormat.BLOCK_BYTES && b < count; b++) {
                table[(int) b] = ~table[(int) b];
            }
        }
        try (FileChannel ch = FileChannel.open(s.path(), StandardOpenOption.WRITE)) {
            long at = SegmentFormat.HEADER_BYTES + length;
            ch.truncate(at);
            ByteBuffer footer = SegmentFormat.footer(length, table, count);
            while (footer.hasRemaining()) {
                at += ch.write(footer, at);
            }
            ch.force(true);
        }
        // The mapping stays (it covers at least the sealed length); reads are checked from now on.
        s.resealed(length, table);
    }

    /** Deletes segment files that exist but that nothing opened: leftovers of a crash that no record names. */
    public List<Path> deleteUnopened() throws IOException {
        List<Path> deleted = new ArrayList<>();
        for (Long id : List.copyOf(onDisk)) {
            Path p = dir.resolve(SegmentFormat.fileName(id));
            Files.deleteIfExists(p);
            onDisk.remove(id);
            deleted.add(p);
        }
        if (!deleted.isEmpty()) {
            LogFormat.forceDirectory(dir);
        }
        return deleted;
    }

    /** A new segment of its own (a large file, a compaction's output), named .tmp until sealed. */
    public SegmentWriter create() throws IOException {
        ensureOpen();
        long id = newId();
        Path temp = dir.resolve(SegmentFormat.tempName(id));
        FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = SegmentFormat.header(id);
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(temp);
            throw e;
        }
        return new SegmentWriter(this, id, temp, ch);
    }

    /** Called by a writer's seal: maps the sealed file; its bytes were written by us, so they are trusted. */
    Segment opened(long id, Path path, long length, int[] crcs) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment data = length == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, SegmentFormat.HEADER_BYTES, length, arena);
            Segment s = new Segment(this, id, path, arena, data, length, null, false);
            s.sealed(crcs);
            open.put(id, s);
            unsynced.add(s);
            synchronized (ids) {
                directoryDirty = true;
            }
            return s;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Appends small payloads, one after the other; see {@link #appendParts}. */
    public Placed[] append(MemorySegment... payloads) throws IOException {
        MemorySegment[][] parts = new MemorySegment[payloads.length][];
        for (int i = 0; i < payloads.length; i++) {
            parts[i] = new MemorySegment[]{payloads[i]};
        }
        return appendParts(parts);
    }

    /**
     * Appends small payloads, each given as parts written back to back, one after the other to
     * the shared active segment (made, or replaced when full, as needed). Once this returns the
     * bytes are in the OS: they survive a kill of the process. Returns where each payload went,
     * with its CRC32C.
     */
    public Placed[] appendParts(MemorySegment[][] payloads) throws IOException {
        long n = 0;
        for (MemorySegment[] payload : payloads) {
            for (MemorySegment p : payload) {
                n += p.byteSize();
            }
        }
        if (n > activeCapacity) {
            throw new IllegalArgumentException("payload of " + n + " bytes does not fit an active segment of " + activeCapacity);
        }
        appendLock.lock();
        try {
            ensureOpen();
            if (active == null || active.length() + n > activeCapacity) {
                sealActiveLocked();
                startActive();
            }
            long start = active.length();
            long at = SegmentFormat.HEADER_BYTES + start;
            for (MemorySegment[] payload : payloads) {
                for (MemorySegment p : payload) {
                    ByteBuffer buffer = p.asByteBuffer();
                    while (buffer.hasRemaining()) {
                        at += activeChannel.write(buffer, at);
                    }
                }
            }
            Placed[] placed = new Placed[payloads.length];
            long offset = start;
            CRC32C whole = new CRC32C();
            for (int i = 0; i < payloads.length; i++) {
                whole.reset();
                long length = 0;
                for (MemorySegment p : payloads[i]) {
                    whole.update(p.asByteBuffer());
                    trackActive(offset + length, p);
                    length += p.byteSize();
                }
                placed[i] = new Placed(active, offset, length, (int) whole.getValue());
                offset += length;
            }
            active.appended(start + n);
            unsynced.add(active);
            return placed;
        } finally {
            appendLock.unlock();
        }
    }

    private void trackActive(long offset, MemorySegment payload) {
        long done = 0;
        long n = payload.byteSize();
        long pos = offset;
        while (done < n) {
            long inBlock = pos % SegmentFormat.BLOCK_BYTES;
            long take = Math.min(n - done, SegmentFormat.BLOCK_BYTES - inBlock);
            activeBlockCrc.update(payload.asSlice(done, take).asByteBuffer());
            done += take;
            pos += take;
            if (pos % SegmentFormat.BLOCK_BYTES == 0) {
                activeCrcs[(int) (pos / SegmentFormat.BLOCK_BYTES - 1)] = (int) activeBlockCrc.getValue();
                activeBlockCrc.reset();
            }
        }
    }

    private void startActive() throws IOException {
        long id = newId();
        Path path = dir.resolve(SegmentFormat.fileName(id));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Arena arena = Arena.ofShared();
        try {
            ByteBuffer header = SegmentFormat.header(id);
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            // Sparse: the mapping needs the whole capacity inside the file; blocks are allocated as appends fill them.
            try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
                raf.setLength(SegmentFormat.HEADER_BYTES + activeCapacity);
            }
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, SegmentFormat.HEADER_BYTES, activeCapacity, arena);
            Segment s = new Segment(this, id, path, arena, data, 0, null, false);
            open.put(id, s);
            active = s;
            activeChannel = ch;
            activeCrcs = new int[(int) SegmentFormat.blockCount(activeCapacity)];
            activeBlockCrc.reset();
            synchronized (ids) {
                directoryDirty = true;
            }
        } catch (IOException | RuntimeException e) {
            arena.close();
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Seals the active segment (a checkpoint references only sealed ones); the next append starts another. */
    public void sealActive() throws IOException {
        appendLock.lock();
        try {
            sealActiveLocked();
        } finally {
            appendLock.unlock();
        }
    }

    private void sealActiveLocked() throws IOException {
        if (active == null) {
            return;
        }
        Segment s = active;
        long length = s.length();
        int count = (int) SegmentFormat.blockCount(length);
        int[] table = java.util.Arrays.copyOf(activeCrcs, count);
        if (length % SegmentFormat.BLOCK_BYTES != 0) {
            table[count - 1] = (int) activeBlockCrc.getValue();
        }
        long at = SegmentFormat.HEADER_BYTES + length;
        activeChannel.truncate(at);
        ByteBuffer footer = SegmentFormat.footer(length, table, count);
        while (footer.hasRemaining()) {
            at += activeChannel.write(footer, at);
        }
        activeChannel.close();
        s.sealed(table);
        active = null;
        activeChannel = null;
        unsynced.add(s);
    }

    /** The segment appends go to now, or null. */
    public Segment active() {
        return active;
    }

    /**
     * Makes every segment written since the last call survive a power cut (and the directory
     * entries of new ones): before a checkpoint names them, and under fsync().
     */
    public void sync() throws IOException {
        List<Segment> batch = new ArrayList<>(unsynced);
        for (Segment s : batch) {
            unsynced.remove(s);
            try {
                if (s == active) {
                    appendLock.lock();
                    try {
                        if (activeChannel != null && s == active) {
                            activeChannel.force(false);
                            continue;
                        }
                    } finally {
                        appendLock.unlock();
                    }
                }
                if (!s.isRetired() && Files.exists(s.path())) {
                    try (FileChannel ch = FileChannel.open(s.path(), StandardOpenOption.READ)) {
                        ch.force(false);
                    }
                }
            } catch (IOException e) {
                unsynced.add(s);
                throw e;
            }
        }
        boolean dirty;
        synchronized (ids) {
            dirty = directoryDirty;
            directoryDirty = false;
        }
        if (dirty) {
            LogFormat.forceDirectory(dir);
        }
    }

    /** Opened segments (not the files found at start that nothing named yet). */
    public Collection<Segment> segments() {
        return open.values();
    }

    /** The store no longer needs it: the file goes when the last reader unpins. */
    public void retire(Segment s) {
        if (s == active) {
            throw new IllegalStateException("the active segment cannot be retired");
        }
        s.retire();
    }

    /** A segment's last pin went: forget it, and delete its file if it was retired. */
    void released(Segment s, boolean retired) {
        open.remove(s.id(), s);
        unsynced.remove(s);
        if (retired) {
            try {
                Files.deleteIfExists(s.path());
            } catch (IOException e) {
                // The file is garbage either way: nothing references it, and the next start deletes it.
                System.err.println("vexfs: could not delete " + s.path() + ": " + e.getMessage());
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the segment store in " + dir + " is closed");
        }
    }

    /** Seals the active segment, syncs, and lets every mapping go once its readers are done. */
    @Override
    public void close() throws IOException {
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            sealActiveLocked();
            closed = true;
        } finally {
            appendLock.unlock();
        }
        try {
            sync();
        } finally {
            for (Segment s : List.copyOf(open.values())) {
                if (!s.isRetired()) {
                    s.close();
                }
            }
        }
    }
}
