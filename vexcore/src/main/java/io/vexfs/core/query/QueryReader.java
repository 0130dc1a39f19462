package io.vexfs.core.query;

import io.vexfs.core.codec.DecodedShape;
import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.RowSink;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.codec.VectorStreamDecoder;
import io.vexfs.core.fs.CollectionSettings;
import io.vexfs.core.search.Metric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Reads what is written into a query file (DESIGN §3), a write at a time, so that a bad line is
 * refused by the write that completes it. A text file is option lines ({@code key=value}: k,
 * prefix, ef) followed by one query vector per line, in .vec syntax; a file named *.fvecs or
 * *.npy is a binary batch of queries with no options. Every refusal names its place: "line N"
 * (1-based, in the whole text) or "row N" (0-based, in a binary batch).
 */
final class QueryReader {
    /** Result lines one query file may ask for (k × queries), so one write cannot exhaust the heap. */
    static final long MAX_RESULT_LINES = 1 << 22;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final CollectionSettings settings;
    private final Predicate<String> isDirectory;
    /** A binary batch (*.fvecs, *.npy): no options, rows counted from 0. */
    private final boolean binary;
    private final Queries queries = new Queries();
    private int k;
    private int ef;
    private String prefix = "";
    /** The line the next byte of text belongs to. */
    private long line = 1;
    /** A text's option section: the line being written, until its '\n' tells whether it is an option. */
    private byte[] pending = new byte[0];
    private int pendingLength;
    /** The vectors' decoder: from the first byte of a binary batch, from the first non-option line of a text. */
    private VectorStreamDecoder vectors;

    /**
     * @param fileName    the query's name under .search/: its extension picks the format
     * @param isDirectory whether a path relative to the collection ("sub", "a/b") is one of its directories
     */
    QueryReader(String fileName, CollectionSettings settings, Predicate<String> isDirectory) {
        this.settings = settings;
        this.isDirectory = isDirectory;
        this.k = settings.k();
        this.ef = settings.ef();
        VectorFormat format = VectorFormat.forName(fileName);
        this.binary = format == VectorFormat.FVECS || format == VectorFormat.NPY;
        if (binary) {
            vectors = VectorStreamDecoder.of(format, settings.dim(), queries);
        }
    }

    /** The settings this reader judges by; a commit under other settings reads the query again. */
    CollectionSettings settings() {
        return settings;
    }

    /** Bytes that continue the query; refuses what they show. */
    void accept(MemorySegment bytes) throws InvalidInputException {
        long position = 0;
        long size = bytes.byteSize();
        while (position < size) {
            if (vectors == null) {
                long newline = indexOf(bytes, (byte) '\n', position, size);
                long end = newline < 0 ? size : newline + 1;
                keep(bytes, position, end);
                position = end;
                if (newline >= 0) {
                    pendingLine();
                }
            } else {
                long equals = binary ? -1 : indexOf(bytes, (byte) '=', position, size);
                long end = equals < 0 ? size : equals;
                vectorBytes(bytes.asSlice(position, end - position));
                if (equals >= 0) {
                    throw new InvalidInputException("line " + line, "options (key=value) must come before the query vectors");
                }
                position = size;
            }
        }
    }

    /** The query is complete: refuses what only its end shows, else returns the batch. */
    QueryBatch finish() throws InvalidInputException {
        if (vectors == null && pendingLength > 0) {
            pendingLine();
        }
        if (vectors == null) {
            return new QueryBatch(k, ef, prefix, new float[0], 0, 0);
        }
        DecodedShape shape = decoded(() -> vectors.finish());
        return new QueryBatch(k, ef, prefix, queries.values(), queries.count, shape.dim());
    }

    /** The option section's current line is complete (or is the last): an option, or the first vector line. */
    private void pendingLine() throws InvalidInputException {
        byte[] text = Arrays.copyOf(pending, pendingLength);
        pendingLength = 0;
        if (indexOf(MemorySegment.ofArray(text), (byte) '=', 0, text.length) >= 0) {
            option(new String(text, StandardCharsets.UTF_8).strip());
            line++;
            return;
        }
        queries.firstLine = line;
        vectors = VectorStreamDecoder.ofVecLines(settings.dim(), Math.toIntExact(line), queries);
        vectorBytes(MemorySegment.ofArray(text));
    }

    private void vectorBytes(MemorySegment bytes) throws InvalidInputException {
        decoded(() -> {
            vectors.accept(bytes);
            return null;
        });
        line += count(bytes, (byte) '\n');
    }

