package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An open control file (.vexfs/NAME) or a collection's .collection: the text generated when it
 * was opened, for reading, and the text written, for its {@link Target}. Each line is checked as
 * soon as its '\n' arrives, so a bad line fails the write() that ends it (and `echo bad > file`
 * fails at the prompt); the whole text is applied on close, or refused (EINVAL) with nothing
 * changed. Synchronized per handle; no lock is shared between handles.
 */
final class ControlHandle implements Handle {
    /** What the written text goes to. */
    interface Target {
        /** Refuses a complete line that no rest of the text could make right. */
        void checkLine(String line, int number) throws InvalidInputException;

        /** Applies the whole text, or refuses it (EINVAL) and changes nothing. */
        void apply(String text) throws FsException;
    }

    /** Control texts are a few lines; this bounds what one writer can make the mount hold. */
    private static final int MAX_BYTES = 1 << 20;

    private final VexStore store;
    private final byte[] shown;
    private final Target target;
    /** O_TRUNC: the text written starts empty instead of from the text shown. */
    private final boolean truncated;
    /** The text written; null until the first write or truncate. */
    private byte[] written;
    private int size;
    /** Lines in [0, checkedBytes) have been checked; {@code checkedLines} of them. */
    private int checkedBytes;
    private int checkedLines;
    private boolean dirty;
    /**
     * Opened with O_TRUNC and nothing written yet. A shell's {@code >} opens, then dup2()s and
     * closes a descriptor before writing; that first flush must not apply an empty text.
     */
    private boolean truncatedOnly;
    /** A line the writes refused: the text stays refused until it is truncated to nothing. */
    private InvalidInputException refusal;
    /** The text was refused by a flush and not changed since: release must not apply it again. */
    private boolean flushRefused;

    /** {@code target} null: a read-only file. */
    ControlHandle(VexStore store, byte[] shown, Target target, boolean truncate) {
        this.store = store;
        this.shown = shown;
        this.target = target;
        this.truncated = truncate;
        this.dirty = truncate;
        this.truncatedOnly = truncate;
    }

    @Override
    public synchronized int read(long position, MemorySegment dst) {
        byte[] text = written != null ? written : truncated ? new byte[0] : shown;
        int length = written != null ? size : text.length;
        if (position >= length) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), length - position);
        MemorySegment.copy(MemorySegment.ofArray(text), position, dst, 0, n);
        return n;
    }

    @Override
    public synchronized int write(long position, MemorySegment src) throws FsException {
        stage(position + src.byteSize());
        if (refusal != null) {
            throw FsException.invalid(new InvalidInputException(refusal.where(), refusal.reason()));
        }
        int at = (int) position;
        int n = (int) src.byteSize();
        MemorySegment.copy(src, 0, MemorySegment.ofArray(written), at, n);
        size = Math.max(size, at + n);
        changed(at);
        return n;
    }

    @Override
    public synchronized void truncate(long length) throws FsException {
        stage(length);
        if (length < size) {
            Arrays.fill(written, (int) length, size, (byte) 0);
        }
        size = (int) length;
        if (length == 0) {
            refusal = null;
        }
        changed(size);
    }

    /** Makes {@code written} hold the text and room up to {@code end}. */
    private void stage(long end) throws FsException {
        if (target == null) {
            throw new FsException(Errno.EACCES, "this file is read-only");
        }
        if (end > MAX_BYTES) {
            throw new FsException(Errno.EFBIG, "a control file takes at most " + MAX_BYTES + " bytes");
        }
        if (written == null) {
            written = truncated ? new byte[0] : shown.clone();
            size = written.length;
        }
        if (end > written.length) {
            written = Arrays.copyOf(written, (int) Math.max(end, Math.min(MAX_BYTES, 2L * written.length)));
        }
    }

    /** Bytes from {@code from} changed: check the lines they complete (all again if an old line changed). */
    private void changed(int from) throws FsException {
        dirty = true;
        truncatedOnly = false;
        flushRefused = false;
        if (from < checkedBytes) {
            checkedBytes = 0;
            checkedLines = 0;
        }
        if (refusal != null) {
            return;
        }
        for (int i = checkedBytes; i < size; i++) {
            if (written[i] == '\n') {
                String line = new String(written, checkedBytes, i - checkedBytes, StandardCharsets.UTF_8);
                try {
                    target.checkLine(line, checkedLines + 1);
                } catch (InvalidInputException e) {
                    refusal = e;
                    throw FsException.invalid(e);
                }
                checkedLines++;
                checkedBytes = i + 1;
            }
        }
    }

    @Override
    public synchronized void flush(String path) throws FsException {
        if (!dirty || truncatedOnly || refusal != null || flushRefused) {
            return;
        }
        try {
            target.apply(new String(written == null ? new byte[0] : written, 0, size, StandardCharsets.UTF_8));
        } catch (FsException e) {
            flushRefused = true;
            throw e;
        }
        dirty = false;
    }

    @Override
    public synchronized void fsync(String path) throws FsException {
        truncatedOnly = false;
        flush(path);
        store.sync();
    }

    @Override
    public synchronized void release(String path) throws FsException {
        truncatedOnly = false;
        flush(path);
    }

    @Override
    public synchronized long stagedSize() {
        return written != null ? size : truncated ? 0 : -1;
    }

    /** The text is generated per open; the page cache must not serve an old one. */
    @Override
    public boolean directIo() {
        return true;
    }
}
