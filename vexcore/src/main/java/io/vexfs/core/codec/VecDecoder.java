package io.vexfs.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The .vec text scanner: one vector per line, numbers separated by any mix of spaces, tabs and
 * commas. It walks the bytes of one reusable buffer; a number cut by the buffer's end is moved to
 * the front and the rest read after it. A '\r' counts as a separator, which accepts "\r\n" ends.
 */
final class VecDecoder {
    private static final boolean[] DELIMITER = new boolean[256];

    static {
        for (char c : new char[] {' ', '\t', ',', '\r', '\n'}) {
            DELIMITER[c] = true;
        }
    }

    private final InputStream in;
    private final int expectedDim;
    private final byte[] buffer;
    private long unread;
    private int position;
    private int limit;

    private float[] values;
    private int count;
    private int rows;
    /** The collection's dimension, else the first line's once it has been read; 0 before. */
    private int dim;
    private int line;
    private int numbersInLine;
    /** The first empty line after the last vector line, or 0: legal only if no vector follows. */
    private int pendingEmptyLine;

    private VecDecoder(InputStream in, long size, int expectedDim, int firstLine) {
        this.in = in;
        this.line = firstLine;
        this.expectedDim = expectedDim;
        this.dim = expectedDim;
        this.unread = size;
        this.buffer = StreamInput.bufferFor(size);
        // A number takes at least two bytes with its separator; start small and grow for large files.
        this.values = new float[(int) Math.min(size / 2 + 1, 1 << 16)];
    }

    static VectorData decode(InputStream in, long size, int expectedDim, int firstLine)
            throws InvalidInputException, IOException {
        return new VecDecoder(in, size, expectedDim, firstLine).decode();
    }

    private VectorData decode() throws InvalidInputException, IOException {
        while (position < limit || refill()) {
            byte b = buffer[position];
            if (b == '\n') {
                endLine();
                position++;
            } else if (DELIMITER[b & 0xff]) {
                position++;
            } else {
                readNumber();
            }
        }
        if (numbersInLine > 0) {
            endLine();
        }
        float[] exact = count == values.length ? values : Arrays.copyOf(values, count);
        return new VectorData(VectorFormat.VEC, rows, rows == 0 ? 0 : dim, exact, null);
    }

    /** Starts the buffer over with the next bytes of the stream; false at the end. */
    private boolean refill() throws IOException {
        position = 0;
        limit = 0;
        return append();
    }

    /** Reads more of the stream after buffer[0, limit); false if there is nothing more. */
    private boolean append() throws IOException {
        int n = (int) Math.min(buffer.length - limit, unread);
        if (n == 0) {
            return false;
        }
        StreamInput.readFully(in, buffer, limit, n);
        limit += n;
        unread -= n;
        return true;
    }

    private void readNumber() throws InvalidInputException, IOException {
        if (numbersInLine == 0 && pendingEmptyLine != 0) {
            throw new InvalidInputException("line " + pendingEmptyLine, "empty line");
        }
        if (numbersInLine == VectorCodec.MAX_DIMENSION) {
            throw new InvalidInputException("line " + line,
                    "more than " + VectorCodec.MAX_DIMENSION + " numbers (the maximum dimension)");
        }
        int end = position;
        while (true) {
            while (end < limit && !DELIMITER[buffer[end] & 0xff]) {
                end++;
            }
            if (end < limit || unread == 0) {
                break;
            }
            int length = end - position;
            if (length == buffer.length) {
                throw new InvalidInputException("line " + line, DecimalParser.show(buffer, 0, length)
                        + " is too long for a number (" + length + "+ characters)");
            }
            System.arraycopy(buffer, position, buffer, 0, length);
            position = 0;
            limit = length;
            end = length;
            append();
        }
        float value = DecimalParser.parse(buffer, position, end, line);
        if (count == values.length) {
            grow();
        }
        values[count++] = value;
        numbersInLine++;
        position = end;
    }

    private void grow() throws InvalidInputException {
        if (count == VectorCodec.MAX_VALUES) {
            throw new InvalidInputException("line " + line,
                    "more than " + VectorCodec.MAX_VALUES + " numbers in one file");
        }
        int capacity = (int) Math.min(VectorCodec.MAX_VALUES, Math.max(16L, values.length + (long) values.length / 2));
        values = Arrays.copyOf(values, capacity);
    }

    private void endLine() throws InvalidInputException {
        if (numbersInLine == 0) {
            if (pendingEmptyLine == 0) {
                pendingEmptyLine = line;
            }
        } else {
            if (dim == 0) {
                dim = numbersInLine;
            } else if (numbersInLine != dim) {
                throw expectedDim != 0
                        ? VectorCodec.dimensionMismatch("line " + line, numbersInLine, expectedDim)
                        : new InvalidInputException("line " + line,
                                "dimension " + numbersInLine + " differs from the first line's " + dim);
            }
            rows++;
        }
        numbersInLine = 0;
        line++;
    }
}
