package io.vexfs.core.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.CRC32C;

/**
 * One data segment file, memory-mapped read-only: vectors and file bytes are read and searched
 * where they lie, never copied into the heap.
 *
 * <p>Checksums: each 64 KiB block is checked against its CRC32C the first time this process
 * touches it (a bit per block remembers it), so a flipped byte on disk fails the reads and
 * searches that touch its block, and nothing else. Blocks this process wrote itself are
 * trusted without a check.
 *
 * <p>Lifetime: the store holds one pin while the segment is part of its state; every reader
 * pins it for as long as it uses the mapping. The mapping is closed, and the file deleted once
 * the store has retired it, when the last pin goes: a search or an open file keeps the segments
 * of its snapshot alive until it finishes.
 */
public final class Segment {
    /** How far ahead of a scan the OS is asked to read (madvise WILLNEED), and how often. */
    public static final long READ_AHEAD_BYTES = 8L << 20;
    private static final int MADV_WILLNEED = 3;
    private static final long OS_PAGE = 4096;
    private static final MethodHandle MADVISE = madvise();

    private final long id;
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final AtomicLongArray verified;
    private final AtomicInteger pins = new AtomicInteger(1);
    private final SegmentStore owner;
    private volatile long length;
    /** Per-block checksums; null while this process is still appending to the segment (all trusted). */
    private volatile int[] crcs;
    private volatile boolean retired;
    /** Found without a footer at start: unusable until {@link SegmentStore#sealRecovered} seals it. */
    private volatile boolean unsealedAtStart;
    /** Bytes of it that live files reference; written under the namespace's commit lock. */
    private long liveBytes;
    /** The store's change count when liveBytes last fell to 0, or -1 while it is referenced. */
    private long deadSince = -1;
    /** Open files whose staging reads through bytes of it; written under the namespace's commit lock. */
    private int stagingRefs;

    /**
     * @param crcs the block checksums of a sealed file; null for one this process appends to
     *             (whose bytes are trusted) or, with {@code unsealedAtStart}, one found unsealed
     */
    Segment(SegmentStore owner, long id, Path path, Arena arena, MemorySegment data, long length, int[] crcs,
            boolean unsealedAtStart) {
        this.owner = owner;
        this.unsealedAtStart = unsealedAtStart;
        this.id = id;
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.length = length;
        this.crcs = crcs;
        this.verified = new AtomicLongArray((int) ((SegmentFormat.blockCount(data.byteSize()) + 63) / 64));
        if (crcs == null && !unsealedAtStart) {
            markVerified(0, length);
        }
    }

    /** Found without a footer at start and not sealed since. */
    public boolean unsealedAtStart() {
        return unsealedAtStart;
    }

    public long id() {
        return id;
    }

    public Path path() {
        return path;
    }

    /** Bytes of data the segment holds (for the active segment: appended so far). */
    public long length() {
        return length;
    }

    public boolean sealed() {
        return crcs != null;
    }

    /** A view of data bytes [offset, offset + bytes); valid while pinned. Not checked: call {@link #verify} first. */
    public MemorySegment slice(long offset, long bytes) {
        return data.asSlice(offset, bytes);
    }

    /**
     * Checks every block that [offset, offset + bytes) touches and that was not checked yet.
     *
     * @throws CorruptDataException naming this file and the failing block's offset
     */
    public void verify(long offset, long bytes) {
        if (bytes <= 0) {
            return;
        }
        long first = offset / SegmentFormat.BLOCK_BYTES;
        long last = (offset + bytes - 1) / SegmentFormat.BLOCK_BYTES;
        for (long b = first; b <= last; b++) {
            int word = (int) (b >>> 6);
            long bit = 1L << (b & 63);
            if ((verified.get(word) & bit) == 0) {
                check(b);
                verified.getAndAccumulate(word, bit, (x, y) -> x | y);
            }
        }
    }

