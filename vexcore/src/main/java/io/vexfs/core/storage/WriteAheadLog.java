package io.vexfs.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A durable, append-only log of typed records, split into segment files, with checkpoints that
 * let old segments go. The caller keeps its state in memory; this only makes it survive.
 *
 * <p>Guarantees: once {@link #append} returns, the record is in the OS and survives a kill of
 * the process; once {@link #sync} returns, every record appended before it survives a power
 * cut. Replay at {@link #open} yields a prefix of what was appended: a torn tail is cut off and
 * reported, never replayed.
 *
 * <p>Thread-safe. Appends are serialised by an internal lock; a checkpoint is written outside it.
 */
public final class WriteAheadLog implements Closeable {
    static final long MIN_SEGMENT_BYTES = 4096;
    private static final String LOCK_FILE = "LOCK";
    /**
     * Directories open in this JVM. POSIX drops a process's file locks when it closes any
     * descriptor of the file, so a second open here must be refused before it touches LOCK.
     */
    private static final Set<Path> OPEN_DIRECTORIES = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final RecoveryReport report;

    /** Guards the live segment, the segment list and the counters' writes. */
    private final ReentrantLock appendLock = new ReentrantLock();
    /** Serialises checkpoints and keeps close() from running under one. */
    private final ReentrantLock checkpointLock = new ReentrantLock();
    private final RecordWriter writer = new RecordWriter();
    private final ArrayDeque<LogRecovery.LogFile> sealed = new ArrayDeque<>();
    private FileChannel current;
    private long currentSeq;
    private long currentSize;
    private boolean directoryDirty;
    private IOException failure;
    private boolean closed;

    // Written under a lock, read by stats() without one.
    private volatile long bytesAppended;
    private volatile long recordsAppended;
    private volatile long fsyncs;
    private volatile int segmentCount;
    private volatile long liveLogBytes;
    private volatile long checkpointSeq;
    private volatile long checkpointBytes;
    private volatile long checkpointsWritten;

    private WriteAheadLog(Path dir, long segmentBytes, FileChannel lockChannel, LogRecovery.Recovered recovered) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.lockChannel = lockChannel;
        this.report = recovered.report();
        this.checkpointSeq = recovered.checkpointSeq();
        this.checkpointBytes = recovered.checkpointBytes();
        List<LogRecovery.LogFile> segments = recovered.segments();
        LogRecovery.LogFile last = segments.getLast();
        sealed.addAll(segments.subList(0, segments.size() - 1));
        current = FileChannel.open(last.path(), StandardOpenOption.WRITE);
        current.position(last.bytes());
        currentSeq = last.seq();
        currentSize = last.bytes();
        segmentCount = segments.size();
        liveLogBytes = segments.stream().mapToLong(LogRecovery.LogFile::bytes).sum();
    }

    /**
     * Opens (or creates) the log in {@code dir}, replaying the newest checkpoint and then every
     * later record through {@code visitor} before returning. Fails if another process, or
     * another open log in this one, holds the directory. See {@link #report()} for what was
     * replayed and repaired.
     *
     * @param segmentBytes the size at which appends move on to a new segment file
     */
    public static WriteAheadLog open(Path dir, long segmentBytes, RecordVisitor visitor) throws IOException {
        if (segmentBytes < MIN_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes must be at least " + MIN_SEGMENT_BYTES + ", was " + segmentBytes);
        }
        Files.createDirectories(dir);
        Path realDir = dir.toRealPath();
        if (!OPEN_DIRECTORIES.add(realDir)) {
            throw new IOException("data directory " + dir + " is already in use by this process");
        }
        FileChannel lockChannel = null;
        try {
            lockChannel = lock(realDir);
            return new WriteAheadLog(realDir, segmentBytes, lockChannel, LogRecovery.run(realDir, visitor));
        } catch (IOException | RuntimeException | Error e) {
            if (lockChannel != null) {
                closeAfterFailure(lockChannel, e);
            }
            OPEN_DIRECTORIES.remove(realDir);
            throw e;
        }
    }

    private static FileChannel lock(Path dir) throws IOException {
        Path lockPath = dir.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() == null) {
                throw inUse(dir, lockPath);
            }
            // The holder's pid, so that the next one to be refused can say who has it.
            channel.truncate(0);
            LogRecovery.writeFully(channel, ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            return channel;
        } catch (IOException | RuntimeException | Error e) {
            closeAfterFailure(channel, e);
            throw e;
        }
    }

    private static IOException inUse(Path dir, Path lockPath) throws IOException {
        String holder = Files.readString(lockPath, StandardCharsets.US_ASCII).strip();
        return new IOException("data directory " + dir + " is already in use"
                + (holder.isEmpty() ? "" : " by process " + holder) + " (lock held on " + lockPath + ")");
    }

    private static void closeAfterFailure(FileChannel channel, Throwable failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** fsyncs a directory so that files created, renamed or deleted in it stay so after a power cut. */
    public static void syncDirectory(Path dir) throws IOException {
        LogFormat.forceDirectory(dir);
    }

    /** What the last {@link #open} replayed and repaired. */
    public RecoveryReport report() {
        return report;
    }

    /**
     * Appends one record whose body is the concatenation of each part's bytes from position to
     * limit; the parts' positions are advanced to their limits. Direct buffers are written
     * without a copy; heap buffers are copied by the JDK, 1 MiB at a time. Does not fsync: see
     * {@link #sync()}.
     *
     * @param type the caller's record type, 1..255
     * @return the bytes the log now holds after the checkpoint (as {@link LogStats#liveLogBytes()}),
     *         for deciding when to checkpoint
     */
    public long append(int type, ByteBuffer... parts) throws IOException {
        LogFormat.checkType(type);
        long bodyLength = LogFormat.bodyLength(parts);
        long framed = LogFormat.RECORD_HEADER_BYTES + bodyLength;
        appendLock.lock();
        try {
            prepare(framed);
            try {
                writer.write(current, type, bodyLength, parts);
            } catch (IOException | RuntimeException | Error e) {
                discardPartialRecord(e);
                throw e;
            }
            return appended(framed);
        } finally {
            appendLock.unlock();
        }
    }

    /** Before a record of {@code framed} bytes: the log must be usable, and rolls if it would not fit. */
    private void prepare(long framed) throws IOException {
        ensureUsable();
        if (currentSize > LogFormat.FILE_HEADER_BYTES && currentSize + framed > segmentBytes) {
            roll();
        }
    }

    private long appended(long framed) {
        currentSize += framed;
        bytesAppended += framed;
        recordsAppended++;
        liveLogBytes += framed;
        return liveLogBytes;
    }

    /**
     * A half-written record would end replay at that point and take every later record with
     * it, so it is cut off; if that fails too, the log refuses further appends.
     */
    private void discardPartialRecord(Throwable cause) {
        try {
            current.truncate(currentSize);
            current.position(currentSize);
        } catch (IOException e) {
            cause.addSuppressed(e);
            failure = new IOException("could not cut a partly written record from " + segmentPath(currentSeq), e);
        }
    }

    /**
     * Makes every record appended so far survive a power cut: fsyncs the live segment and, if
     * segments were created since the last sync, the directory. (A segment is fsynced when the
     * log moves past it, so only the live one can hold unsynced records.) Appends wait while
     * it runs, which also keeps a failed fsync from being followed by appends that look durable.
     */
    public void sync() throws IOException {
        appendLock.lock();
        try {
            ensureUsable();
            force(current);
            if (directoryDirty) {
                forceDirectory();
                directoryDirty = false;
            }
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Starts a checkpoint: moves appends on to a new segment and returns its seq. Call it while
     * the state to be checkpointed cannot change, capture that state, then release it and call
     * {@link #writeCheckpoint} with the seq: the checkpoint must hold exactly the effect of the
     * records appended before this call.
     */
    public long beginCheckpoint() throws IOException {
        appendLock.lock();
        try {
            ensureUsable();
            // An empty live segment can start the checkpoint, unless a checkpoint already starts there.
            if (currentSize > LogFormat.FILE_HEADER_BYTES || currentSeq <= checkpointSeq) {
                roll();
            }
            return currentSeq;
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Writes the checkpoint for {@code seq} (from {@link #beginCheckpoint}) while appends go on,
     * makes it durable, and only then deletes the segments and checkpoint it replaces. If this
     * throws, the log is as it was and the checkpoint can be retried.
     */
    public void writeCheckpoint(long seq, CheckpointWriter checkpointWriter) throws IOException {
        checkpointLock.lock();
        try {
            appendLock.lock();
            try {
                ensureUsable();
                if (seq <= checkpointSeq || seq > currentSeq) {
                    throw new IllegalArgumentException("checkpoint seq " + seq + " is not one beginCheckpoint returned since the last checkpoint ("
                            + checkpointSeq + "); the live segment is " + currentSeq);
                }
            } finally {
                appendLock.unlock();
            }
            Path target = dir.resolve(LogFormat.Kind.CHECKPOINT.fileName(seq));
            long bytes = writeCheckpointFile(seq, target, checkpointWriter);
            retireCovered(seq, bytes);
        } finally {
            checkpointLock.unlock();
        }
    }

    private long writeCheckpointFile(long seq, Path target, CheckpointWriter checkpointWriter) throws IOException {
        Path temp = dir.resolve(target.getFileName() + LogFormat.TEMP_SUFFIX);
        long bytes;
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            LogRecovery.writeFully(channel, LogFormat.Kind.CHECKPOINT.header(seq));
            CheckpointSink sink = new CheckpointSink(channel);
            checkpointWriter.write(sink);
            sink.finish();
            channel.force(true);
            bytes = channel.size();
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory();
        return bytes;
    }

    /** Drops what the new checkpoint replaces: the segments before it and the old checkpoint. */
    private void retireCovered(long seq, long bytes) throws IOException {
        List<Path> covered = new ArrayList<>();
        long previousCheckpoint = checkpointSeq;
        appendLock.lock();
        try {
            while (!sealed.isEmpty() && sealed.peekFirst().seq() < seq) {
                LogRecovery.LogFile segment = sealed.removeFirst();
                covered.add(segment.path());
                liveLogBytes -= segment.bytes();
            }
            segmentCount = sealed.size() + 1;
            checkpointSeq = seq;
            checkpointBytes = bytes;
            checkpointsWritten++;
        } finally {
            appendLock.unlock();
        }
        if (previousCheckpoint > 0) {
            covered.add(dir.resolve(LogFormat.Kind.CHECKPOINT.fileName(previousCheckpoint)));
        }
        // Outside the append lock: unlinking large files can take a while. A crash before these
        // deletions is harmless; open() deletes what the newest checkpoint covers.
        for (Path path : covered) {
            Files.delete(path);
        }
    }

    /** Counters for metrics; cheap and lock-free. */
    public LogStats stats() {
        return new LogStats(bytesAppended, recordsAppended, fsyncs, segmentCount, liveLogBytes,
                checkpointSeq, checkpointBytes, checkpointsWritten);
    }

    /** Fsyncs and closes the live segment and releases the directory. */
    @Override
    public void close() throws IOException {
        checkpointLock.lock();
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try (FileChannel segment = current) {
                if (failure == null) {
                    force(segment);
                    if (directoryDirty) {
                        forceDirectory();
                    }
                }
            } finally {
                try {
                    lockChannel.close();
                } finally {
                    OPEN_DIRECTORIES.remove(dir);
                }
            }
        } finally {
            appendLock.unlock();
            checkpointLock.unlock();
        }
    }

    /** Seals the live segment (fsynced, so segments before the live one are always complete) and starts the next. */
    private void roll() throws IOException {
        force(current);
        long seq = currentSeq + 1;
        Path path = segmentPath(seq);
        FileChannel next = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            LogRecovery.writeFully(next, LogFormat.Kind.SEGMENT.header(seq));
        } catch (IOException | RuntimeException | Error e) {
            closeAfterFailure(next, e);
            try {
                Files.deleteIfExists(path);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        current.close();
        sealed.addLast(new LogRecovery.LogFile(currentSeq, segmentPath(currentSeq), currentSize));
        current = next;
        currentSeq = seq;
        currentSize = LogFormat.FILE_HEADER_BYTES;
        directoryDirty = true;
        segmentCount = sealed.size() + 1;
        liveLogBytes += LogFormat.FILE_HEADER_BYTES;
    }

    /**
     * After a failed fsync the kernel may have dropped the dirty pages and a retry could report
     * success for data that is gone, so a failed fsync makes the log refuse further work.
     */
    private void force(FileChannel channel) throws IOException {
        try {
            channel.force(false);
            fsyncs++;
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    private void forceDirectory() throws IOException {
        LogFormat.forceDirectory(dir);
        fsyncs++;
    }

    private void ensureUsable() throws IOException {
        if (closed) {
            throw new IOException("the write-ahead log in " + dir + " is closed");
        }
        if (failure != null) {
            throw new IOException("the write-ahead log in " + dir + " failed earlier and accepts no more writes", failure);
        }
    }

    private Path segmentPath(long seq) {
        return dir.resolve(LogFormat.Kind.SEGMENT.fileName(seq));
    }

    /** Frames checkpoint records into the temporary file and counts them for the end marker. */
    private static final class CheckpointSink implements RecordSink {
        private final FileChannel channel;
        private final RecordWriter writer = new RecordWriter();
        private long records;
        private long bytes;

        CheckpointSink(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void append(int type, ByteBuffer... parts) throws IOException {
            LogFormat.checkType(type);
            bytes += writer.write(channel, type, LogFormat.bodyLength(parts), parts);
            records++;
        }

        void finish() throws IOException {
            writer.write(channel, LogFormat.END_MARKER_TYPE, LogFormat.END_MARKER_BODY_BYTES,
                    new ByteBuffer[] {LogFormat.endMarkerBody(records, bytes)});
        }
    }
}
