package io.vexfs.core.content;

import io.vexfs.core.codec.VectorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Renders .vec text: each row's numbers joined by one space, a newline after each row, each
 * number the shortest decimal that reads back as the same float32. The text is built once, in
 * chunks, because stat needs its exact size.
 */
final class VecText {
    private static final int CHUNK_BYTES = 1 << 20;
    /** A typical number with its separator, to size the first chunk of a small file closely. */
    private static final int BYTES_PER_NUMBER_GUESS = 12;

    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] current;
    private int used;
    private long size;

    private VecText(long sizeGuess) {
        current = new byte[(int) Math.max(16, Math.min(CHUNK_BYTES, sizeGuess))];
    }

    static BytesContent render(VectorData data) {
        if (data.rows() == 0) {
            return BytesContent.of(new byte[0]);
        }
        VecText text = new VecText((long) data.values().length * BYTES_PER_NUMBER_GUESS);
        StringBuilder row = new StringBuilder();
        float[] values = data.values();
        int dim = data.dim();
        for (int r = 0; r < data.rows(); r++) {
            row.setLength(0);
            for (int i = r * dim, end = i + dim; i < end; i++) {
                if (i > r * dim) {
                    row.append(' ');
                }
                appendShortest(row, values[i]);
            }
            text.write(row.append('\n'));
        }
        return text.finish();
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
    private void write(CharSequence text) {
        for (int i = 0, n = text.length(); i < n; ) {
            if (used == current.length) {
                makeRoom();
            }
            int count = Math.min(n - i, current.length - used);
            for (int end = i + count; i < end; i++) {
                current[used++] = (byte) text.charAt(i);
            }
        }
        size += text.length();
    }

    /** Grows the current chunk up to CHUNK_BYTES, then starts a new one. */
    private void makeRoom() {
        if (current.length < CHUNK_BYTES) {
            current = Arrays.copyOf(current, Math.min(CHUNK_BYTES, current.length * 2));
        } else {
            chunks.add(current);
            current = new byte[CHUNK_BYTES];
            used = 0;
        }
    }

    private BytesContent finish() {
        chunks.add(used == current.length ? current : Arrays.copyOf(current, used));
        return new BytesContent(chunks, size);
    }
}
