package io.vexfs.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The on-disk format shared by log segments and checkpoints, all little-endian.
 *
 * <pre>
 * file header (24 bytes): magic[8] | u32 version | u32 flags (0) | u64 seq
 * record:                 u32 body length | u32 CRC32C(type byte + body) | u8 type | body
 * </pre>
 *
 * Type 0 never appears in a log segment, so zero-filled space can never pass for a record. A
 * checkpoint ends with one type-0 record, the end marker, whose body counts the records and
 * framed bytes before it: a checkpoint without it is incomplete.
 */
final class LogFormat {
    /** 2: records are namespace changes (fs.Change); 1 (the first release) carried file bytes and is read only to convert it. */
    static final int VERSION = 2;
    static final int FILE_HEADER_BYTES = 24;
    static final int RECORD_HEADER_BYTES = 9;
    static final long MAX_BODY_BYTES = Integer.MAX_VALUE - RECORD_HEADER_BYTES;
    static final int END_MARKER_TYPE = 0;
    static final int END_MARKER_BODY_BYTES = 16;
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final String TEMP_SUFFIX = ".tmp";
    static final String CORRUPT_SUFFIX = ".corrupt";

    /** The two kinds of file, each with its own magic and name pattern. */
    enum Kind {
        SEGMENT("VEXFSWAL", "wal-", ".log", "log"),
        CHECKPOINT("VEXFSCKP", "checkpoint-", ".ckpt", "checkpoint");

        private static final int SEQ_DIGITS = 20;
        private final byte[] magic;
        private final String prefix;
        private final String suffix;
        private final String description;

        Kind(String magic, String prefix, String suffix, String description) {
            this.magic = magic.getBytes(StandardCharsets.US_ASCII);
            this.prefix = prefix;
            this.suffix = suffix;
            this.description = description;
        }

        String fileName(long seq) {
            return prefix + String.format("%0" + SEQ_DIGITS + "d", seq) + suffix;
        }

        /** The seq in a file name of this kind, or -1 when the name is not one. */
        long parseSeq(String name) {
            if (name.length() != prefix.length() + SEQ_DIGITS + suffix.length()
                    || !name.startsWith(prefix) || !name.endsWith(suffix)) {
                return -1;
            }
            String digits = name.substring(prefix.length(), prefix.length() + SEQ_DIGITS);
            for (int i = 0; i < digits.length(); i++) {
                if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                    return -1;
                }
            }
            return Long.parseLong(digits);
        }

        ByteBuffer header(long seq) {
            return ByteBuffer.allocate(FILE_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .put(magic).putInt(VERSION).putInt(0).putLong(seq).flip();
        }

        /**
         * Checks the header of a mapped file at least FILE_HEADER_BYTES long. Returns false when
         * it is all zeros (written size, unwritten data: a torn header); throws when the file is
         * not ours or is from a newer build, since replaying it could only do harm.
         */
        boolean checkHeader(Path path, MemorySegment file, long expectedSeq) throws IOException {
            MemorySegment header = file.asSlice(0, FILE_HEADER_BYTES);
            if (header.mismatch(MemorySegment.ofArray(new byte[FILE_HEADER_BYTES])) == -1) {
                return false;
            }
            if (header.asSlice(0, magic.length).mismatch(MemorySegment.ofArray(magic)) != -1) {
                throw new IOException(path + ": not a vexfs " + description + " file");
            }
            int version = header.get(INT_LE, 8);
            if (version > VERSION) {
                throw new IOException(path + ": format version " + version + " is newer than this build (" + VERSION + ")");
            }
            if (version < 1) {
                throw new IOException(path + ": unknown format version " + version);
            }
            long seq = header.get(LONG_LE, 16);
            if (seq != expectedSeq) {
                throw new IOException(path + ": header says seq " + seq + " but the file name says " + expectedSeq);
            }
            return true;
        }
    }

    static ByteBuffer endMarkerBody(long records, long framedBytes) {
        return ByteBuffer.allocate(END_MARKER_BODY_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(records).putLong(framedBytes).flip();
    }

    static void checkType(int type) {
        if (type < 1 || type > 255) {
            throw new IllegalArgumentException("record type must be in 1..255, was " + type);
        }
    }

    static long bodyLength(ByteBuffer[] parts) {
        long length = 0;
        for (ByteBuffer part : parts) {
            length += part.remaining();
        }
        if (length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("record body of " + length + " bytes exceeds the limit of " + MAX_BODY_BYTES);
        }
        return length;
    }

    /** fsyncs a directory so that files created, renamed or deleted in it stay so after a power cut. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private LogFormat() {
    }
}
