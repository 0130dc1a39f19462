package io.vexfs.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NumPy .npy: a magic string, a version, a header length, a Python dict literal header padded
 * with spaces to a newline, then the array data. Only C-order little-endian float32 arrays of one
 * or two dimensions are vectors; the header's exact bytes are kept so the file reads back as written.
 */
final class NpyCodec {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic plus the two version bytes. */
    private static final int VERSION_END = MAGIC.length + 2;
    /** Far above any header a float32 array needs; numpy itself refuses headers over 10000 bytes by default. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    /** numpy aligns the data to this, and leaves room for the first axis to grow to this many digits. */
    private static final int ARRAY_ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final String WHERE = "header";
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NpyCodec() {
    }

    static VectorData decode(InputStream in, long size, int expectedDim) throws InvalidInputException, IOException {
        if (size == 0) {
            return new VectorData(VectorFormat.NPY, 0, 0, new float[0], null);
        }
        if (size < VERSION_END + 2) {
            throw new InvalidInputException(WHERE, "a file of " + size + " bytes is too short for an .npy header");
        }
        byte[] prefix = new byte[VERSION_END + 4];
        StreamInput.readFully(in, prefix, 0, VERSION_END);
        if (!Arrays.equals(prefix, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new InvalidInputException(WHERE, "not an .npy file: it does not start with \\x93NUMPY");
        }
        int major = prefix[MAGIC.length] & 0xff;
        int minor = prefix[MAGIC.length + 1] & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new InvalidInputException(WHERE, "version " + major + "." + minor
                    + " is not supported (1.0, 2.0 and 3.0 are)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        int prefixBytes = VERSION_END + lengthBytes;
        if (size < prefixBytes) {
            throw new InvalidInputException(WHERE, "the file ends inside the header length");
        }
        StreamInput.readFully(in, prefix, VERSION_END, lengthBytes);
        long headerLength = (prefix[VERSION_END] & 0xff) | (prefix[VERSION_END + 1] & 0xff) << 8;
        if (major > 1) {
            headerLength |= (long) (prefix[VERSION_END + 2] & 0xff) << 16 | (long) (prefix[VERSION_END + 3] & 0xff) << 24;
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new InvalidInputException(WHERE, "header length " + headerLength
                    + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - prefixBytes) {
            throw new InvalidInputException(WHERE, "the file ends inside the header (header length "
                    + headerLength + ", file size " + size + ")");
        }
        byte[] header = Arrays.copyOf(prefix, prefixBytes + (int) headerLength);
        StreamInput.readFully(in, header, prefixBytes, (int) headerLength);
        String text = new String(header, prefixBytes, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Shape shape = shapeOf(NpyHeaderDict.parse(text), expectedDim);

        long dataBytes = size - header.length;
        long rowBytes = (long) shape.dim * Float.BYTES;
        long expectedBytes = shape.rows * rowBytes;
        if (dataBytes < expectedBytes) {
            throw new InvalidInputException("row " + dataBytes / rowBytes, "truncated data: " + dataBytes
                    + " bytes where shape " + shape.text + " needs " + expectedBytes);
        }
        if (dataBytes > expectedBytes) {
            throw new InvalidInputException("row " + shape.rows, (dataBytes - expectedBytes)
                    + " bytes beyond the data of shape " + shape.text);
        }
        float[] values = new float[shape.rows * shape.dim];
        readFloats(in, values);
        int bad = FiniteCheck.firstNonFinite(values, 0, values.length);
        if (bad >= 0) {
            throw new InvalidInputException("row " + bad / shape.dim,
                    values[bad] + " at index " + bad % shape.dim + " is not a finite number");
        }
        return new VectorData(VectorFormat.NPY, shape.rows, shape.dim, values, header);
    }

    /** The rows and dimension a header declares; {@code text} is the shape as numpy prints it. */
    private record Shape(int rows, int dim, String text) {
    }

    private static Shape shapeOf(NpyHeaderDict dict, int expectedDim) throws InvalidInputException {
        if (!dict.descr().equals("<f4")) {
            throw new InvalidInputException(WHERE, "dtype " + NpyHeaderDict.quote(dict.descr())
                    + " is not float32 little-endian ('<f4')");
        }
        if (dict.fortranOrder()) {
            throw new InvalidInputException(WHERE, "fortran_order True is not supported");
        }
        long[] shape = dict.shape();
        if (shape.length == 0 || shape.length > 2) {
            throw new InvalidInputException(WHERE, shape.length + "-dimensional arrays are not supported"
                    + " (a vector is 1-dimensional, rows of vectors 2-dimensional)");
        }
        String text = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + shape[0] + ", " + shape[1] + ")";
        long rows = shape.length == 1 ? 1 : shape[0];
        long dim = shape[shape.length - 1];
        boolean empty = rows == 0 && dim == 0;
        if (!empty && (dim < 1 || dim > VectorCodec.MAX_DIMENSION)) {
            throw new InvalidInputException(WHERE, "dimension " + dim + " of shape " + text
                    + " is not between 1 and " + VectorCodec.MAX_DIMENSION);
        }
        if (rows * dim > VectorCodec.MAX_VALUES) {
            throw new InvalidInputException(WHERE, "shape " + text + " has more than "
                    + VectorCodec.MAX_VALUES + " numbers");
        }
        if (!empty && expectedDim != 0 && dim != expectedDim) {
            throw VectorCodec.dimensionMismatch(WHERE, (int) dim, expectedDim);
        }
        return new Shape((int) rows, (int) dim, text);
    }

    private static void readFloats(InputStream in, float[] values) throws IOException {
        if (values.length == 0) {
            return;
        }
        byte[] buffer = StreamInput.bufferFor((long) values.length * Float.BYTES);
        MemorySegment bytes = MemorySegment.ofArray(buffer);
        int floatsPerChunk = buffer.length / Float.BYTES;
        for (int done = 0; done < values.length; ) {
            int n = Math.min(floatsPerChunk, values.length - done);
            StreamInput.readFully(in, buffer, 0, n * Float.BYTES);
            MemorySegment.copy(bytes, FLOAT_LE, 0, values, done, n);
            done += n;
        }
    }

    /** The header numpy 2 writes for a C-order float32 array of shape (rows, dim): format 1.0, 64-byte aligned. */
    static byte[] header(int rows, int dim) {
        StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (")
                .append(rows).append(", ").append(dim).append("), }");
        dict.repeat(' ', GROWTH_AXIS_MAX_DIGITS - Integer.toString(rows).length());
        int unpadded = VERSION_END + 2 + dict.length() + 1;
        int padding = ARRAY_ALIGN - unpadded % ARRAY_ALIGN;
        dict.repeat(' ', padding).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] header = new byte[VERSION_END + 2 + text.length];
        System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
        header[MAGIC.length] = 1;
        header[MAGIC.length + 1] = 0;
        header[VERSION_END] = (byte) text.length;
        header[VERSION_END + 1] = (byte) (text.length >>> 8);
        System.arraycopy(text, 0, header, VERSION_END + 2, text.length);
        return header;
    }
}
