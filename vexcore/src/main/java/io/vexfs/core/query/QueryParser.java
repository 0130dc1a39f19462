package io.vexfs.core.query;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.codec.VectorData;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.fs.CollectionSettings;
import io.vexfs.core.search.Metric;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Reads what was written into a query file (DESIGN §3). A text file is option lines
 * ({@code key=value}: k, prefix, ef) followed by one query vector per line, in .vec syntax; a
 * file named *.fvecs or *.npy is a binary batch of queries with no options. Every refusal names
 * its place: "line N" (1-based, in the whole text) or "row N" (0-based, in a binary batch).
 */
final class QueryParser {
    /** Result lines one query file may ask for (k × queries), so one write cannot exhaust the heap. */
    static final long MAX_RESULT_LINES = 1 << 22;

    private QueryParser() {
    }

    /**
     * @param fileName          the query's name under .search/: its extension picks the format
     * @param isDirectory       whether a path relative to the collection ("sub", "a/b") is one of its directories
     */
    static QueryBatch parse(String fileName, byte[] bytes, int length, CollectionSettings settings,
                            Predicate<String> isDirectory) throws InvalidInputException {
        VectorFormat format = VectorFormat.forName(fileName);
        if (format == VectorFormat.FVECS || format == VectorFormat.NPY) {
            VectorData data = decode(format, bytes, 0, length, settings.dim(), 1);
            return checked(new QueryBatch(settings.k(), settings.ef(), "", data.values(), data.rows(), data.dim()), settings.metric(), "row ", 0);
        }
        int k = settings.k();
        int ef = settings.ef();
        String prefix = "";
        int position = 0;
        int line = 1;
        while (position < length) {
            int end = lineEnd(bytes, position, length);
            if (indexOf(bytes, (byte) '=', position, end) < 0) {
                break;
            }
            String option = new String(bytes, position, end - position, StandardCharsets.UTF_8).strip();
            String where = "line " + line;
            int eq = option.indexOf('=');
            String key = option.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = option.substring(eq + 1).strip();
            switch (key) {
                case "k" -> k = parseK(where, value);
                case "prefix" -> prefix = parsePrefix(where, value, isDirectory);
                case "ef" -> ef = parseEf(where, value, settings);
                default -> throw new InvalidInputException(where, "unknown option '" + clip(key) + "' (known: k, prefix, ef)");
            }
            position = Math.min(length, end + 1);
            line++;
        }
        int misplaced = indexOf(bytes, (byte) '=', position, length);
        if (misplaced >= 0) {
            throw new InvalidInputException("line " + (line + count(bytes, (byte) '\n', position, misplaced)),
                    "options (key=value) must come before the query vectors");
        }
        VectorData data = decode(VectorFormat.VEC, bytes, position, length - position, settings.dim(), line);
        return checked(new QueryBatch(k, ef, prefix, data.values(), data.rows(), data.dim()), settings.metric(), "line ", line);
    }

    /** Refuses a batch whose results would be too large, and zero queries under cosine, which rank nothing. */
    private static QueryBatch checked(QueryBatch batch, Metric metric, String unit, int firstPlace) throws InvalidInputException {
        if ((long) batch.k() * batch.count() > MAX_RESULT_LINES) {
            throw new InvalidInputException("", batch.count() + " queries × k = " + batch.k() + " is more than "
                    + MAX_RESULT_LINES + " result lines; split the batch or lower k");
        }
        if (metric == Metric.COSINE) {
            for (int q = 0; q < batch.count(); q++) {
                if (Metric.isZero(batch.vectors(), q * batch.dim(), batch.dim())) {
                    throw new InvalidInputException(unit + (firstPlace + q),
                            "a zero vector has no direction, so it has no cosine distance to anything");
                }
            }
        }
        return batch;
    }

    private static VectorData decode(VectorFormat format, byte[] bytes, int offset, int length, int expectedDim, int firstLine)
            throws InvalidInputException {
        try {
            ByteArrayInputStream in = new ByteArrayInputStream(bytes, offset, length);
            return format == VectorFormat.VEC
                    ? VectorCodec.decodeVecLines(in, length, expectedDim, firstLine)
                    : VectorCodec.decode(format, in, length, expectedDim);
        } catch (IOException e) {
            // A byte array neither fails nor ends early.
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

    private static int parseEf(String where, String value, CollectionSettings settings) throws InvalidInputException {
        if (!settings.hnsw()) {
            throw new InvalidInputException(where, "ef tunes the hnsw index, and this collection's index is "
                    + settings.index() + " (exact search, nothing to tune): remove the ef= line");
        }
        try {
            int ef = Integer.parseInt(value);
            if (ef >= CollectionSettings.MIN_EF && ef <= CollectionSettings.MAX_EF) {
                return ef;
            }
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where, "ef must be a whole number, not '" + clip(value) + "'");
        }
        throw new InvalidInputException(where, "ef must be between " + CollectionSettings.MIN_EF + " and "
                + CollectionSettings.MAX_EF + ", not " + value);
    }

    /** "sub", "/sub/" and "sub/" all mean the directory sub of the collection; "" or "/" means all of it. */
    private static String parsePrefix(String where, String value, Predicate<String> isDirectory) throws InvalidInputException {
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

    private static int lineEnd(byte[] bytes, int from, int to) {
        int nl = indexOf(bytes, (byte) '\n', from, to);
        return nl < 0 ? to : nl;
    }

    private static int indexOf(byte[] bytes, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int count(byte[] bytes, byte b, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                n++;
            }
        }
        return n;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