    private void option(String option) throws InvalidInputException {
        String where = "line " + line;
        int eq = option.indexOf('=');
        String key = option.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = option.substring(eq + 1).strip();
        switch (key) {
            case "k" -> k = parseK(where, value);
            case "prefix" -> prefix = parsePrefix(where, value);
            case "ef" -> ef = parseEf(where, value);
            default -> throw new InvalidInputException(where, "unknown option '" + clip(key) + "' (known: k, prefix, ef)");
        }
    }

    private void keep(MemorySegment bytes, long from, long to) {
        int n = (int) (to - from);
        if (pendingLength + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pendingLength + n, 2 * pending.length));
        }
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, from, pending, pendingLength, n);
        pendingLength += n;
    }

    private interface DecoderCall<T> {
        T run() throws InvalidInputException, IOException;
    }

    /** A decoder call; the sink here gathers into memory, so it has no I/O to fail. */
    private static <T> T decoded(DecoderCall<T> call) throws InvalidInputException {
        try {
            return call.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int parseK(String where, String value) throws InvalidInputException {
        try {
            int k = Integer.parseInt(value);
            if (k >= 1 && k <= CollectionSettings.MAX_K) {
                return k;
            }
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where, "k must be a whole number, not '" + clip(value) + "'");
        }
        throw new InvalidInputException(where, "k must be between 1 and " + CollectionSettings.MAX_K + ", not " + value);
    }

    private int parseEf(String where, String value) throws InvalidInputException {
        if (!settings.hnsw()) {
            throw new InvalidInputException(where, "ef tunes the hnsw index, and this collection's index is "
                    + settings.index() + " (exact search, nothing to tune): remove the ef= line");
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= CollectionSettings.MIN_EF && parsed <= CollectionSettings.MAX_EF) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where, "ef must be a whole number, not '" + clip(value) + "'");
        }
        throw new InvalidInputException(where, "ef must be between " + CollectionSettings.MIN_EF + " and "
                + CollectionSettings.MAX_EF + ", not " + value);
    }

    /** "sub", "/sub/" and "sub/" all mean the directory sub of the collection; "" or "/" means all of it. */
    private String parsePrefix(String where, String value) throws InvalidInputException {
        int from = 0;
        int to = value.length();
        while (from < to && value.charAt(from) == '/') {
            from++;
        }
        while (to > from && value.charAt(to - 1) == '/') {
            to--;
        }
        String dir = value.substring(from, to);
        if (dir.isEmpty()) {
            return "";
        }
        for (String part : dir.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new InvalidInputException(where, "prefix '" + clip(value)
                        + "' is not a plain path inside the collection (no '.', '..' or empty parts)");
            }
        }
        if (!isDirectory.test(dir)) {
            throw new InvalidInputException(where, "prefix '" + clip(value) + "' is not a directory of this collection");
        }
        return dir + "/";
    }

    /**
     * The query vectors, gathered into one array as the decoder validates them. Refuses a batch
     * that would print too many result lines, and, under cosine, a zero query (it ranks nothing).
     */
    private final class Queries implements RowSink {
        /** The line of a text's first query. */
        private long firstLine;
        private float[] values = new float[0];
        private int count;
        private int dim;

        @Override
        public void rows(MemorySegment floats, int rowCount, int dim) throws InvalidInputException {
            long maxQueries = MAX_RESULT_LINES / k;
            if (count + rowCount > maxQueries) {
                throw new InvalidInputException(place(maxQueries), "more than " + MAX_RESULT_LINES + " result lines ("
                        + maxQueries + " queries at k = " + k + "); split the batch or lower k");
            }
            this.dim = dim;
            int n = rowCount * dim;
            int at = count * dim;
            if (at + n > values.length) {
                values = Arrays.copyOf(values, Math.max(at + n, 2 * values.length));
            }
            MemorySegment.copy(floats, FLOAT_LE, 0, values, at, n);
            if (settings.metric() == Metric.COSINE) {
                for (int row = 0; row < rowCount; row++) {
                    if (Metric.isZero(values, at + row * dim, dim)) {
                        throw new InvalidInputException(place(count + row),
                                "a zero vector has no direction, so it has no cosine distance to anything");
                    }
                }
            }
            count += rowCount;
        }

        /** How a refusal names a query: its row in a binary batch, its line in a text. */
        private String place(long query) {
            return binary ? "row " + query : "line " + (firstLine + query);
        }

        float[] values() {
            return Arrays.copyOf(values, count * dim);
        }
    }

    private static long indexOf(MemorySegment bytes, byte b, long from, long to) {
        for (long i = from; i < to; i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) == b) {
                return i;
            }
        }
        return -1;
    }

    private static long count(MemorySegment bytes, byte b) {
        long n = 0;
        for (long i = 0; i < bytes.byteSize(); i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) == b) {
                n++;
            }
        }
        return n;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
