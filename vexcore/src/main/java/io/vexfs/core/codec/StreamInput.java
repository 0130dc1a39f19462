package io.vexfs.core.codec;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Reads a stream whose exact length the caller declared; ending early is an I/O fault, not bad input. */
final class StreamInput {
    /**
     * Large enough to amortise stream calls and to hold the largest .fvecs record
     * (4 + 4 * 65536 bytes), so a full buffer always contains a whole record.
     */
    private static final int CHUNK_BYTES = 1 << 20;

    private StreamInput() {
    }

    static void readFully(InputStream in, byte[] buffer, int offset, int length) throws IOException {
        int n = in.readNBytes(buffer, offset, length);
        if (n != length) {
            throw new EOFException("stream ended " + (length - n) + " bytes before its declared size");
        }
    }

    /** A buffer for a stream of {@code size} bytes: one chunk, or less when the whole stream is smaller. */
    static byte[] bufferFor(long size) {
        return new byte[(int) Math.min(size, CHUNK_BYTES)];
    }
}
