package io.vexfs.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The layout of a data segment file (docs/STORAGE.md, "Data segments"), little-endian:
 *
 * <pre>
 * header  (4096 bytes): magic "VEXFSSEG" | u32 version | u32 block size | u64 id | u32 CRC32C of bytes 0..24 | zeros
 * data    (length bytes, from offset 4096)
 * footer  (sealed files only): u32 CRC32C per data block, then the trailer:
 *         u64 data length | u32 block size | u32 CRC32C of the block table | u32 0 | u32 CRC32C of trailer bytes 0..20 | "VEXFSEND"
 * </pre>
 *
 * Block i covers data bytes [i * blockSize, min((i + 1) * blockSize, length)). The data starts
 * on a page so that mapped vectors are aligned as the kernels like them. A file without a valid
 * trailer is unsealed: it was being written when the process stopped.
 */
final class SegmentFormat {
    static final int VERSION = 1;
    static final int HEADER_BYTES = 4096;
    static final int BLOCK_BYTES = 64 * 1024;
    static final int TRAILER_BYTES = 32;
    static final String SUFFIX = ".dat";
    static final String TEMP_SUFFIX = ".tmp";
    private static final String PREFIX = "seg-";
    private static final int ID_DIGITS = 16;
    private static final byte[] MAGIC = "VEXFSSEG".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_MAGIC = "VEXFSEND".getBytes(StandardCharsets.US_ASCII);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** CRC32C of a whole block of zeros: what a block nobody wrote (a hole) checks against. */
    static final int ZERO_BLOCK_CRC = zeroCrc(BLOCK_BYTES);

    private SegmentFormat() {
    }

    /** A sealed file's footer as read back. */
    record Footer(long length, int[] crcs) {
    }

    static String fileName(long id) {
        return PREFIX + String.format("%0" + ID_DIGITS + "x", id) + SUFFIX;
    }

    static String tempName(long id) {
        return PREFIX + String.format("%0" + ID_DIGITS + "x", id) + TEMP_SUFFIX;
    }

    /** The id in a segment (or temporary segment) file name, or -1 when the name is not one. */
    static long parseId(String name) {
        String suffix = name.endsWith(SUFFIX) ? SUFFIX : name.endsWith(TEMP_SUFFIX) ? TEMP_SUFFIX : null;
        if (suffix == null || !name.startsWith(PREFIX) || name.length() != PREFIX.length() + ID_DIGITS + suffix.length()) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(name, PREFIX.length(), PREFIX.length() + ID_DIGITS, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static long blockCount(long length) {
        return (length + BLOCK_BYTES - 1) / BLOCK_BYTES;
    }

    static ByteBuffer header(long id) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(BLOCK_BYTES).putLong(id);
        b.putInt(crc(b.array(), 0, 24));
        return b.clear();
    }

    /** Checks a file's header; throws when it is not a segment of ours, of this id and format. */
    static void checkHeader(Path path, MemorySegment header, long id) throws IOException {
        byte[] h = header.asSlice(0, 28).toArray(ValueLayout.JAVA_BYTE);
        if (MemorySegment.ofArray(h).asSlice(0, 8).mismatch(MemorySegment.ofArray(MAGIC)) != -1) {
            throw new IOException(path + ": not a vexfs data segment");
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(24) != crc(h, 0, 24)) {
            throw new IOException(path + ": the segment header's checksum does not match");
        }
        int version = b.getInt(8);
        if (version != VERSION) {
            throw new IOException(path + ": segment format version " + version + " is not " + VERSION);
        }
        if (b.getInt(12) != BLOCK_BYTES) {
            throw new IOException(path + ": block size " + b.getInt(12) + " is not " + BLOCK_BYTES);
        }
        if (b.getLong(16) != id) {
            throw new IOException(path + ": header says segment " + Long.toHexString(b.getLong(16)));
        }
    }

    /** The footer of a sealed file of {@code fileSize} bytes, or null when it has none (unsealed or torn). */
    static Footer readFooter(MemorySegment file, long fileSize) {
        if (fileSize < HEADER_BYTES + TRAILER_BYTES) {
            return null;
        }
        MemorySegment t = file.asSlice(fileSize - TRAILER_BYTES, TRAILER_BYTES);
        if (t.asSlice(24, 8).mismatch(MemorySegment.ofArray(END_MAGIC)) != -1) {
            return null;
        }
        byte[] tb = t.toArray(ValueLayout.JAVA_BYTE);
        ByteBuffer b = ByteBuffer.wrap(tb).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(20) != crc(tb, 0, 20) || b.getInt(8) != BLOCK_BYTES) {
            return null;
        }
        long length = b.getLong(0);
        long blocks = blockCount(length);
        if (length < 0 || blocks > Integer.MAX_VALUE || HEADER_BYTES + length + 4 * blocks + TRAILER_BYTES != fileSize) {
            return null;
        }
        MemorySegment table = file.asSlice(HEADER_BYTES + length, 4 * blocks);
        CRC32C c = new CRC32C();
        c.update(table.asByteBuffer());
        if ((int) c.getValue() != b.getInt(12)) {
            return null;
        }
        int[] crcs = new int[(int) blocks];
        MemorySegment.copy(table, INT_LE, 0, crcs, 0, crcs.length);
        return new Footer(length, crcs);
    }

    /** The footer that seals a file whose data is {@code length} bytes with these block checksums. */
    static ByteBuffer footer(long length, int[] crcs, int blocks) {
        ByteBuffer b = ByteBuffer.allocate(4 * blocks + TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            b.putInt(crcs[i]);
        }
        int tableCrc = crc(b.array(), 0, 4 * blocks);
        int t = 4 * blocks;
        b.putLong(length).putInt(BLOCK_BYTES).putInt(tableCrc).putInt(0);
        b.putInt(crc(b.array(), t, 20));
        b.put(END_MAGIC);
        return b.flip();
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }

    static int zeroCrc(int length) {
        CRC32C c = new CRC32C();
        c.update(new byte[length]);
        return (int) c.getValue();
    }
}