    /**
     * A scan has reached {@code offset}: asks the OS to start reading the next
     * {@link #READ_AHEAD_BYTES} from disk now, so a cold scan of a file larger than memory reads
     * ahead as fast as dd instead of one page fault at a time. Called at most once per window.
     */
    public void readAhead(long offset) {
        if (MADVISE == null || offset >= length) {
            return;
        }
        long start = (data.address() + offset) & -OS_PAGE;
        long end = Math.min(data.address() + length, data.address() + offset + READ_AHEAD_BYTES);
        if (end <= start) {
            return;
        }
        try {
            // Advice only: its result changes what is read ahead, never what is read, so it is not checked.
            int advised = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_WILLNEED);
        } catch (Throwable e) {
            throw new IllegalStateException("calling madvise failed", e);
        }
    }

    /** madvise(2), or null where the platform has none (the scan then relies on the OS's own read-ahead). */
    private static MethodHandle madvise() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("madvise").map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                .orElse(null);
    }

    /** Copies data bytes from {@code offset} into dst, after checking them; returns how many (to the end of the data). */
    public int read(long offset, MemorySegment dst) {
        long n = Math.min(dst.byteSize(), length - offset);
        if (n <= 0) {
            return 0;
        }
        verify(offset, n);
        MemorySegment.copy(data, offset, dst, 0, n);
        return (int) n;
    }

    private void check(long block) {
        int[] table = crcs;
        if (table == null) {
            if (unsealedAtStart) {
                throw new IllegalStateException(path + " is read before recovery sealed it");
            }
            return;
        }
        long start = block * SegmentFormat.BLOCK_BYTES;
        if (block >= table.length) {
            throw new CorruptDataException(path, SegmentFormat.HEADER_BYTES + start, "block beyond the segment's sealed length");
        }
        long end = Math.min(start + SegmentFormat.BLOCK_BYTES, length);
        CRC32C crc = new CRC32C();
        crc.update(data.asSlice(start, end - start).asByteBuffer());
        if ((int) crc.getValue() != table[(int) block]) {
            throw new CorruptDataException(path, SegmentFormat.HEADER_BYTES + start, "block checksum mismatch");
        }
    }

    /** Pins the mapping for a reader; false when the segment is already gone (the caller must look again). */
    public boolean tryPin() {
        while (true) {
            int n = pins.get();
            if (n == 0) {
                return false;
            }
            if (pins.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void unpin() {
        int n = pins.decrementAndGet();
        if (n == 0) {
            arena.close();
            owner.released(this, retired);
        } else if (n < 0) {
            throw new IllegalStateException(path + " unpinned more often than pinned");
        }
    }

    /** The store lets go: the file is deleted when the last reader unpins. */
    void retire() {
        retired = true;
        unpin();
    }

    /** The store closes: the mapping goes when the last reader unpins; the file stays. */
    void close() {
        unpin();
    }

    public boolean isRetired() {
        return retired;
    }

    // ---- appending (the active segment) ----

    void appended(long newLength) {
        markVerified(length, newLength - length);
        length = newLength;
    }

    void sealed(int[] table) {
        crcs = table;
    }

    /** Recovery sealed the file at {@code sealedLength}; its blocks are checked from now on. */
    void resealed(long sealedLength, int[] table) {
        length = sealedLength;
        crcs = table;
        unsealedAtStart = false;
    }

    private void markVerified(long offset, long bytes) {
        if (bytes <= 0) {
            return;
        }
        for (long b = offset / SegmentFormat.BLOCK_BYTES; b <= (offset + bytes - 1) / SegmentFormat.BLOCK_BYTES; b++) {
            verified.getAndAccumulate((int) (b >>> 6), 1L << (b & 63), (x, y) -> x | y);
        }
    }

    // ---- live bytes (the namespace's commit lock guards these) ----

    /** Adds (or with a negative delta removes) references from live files; {@code changeCount} dates a fall to 0. */
    public void addLive(long delta, long changeCount) {
        liveBytes += delta;
        if (liveBytes < 0) {
            throw new IllegalStateException(path + ": live bytes fell below 0");
        }
        deadSince = liveBytes == 0 ? changeCount : -1;
    }

    public long liveBytes() {
        return liveBytes;
    }

    /** A staging starts (+1) or stops (-1) reading through bytes of this segment: it is not retired meanwhile. */
    public void addStagingRef(int delta) {
        stagingRefs += delta;
    }

    public int stagingRefs() {
        return stagingRefs;
    }

    /** The change count at which nothing live referenced it any more, or -1 while something does. */
    public long deadSince() {
        return deadSince;
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
