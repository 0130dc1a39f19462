package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NumPy .npy: a magic string, a version, a header length, a Python dict literal header padded
 * with spaces to a newline, then the array data. Only C-order little-endian float32 arrays of one
 * or two dimensions are vectors; the header's exact bytes are kept so the file reads back as written.
 *
 * <p>As a push decoder: each part of the header is judged as soon as its bytes are there (the
 * magic, the version, the length, then the dict); then whole rows of data go to the sink straight
 * from the writer's bytes, after the check for NaN and infinity, and only a row cut by the end of
 * a write is copied. The end shows data shorter or longer than the shape.
 */
final class NpyDecoder extends StreamDecoder {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic plus the two version bytes. */
    private static final int VERSION_END = MAGIC.length + 2;
    /** The shortest prefix: magic, version, a two-byte header length. */
    private static final int MIN_PREFIX = VERSION_END + 2;
    /** Far above any header a float32 array needs; numpy itself refuses headers over 10000 bytes by default. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    /** numpy aligns the data to this, and leaves room for the first axis to grow to this many digits. */
    private static final int ARRAY_ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final String WHERE = "header";

    private enum Stage { PREFIX, HEADER, DATA }

    private final int expectedDim;
    private final long maxValues;
    private final RowBuffer out;
    private Stage stage = Stage.PREFIX;
    private long total;

    private final byte[] prefix = new byte[VERSION_END + 4];
    private int prefixSeen;
    /** Magic, version and length bytes: 10 for version 1, 12 for 2 and 3; 0 until the version is read. */
    private int prefixBytes;
    private int major;
    /** Prefix and dict text, exactly as written; filled up to headerSeen. */
    private byte[] header;
    private int headerSeen;

    private Shape shape;
    private long dataSeen;
    private long excess;

    NpyDecoder(int expectedDim, long maxValues, RowSink sink) {
        this.expectedDim = expectedDim;
        this.maxValues = maxValues;
        this.out = new RowBuffer(sink, true);
    }

    /** The rows and dimension a header declares; {@code text} is the shape as numpy prints it. */
    private record Shape(long rows, int dim, String text) {
        long dataBytes() {
            return rows * dim * Float.BYTES;
        }
    }

