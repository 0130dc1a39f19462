package io.vexfs.core.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian reads from a (mapped) index file, front to back. A read past the end, or a
 * count or number out of its range, throws {@link CorruptIndexException}: an index file is
 * never trusted beyond what it can prove.
 */
public final class IndexInput {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment memory;
    private long position;
    /** Where {@link #skipLinks} copies a node's links to check them. */
    private int[] links = new int[0];

    public IndexInput(MemorySegment memory) {
        this.memory = memory;
    }

    private long take(long bytes) {
        if (bytes < 0 || position + bytes > memory.byteSize()) {
            throw new CorruptIndexException("truncated at byte " + position + " (" + bytes + " more wanted of " + memory.byteSize() + ")");
        }
        long at = position;
        position += bytes;
        return at;
    }

    public int readByte() {
        return memory.get(ValueLayout.JAVA_BYTE, take(1)) & 0xFF;
    }

    public int readInt() {
        return memory.get(INT, take(Integer.BYTES));
    }

    public long readLong() {
        return memory.get(LONG, take(Long.BYTES));
    }

    public float readFloat() {
        return memory.get(FLOAT, take(Float.BYTES));
    }

    /** An int in [0, bound), else the file is corrupt. */
    public int readIndex(int bound, String what) {
        int v = readInt();
        if (v < 0 || v >= bound) {
            throw new CorruptIndexException(what + " " + v + " out of range [0, " + bound + ") at byte " + (position - Integer.BYTES));
        }
        return v;
    }

    /**
     * Checks and skips the next {@code count} links, each a u32 in [0, bound) and 4 more bytes (its
     * score), else the file is corrupt: copied out a node's links at a time, as a mount checks
     * every link of a graph of millions (the pass over a graph of 1M nodes took 0.36-0.53 s reading
     * them an int at a time, 0.31-0.38 s so).
     */
    public void skipLinks(int count, int bound, String what) {
        long at = take((long) count * 2 * Integer.BYTES);
        if (links.length < 2 * count) {
            links = new int[2 * count];
        }
        MemorySegment.copy(memory, INT, at, links, 0, 2 * count);
        for (int j = 0; j < 2 * count; j += 2) {
            int v = links[j];
            if (v < 0 || v >= bound) {
                throw new CorruptIndexException(what + " " + v + " out of range [0, " + bound + ") at byte " + (at + (long) j * Integer.BYTES));
            }
        }
    }

    /** A count in [0, max], else the file is corrupt. */
    public int readCount(int max, String what) {
        int v = readInt();
        if (v < 0 || v > max) {
            throw new CorruptIndexException(what + " " + v + " out of range [0, " + max + "] at byte " + (position - Integer.BYTES));
        }
        return v;
    }

    public String readText(int maxBytes) {
        int length = readCount(maxBytes, "text length");
        byte[] bytes = new byte[length];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, take(length), bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public byte[] readBytes(int n) {
        byte[] bytes = new byte[n];
        readBytes(bytes, 0, n);
        return bytes;
    }

    /** The next {@code n} bytes into into[at, at + n). */
    public void readBytes(byte[] into, int at, int n) {
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, take(n), into, at, n);
    }

    public long position() {
        return position;
    }

    /** The memory read, whole: positions are offsets into it. */
    public MemorySegment segment() {
        return memory;
    }

    /** Skips {@code bytes}, which must be there. */
    public void skip(long bytes) {
        take(bytes);
    }
}
