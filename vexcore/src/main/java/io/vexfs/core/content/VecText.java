package io.vexfs.core.content;

import io.vexfs.core.codec.VectorData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Renders .vec text: each row's numbers joined by one space, a newline after each row, each
 * number the shortest decimal that reads back as the same float32. Rendered once, at commit,
 * because stat needs its exact size; it streams to a sink in chunks, so a large file is never
 * held in memory whole.
 */
public final class VecText {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_BYTES = 64 * 1024;

    /** Where rendered text goes, a chunk at a time; the chunk is reused after the call. */
    public interface Sink {
        void write(byte[] bytes, int length) throws IOException;
    }

    private final byte[] chunk;
    private final Sink sink;
    private int used;
    private long size;

    private VecText(Sink sink, int chunkBytes) {
        this.sink = sink;
        this.chunk = new byte[chunkBytes];
    }

    /** Renders {@code rows} rows of {@code dim} little-endian floats to the sink; returns the text's length. */
    public static long render(MemorySegment floats, long rows, int dim, Sink sink) throws IOException {
        VecText text = new VecText(sink, CHUNK_BYTES);
        StringBuilder row = new StringBuilder();
        long offset = 0;
        for (long r = 0; r < rows; r++) {
            row.setLength(0);
            for (int i = 0; i < dim; i++, offset += Float.BYTES) {
                if (i > 0) {
                    row.append(' ');
                }
                appendShortest(row, floats.get(FLOAT_LE, offset));
            }
            text.write(row.append('\n'));
        }
        text.flush();
        return text.size;
    }

    /** The text of vectors already in memory, as a content. */
    static BytesContent render(VectorData data) {
        List<byte[]> chunks = new ArrayList<>();
        try {
            long size = render(MemorySegment.ofArray(data.values()), data.rows(), data.dim(),
                    (bytes, length) -> chunks.add(Arrays.copyOf(bytes, length)));
            return new BytesContent(chunks, size);
        } catch (IOException e) {
            throw new UncheckedIOException("rendering into memory cannot fail", e);
        }
    }

    /**
     * Appends the shortest decimal of {@code value} (as Float.toString chooses it), tidied:
     * "1.0" becomes "1", "-0.0" "-0", "1.0E-5" "1E-5"; "1.5E-5" stays. All of these read back
     * in Java, Python and numpy.
     */
    private static void appendShortest(StringBuilder sb, float value) {
        int start = sb.length();
        sb.append(value);
        int exponent = sb.indexOf("E", start);
        int mantissaEnd = exponent < 0 ? sb.length() : exponent;
        if (sb.charAt(mantissaEnd - 1) == '0' && sb.charAt(mantissaEnd - 2) == '.') {
            sb.delete(mantissaEnd - 2, mantissaEnd);
        }
    }

    /** Appends the ASCII characters of {@code text}. */
    private void write(CharSequence text) throws IOException {
        for (int i = 0, n = text.length(); i < n; ) {
            if (used == chunk.length) {
                flush();
            }
            int count = Math.min(n - i, chunk.length - used);
            for (int end = i + count; i < end; i++) {
                chunk[used++] = (byte) text.charAt(i);
            }
        }
        size += text.length();
    }

    private void flush() throws IOException {
        if (used > 0) {
            sink.write(chunk, used);
            used = 0;
        }
    }
}