    @Override
    void consume(MemorySegment bytes) throws InvalidInputException, IOException {
        long position = 0;
        long size = bytes.byteSize();
        total += size;
        while (position < size) {
            switch (stage) {
                case PREFIX -> {
                    prefix[prefixSeen++] = bytes.get(ValueLayout.JAVA_BYTE, position++);
                    prefixByte();
                }
                case HEADER -> {
                    int n = (int) Math.min(header.length - headerSeen, size - position);
                    MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, position, header, headerSeen, n);
                    headerSeen += n;
                    position += n;
                    if (headerSeen == header.length) {
                        startData();
                    }
                }
                case DATA -> {
                    data(bytes.asSlice(position));
                    position = size;
                }
            }
        }
    }

    /** Judges each part of the prefix as soon as its last byte is there. */
    private void prefixByte() throws InvalidInputException {
        if (prefixSeen == MAGIC.length && !Arrays.equals(prefix, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new InvalidInputException(WHERE, "not an .npy file: it does not start with \\x93NUMPY");
        }
        if (prefixSeen == VERSION_END) {
            major = prefix[MAGIC.length] & 0xff;
            int minor = prefix[MAGIC.length + 1] & 0xff;
            if (major < 1 || major > 3 || minor != 0) {
                throw new InvalidInputException(WHERE, "version " + major + "." + minor
                        + " is not supported (1.0, 2.0 and 3.0 are)");
            }
            prefixBytes = VERSION_END + (major == 1 ? 2 : 4);
        }
        if (prefixSeen == prefixBytes) {
            long headerLength = (prefix[VERSION_END] & 0xff) | (prefix[VERSION_END + 1] & 0xff) << 8;
            if (major > 1) {
                headerLength |= (long) (prefix[VERSION_END + 2] & 0xff) << 16 | (long) (prefix[VERSION_END + 3] & 0xff) << 24;
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new InvalidInputException(WHERE, "header length " + headerLength
                        + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            header = Arrays.copyOf(prefix, prefixBytes + (int) headerLength);
            headerSeen = prefixBytes;
            stage = Stage.HEADER;
            if (headerSeen == header.length) {
                startData();
            }
        }
    }

    private void startData() throws InvalidInputException {
        String text = new String(header, prefixBytes, header.length - prefixBytes,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        shape = shapeOf(NpyHeaderDict.parse(text));
        out.setDim(shape.dim);
        stage = Stage.DATA;
    }

    /** Data bytes: whole rows straight to the sink, a row cut by the end of the write into the row buffer. */
    private void data(MemorySegment bytes) throws InvalidInputException, IOException {
        long take = Math.min(bytes.byteSize(), shape.dataBytes() - dataSeen);
        excess += bytes.byteSize() - take;
        dataSeen += take;
        long rowBytes = (long) shape.dim * Float.BYTES;
        long position = 0;
        if (out.partialBytes() > 0) {
            int n = (int) Math.min(rowBytes - out.partialBytes(), take);
            out.appendBytes(bytes, 0, n);
            position = n;
            if (out.partialBytes() == rowBytes) {
                out.completeRow();
                out.emit();
            }
        }
        long rows = (take - position) / Math.max(1, rowBytes);
        if (rows > 0) {
            out.emitDirect(bytes.asSlice(position, rows * rowBytes), rows);
            position += rows * rowBytes;
        }
        if (position < take) {
            out.appendBytes(bytes, position, (int) (take - position));
        }
    }

    @Override
    DecodedShape end() throws InvalidInputException {
        switch (stage) {
            case PREFIX -> {
                if (total == 0) {
                    return new DecodedShape(VectorFormat.NPY, 0, 0, null);
                }
                throw new InvalidInputException(WHERE, total < MIN_PREFIX
                        ? "a file of " + total + " bytes is too short for an .npy header"
                        : "the file ends inside the header length");
            }
            case HEADER -> throw new InvalidInputException(WHERE, "the file ends inside the header (header length "
                    + (header.length - prefixBytes) + ", file size " + total + ")");
            case DATA -> {
                long needed = shape.dataBytes();
                if (dataSeen < needed) {
                    throw new InvalidInputException("row " + dataSeen / ((long) shape.dim * Float.BYTES), "truncated data: "
                            + dataSeen + " bytes where shape " + shape.text + " needs " + needed);
                }
                if (excess > 0) {
                    throw new InvalidInputException("row " + shape.rows, excess + " bytes beyond the data of shape " + shape.text);
                }
                return new DecodedShape(VectorFormat.NPY, shape.rows, shape.dim, header);
            }
            default -> throw new IllegalStateException(stage.toString());
        }
    }

    private Shape shapeOf(NpyHeaderDict dict) throws InvalidInputException {
        if (!dict.descr().equals("<f4")) {
            throw new InvalidInputException(WHERE, "dtype " + NpyHeaderDict.quote(dict.descr())
                    + " is not float32 little-endian ('<f4')");
        }
        if (dict.fortranOrder()) {
            throw new InvalidInputException(WHERE, "fortran_order True is not supported");
        }
        long[] dims = dict.shape();
        if (dims.length == 0 || dims.length > 2) {
            throw new InvalidInputException(WHERE, dims.length + "-dimensional arrays are not supported"
                    + " (a vector is 1-dimensional, rows of vectors 2-dimensional)");
        }
        String text = dims.length == 1 ? "(" + dims[0] + ",)" : "(" + dims[0] + ", " + dims[1] + ")";
        long rows = dims.length == 1 ? 1 : dims[0];
        long dim = dims[dims.length - 1];
        boolean empty = rows == 0 && dim == 0;
        if (!empty && (dim < 1 || dim > VectorCodec.MAX_DIMENSION)) {
            throw new InvalidInputException(WHERE, "dimension " + dim + " of shape " + text
                    + " is not between 1 and " + VectorCodec.MAX_DIMENSION);
        }
        if (rows * dim > maxValues) {
            throw new InvalidInputException(WHERE, "shape " + text + " has more than " + maxValues + " numbers");
        }
        if (!empty && expectedDim != 0 && dim != expectedDim) {
            throw dimensionMismatch(WHERE, (int) dim, expectedDim);
        }
        return new Shape(rows, (int) dim, text);
    }

    /** The header numpy 2 writes for a C-order float32 array of shape (rows, dim): format 1.0, 64-byte aligned. */
    static byte[] header(long rows, int dim) {
        StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (")
                .append(rows).append(", ").append(dim).append("), }");
        dict.repeat(' ', GROWTH_AXIS_MAX_DIGITS - Long.toString(rows).length());
        int unpadded = MIN_PREFIX + dict.length() + 1;
        int padding = ARRAY_ALIGN - unpadded % ARRAY_ALIGN;
        dict.repeat(' ', padding).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] header = new byte[MIN_PREFIX + text.length];
        System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
        header[MAGIC.length] = 1;
        header[MAGIC.length + 1] = 0;
        header[VERSION_END] = (byte) text.length;
        header[VERSION_END + 1] = (byte) (text.length >>> 8);
        System.arraycopy(text, 0, header, MIN_PREFIX, text.length);
        return header;
    }
}
