package io.vexfs.core.storage;

import io.vexfs.pool.BufferPool;
import io.vexfs.pool.PooledBuffer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.zip.CRC32C;

/**
 * Writes one new data segment: a file too large for the shared active segment while it is being
 * staged or converted, or the output of a compaction. The file is named {@code .tmp} until
 * {@link #seal()} gives it its footer and its final name, so a crash never leaves a half-written
 * file that could be taken for data.
 *
 * <p>Checksums are computed as the bytes go by while writes come in order (the common case: a
 * {@code cp}); a block written out of order is read back once at seal. A block nobody wrote is
 * a hole, whose checksum is that of zeros, so a sparse file is sealed without reading its holes.
 *
 * <p>With {@link #writeBehind}, appends are copied into pool pages and written by a thread of the
 * writer's own, so the caller (a FUSE write of a large file) returns after a copy and the next
 * write overlaps the disk's work; at most {@link #BEHIND_BATCHES} batches wait. A failure of that
 * thread (a full disk) is thrown by the next append, read, seal or flush. Not thread-safe: one
 * owner at a time.
 */
public final class SegmentWriter implements AutoCloseable {
    private final SegmentStore store;
    private final long id;
    private final Path temp;
    private final FileChannel channel;
    private int[] crcs = new int[16];
    /** Bytes [0, frontier) were written in order; their blocks' checksums are known (the last one running). */
    private long frontier;
    private final CRC32C running = new CRC32C();
    /** Blocks that must be read back at seal: written out of order, or rewritten after their checksum was taken. */
    private final BitSet recompute = new BitSet();
    private long length;
    private boolean done;

    /** Pages per batch the write-behind thread writes at once (1 MiB), and batches that may wait. */
    static final int BEHIND_PAGES = 64;
    static final int BEHIND_BATCHES = 8;
    private static final int PAGE = 16 * 1024;

    /** Pages of data appended from {@code offset}, in order; or, with a future, a request to report when all before it are written. */
    private record Batch(long offset, PooledBuffer[] pages, long bytes, CompletableFuture<Void> done) {
    }

    private static final Batch STOP = new Batch(-1, null, 0, null);

    private BufferPool behindPool;
    private ArrayBlockingQueue<Batch> behind;
    private Thread behindThread;
    private PooledBuffer[] filling;
    private long fillingOffset;
    private long fillingBytes;
    private volatile IOException behindFailure;

    SegmentWriter(SegmentStore store, long id, Path temp, FileChannel channel) {
        this.store = store;
        this.id = id;
        this.temp = temp;
        this.channel = channel;
    }

    public long id() {
        return id;
    }

    /** One past the last data byte written. */
    public long length() {
        return length;
    }

    /** From now on appends are written by a thread of this writer (see the class comment), from pages of {@code pool}. */
    public void writeBehind(BufferPool pool) {
        if (behindPool == null) {
            behindPool = pool;
            behind = new ArrayBlockingQueue<>(BEHIND_BATCHES);
            behindThread = Thread.ofPlatform().name("vexfs-write-behind-" + id).daemon(true).start(this::writeBehindLoop);
        }
    }

    public void append(MemorySegment src) throws IOException {
        if (behindPool == null) {
            write(length, src);
            return;
        }
        throwBehindFailure();
        long n = src.byteSize();
        long done = 0;
        while (done < n) {
            if (filling == null) {
                filling = new PooledBuffer[BEHIND_PAGES];
                fillingOffset = length;
                fillingBytes = 0;
            }
            int page = (int) (fillingBytes / PAGE);
            if (filling[page] == null) {
                filling[page] = behindPool.acquire(PAGE);
            }
            long inPage = fillingBytes % PAGE;
            long take = Math.min(n - done, PAGE - inPage);
            MemorySegment.copy(src, done, filling[page].segment(), inPage, take);
            done += take;
            fillingBytes += take;
            length += take;
            if (fillingBytes == (long) BEHIND_PAGES * PAGE) {
                enqueue(new Batch(fillingOffset, filling, fillingBytes, null));
                filling = null;
            }
        }
    }

