package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The .vec push decoder: one vector per line, numbers separated by any mix of spaces, tabs and
 * commas; a '\r' counts as a separator, which accepts "\r\n" ends. The writer's bytes are copied
 * into one reusable scan buffer; a number cut by the end of a write waits at its front for the
 * bytes that finish it. A line is judged when its '\n' arrives, a number when the byte after it
 * does; the last line, if unterminated, by {@link #finish}.
 */
final class VecDecoder extends StreamDecoder {
    /** A number this long is refused, whatever follows: no float needs a megabyte of digits. */
    static final int MAX_TOKEN_BYTES = 1 << 20;
    /** Bytes scanned per pass: large enough to amortise, small enough to stay in cache. */
    private static final int SCAN_BYTES = 64 * 1024;
    private static final int MIN_SCAN_BYTES = 256;
    private static final boolean[] DELIMITER = new boolean[256];

    static {
        for (char c : new char[] {' ', '\t', ',', '\r', '\n'}) {
            DELIMITER[c] = true;
        }
    }

    private final int expectedDim;
    private final long maxValues;
    private final RowBuffer out;
    /** Bytes to scan; [0, carry) is the start of a number that the next bytes finish. */
    private byte[] text = new byte[0];
    private int carry;

    /** The collection's dimension, else the first line's once it has ended; 0 before. */
    private int dim;
    private long line;
    private int numbersInLine;
    private long values;
    /** The first empty line after the last vector line, or 0: legal only if no vector follows. */
    private long pendingEmptyLine;

    VecDecoder(int expectedDim, int firstLine, long maxValues, RowSink sink) {
        this.expectedDim = expectedDim;
        this.dim = expectedDim;
        this.line = firstLine;
        this.maxValues = maxValues;
        this.out = new RowBuffer(sink, false);
        out.setDim(expectedDim);
    }

    @Override
    void consume(MemorySegment bytes) throws InvalidInputException, IOException {
        long offset = 0;
        long size = bytes.byteSize();
        while (offset < size) {
            reserve(size - offset);
            int n = (int) Math.min(text.length - carry, size - offset);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, offset, text, carry, n);
            offset += n;
            int limit = carry + n;
            int unfinished = scan(limit, false);
            carry = limit - unfinished;
            System.arraycopy(text, unfinished, text, 0, carry);
        }
        out.emit();
    }

    @Override
    DecodedShape end() throws InvalidInputException, IOException {
        scan(carry, true);
        if (numbersInLine > 0) {
            endLine();
        }
        out.emit();
        long rows = out.emittedRows();
        return new DecodedShape(VectorFormat.VEC, rows, rows == 0 ? 0 : dim, null);
    }

    /** Room after the carried bytes for some of the {@code remaining} input. */
    private void reserve(long remaining) {
        int want = carry > 0 && carry == text.length
                ? Math.min(MAX_TOKEN_BYTES, Math.max(MIN_SCAN_BYTES, 2 * text.length))
                : (int) Math.min(SCAN_BYTES, Math.max(MIN_SCAN_BYTES, carry + remaining));
        if (want > text.length) {
            byte[] grown = new byte[want];
            System.arraycopy(text, 0, grown, 0, carry);
            text = grown;
        }
    }

    /**
     * Scans text[0, limit). Returns where a number starts that the bytes so far do not finish
     * (limit if none); at the end of the file every number is finished.
     */
    private int scan(int limit, boolean atEnd) throws InvalidInputException, IOException {
        byte[] t = text;
        int i = 0;
        while (i < limit) {
            byte b = t[i];
            if (b == '\n') {
                endLine();
                i++;
            } else if (DELIMITER[b & 0xff]) {
                i++;
            } else {
                startNumber();
                int end = i + 1;
                while (end < limit && !DELIMITER[t[end] & 0xff]) {
                    end++;
                }
                if (end - i >= MAX_TOKEN_BYTES) {
                    throw new InvalidInputException("line " + line, DecimalParser.show(t, i, end)
                            + " is too long for a number (" + MAX_TOKEN_BYTES + "+ characters)");
                }
                if (end == limit && !atEnd) {
                    return i;
                }
                number(DecimalParser.parse(t, i, end, line));
                i = end;
            }
        }
        return limit;
    }

    /** What the first byte of a number already shows. */
    private void startNumber() throws InvalidInputException {
        if (numbersInLine == 0 && pendingEmptyLine != 0) {
            throw new InvalidInputException("line " + pendingEmptyLine, "empty line");
        }
        if (numbersInLine == VectorCodec.MAX_DIMENSION) {
            throw new InvalidInputException("line " + line,
                    "more than " + VectorCodec.MAX_DIMENSION + " numbers (the maximum dimension)");
        }
    }

    private void number(float value) throws InvalidInputException, IOException {
        if (values == maxValues) {
            throw tooManyValues("line " + line, maxValues);
        }
        out.appendFloat(value);
        values++;
        numbersInLine++;
    }

    private void endLine() throws InvalidInputException {
        if (numbersInLine == 0) {
            if (pendingEmptyLine == 0) {
                pendingEmptyLine = line;
            }
        } else {
            if (dim == 0) {
                dim = numbersInLine;
                out.setDim(dim);
            } else if (numbersInLine != dim) {
                throw expectedDim != 0
                        ? dimensionMismatch("line " + line, numbersInLine, expectedDim)
                        : new InvalidInputException("line " + line,
                                "dimension " + numbersInLine + " differs from the first line's " + dim);
            }
            out.completeRow();
        }
        numbersInLine = 0;
        line++;
    }
}