    /** Waits until every append so far is in the file (and throws what the thread met). */
    public void flush() throws IOException {
        if (behindPool == null) {
            return;
        }
        if (filling != null) {
            enqueue(new Batch(fillingOffset, filling, fillingBytes, null));
            filling = null;
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        enqueue(new Batch(-1, null, 0, written));
        try {
            written.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for written pages");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        throwBehindFailure();
    }

    private void enqueue(Batch batch) throws IOException {
        try {
            behind.put(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while queueing pages to write");
        }
    }

    private void throwBehindFailure() throws IOException {
        IOException f = behindFailure;
        if (f != null) {
            throw new IOException(f.getMessage(), f);
        }
    }

    /** The write-behind thread: writes batches in order and keeps the checksums; after a failure, only frees pages. */
    private void writeBehindLoop() {
        while (true) {
            Batch b;
            try {
                b = behind.take();
            } catch (InterruptedException e) {
                return;
            }
            if (b == STOP) {
                return;
            }
            if (b.done() != null) {
                b.done().complete(null);
                continue;
            }
            try {
                if (behindFailure == null) {
                    long at = b.offset();
                    long left = b.bytes();
                    for (PooledBuffer page : b.pages()) {
                        if (page == null || left == 0) {
                            break;
                        }
                        MemorySegment bytes = page.segment().asSlice(0, Math.min(PAGE, left));
                        writeAt(at, bytes);
                        at += bytes.byteSize();
                        left -= bytes.byteSize();
                    }
                }
            } catch (IOException e) {
                behindFailure = e;
            } finally {
                for (PooledBuffer page : b.pages()) {
                    if (page != null) {
                        page.close();
                    }
                }
            }
        }
    }

    private void stopBehind() {
        if (behindThread == null) {
            return;
        }
        if (filling != null) {
            for (PooledBuffer page : filling) {
                if (page != null) {
                    page.close();
                }
            }
            filling = null;
        }
        try {
            behind.put(STOP);
            behindThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        behindThread = null;
    }

    /** Writes src at data offset {@code offset}; a gap before it stays a hole (zeros). */
    public void write(long offset, MemorySegment src) throws IOException {
        flush();
        writeAt(offset, src);
        length = Math.max(length, offset + src.byteSize());
    }

    /** Writes and keeps the checksums; the caller keeps {@link #length}. */
    private void writeAt(long offset, MemorySegment src) throws IOException {
        long n = src.byteSize();
        if (n == 0) {
            return;
        }
        ByteBuffer buffer = src.asByteBuffer();
        long at = SegmentFormat.HEADER_BYTES + offset;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
        if (offset == frontier) {
            track(src);
        } else {
            long first = offset / SegmentFormat.BLOCK_BYTES;
            long last = (offset + n - 1) / SegmentFormat.BLOCK_BYTES;
            recompute.set(Math.toIntExact(first), Math.toIntExact(last) + 1);
        }
    }

    /** Feeds in-order bytes to the running block checksums. */
    private void track(MemorySegment src) {
        long done = 0;
        long n = src.byteSize();
        while (done < n) {
            long inBlock = frontier % SegmentFormat.BLOCK_BYTES;
            long take = Math.min(n - done, SegmentFormat.BLOCK_BYTES - inBlock);
            running.update(src.asSlice(done, take).asByteBuffer());
            done += take;
            frontier += take;
            if (frontier % SegmentFormat.BLOCK_BYTES == 0) {
                putCrc(frontier / SegmentFormat.BLOCK_BYTES - 1, (int) running.getValue());
                running.reset();
            }
        }
    }

    private void putCrc(long block, int crc) {
        int b = Math.toIntExact(block);
        if (b >= crcs.length) {
            crcs = Arrays.copyOf(crcs, Math.max(b + 1, crcs.length * 2));
        }
        crcs[b] = crc;
    }

    /** Reads data bytes written so far (holes read as zeros); returns how many, 0 at or past the end. */
    public int read(long offset, MemorySegment dst) throws IOException {
        flush();
        long n = Math.min(dst.byteSize(), length - offset);
        if (n <= 0) {
            return 0;
        }
        ByteBuffer buffer = dst.asSlice(0, n).asByteBuffer();
        long at = SegmentFormat.HEADER_BYTES + offset;
        while (buffer.hasRemaining()) {
            int got = channel.read(buffer, at);
            if (got < 0) {
                // A hole at the end of the file that was never extended: zeros.
                dst.asSlice(buffer.position(), buffer.remaining()).fill((byte) 0);
                break;
            }
            at += got;
        }
        return (int) n;
    }

    /**
     * Finishes the file: the footer, the final name, the mapping. The file is not fsynced here
     * (a closed file must survive a kill of the process, which the page cache gives); the store
     * fsyncs it before any checkpoint or fsync() relies on it.
     */
    public Segment seal() throws IOException {
        if (done) {
            throw new IllegalStateException("sealed or aborted already");
        }
        flush();
        stopBehind();
        int count = Math.toIntExact(SegmentFormat.blockCount(length));
        int[] table = new int[count];
        long inOrderBlocks = frontier / SegmentFormat.BLOCK_BYTES;
        ByteBuffer scratch = null;
        for (int b = 0; b < count; b++) {
            long start = (long) b * SegmentFormat.BLOCK_BYTES;
            int len = (int) Math.min(SegmentFormat.BLOCK_BYTES, length - start);
            boolean partialInOrder = b == inOrderBlocks && frontier % SegmentFormat.BLOCK_BYTES != 0;
            if (!recompute.get(b) && b < inOrderBlocks) {
                table[b] = crcs[b];
            } else if (!recompute.get(b) && partialInOrder && frontier == length) {
                table[b] = (int) running.getValue();
            } else if (recompute.get(b) || partialInOrder) {
                if (scratch == null) {
                    scratch = ByteBuffer.allocateDirect(SegmentFormat.BLOCK_BYTES);
                }
                table[b] = crcOfBlock(b, scratch);
            } else {
                table[b] = len == SegmentFormat.BLOCK_BYTES ? SegmentFormat.ZERO_BLOCK_CRC : SegmentFormat.zeroCrc(len);
            }
        }
        ByteBuffer footer = SegmentFormat.footer(length, table, count);
        long at = SegmentFormat.HEADER_BYTES + length;
        channel.truncate(at);
        while (footer.hasRemaining()) {
            at += channel.write(footer, at);
        }
        channel.close();
        done = true;
        Path target = temp.resolveSibling(SegmentFormat.fileName(id));
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        return store.opened(id, target, length, table);
    }

    private int crcOfBlock(int block, ByteBuffer scratch) throws IOException {
        long start = (long) block * SegmentFormat.BLOCK_BYTES;
        int len = (int) Math.min(SegmentFormat.BLOCK_BYTES, length - start);
        scratch.clear().limit(len);
        long at = SegmentFormat.HEADER_BYTES + start;
        while (scratch.hasRemaining()) {
            int got = channel.read(scratch, at);
            if (got < 0) {
                while (scratch.hasRemaining()) {
                    scratch.put((byte) 0);
                }
                break;
            }
            at += got;
        }
        scratch.flip();
        CRC32C c = new CRC32C();
        c.update(scratch);
        return (int) c.getValue();
    }

    /** Drops the file: nothing references it. */
    public void abort() throws IOException {
        if (done) {
            return;
        }
        done = true;
        stopBehind();
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Aborts unless sealed. */
    @Override
    public void close() throws IOException {
        abort();
    }
}
