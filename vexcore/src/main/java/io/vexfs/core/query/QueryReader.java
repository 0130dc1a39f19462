package io.vexfs.core.query;

import io.vexfs.core.codec.DecodedShape;
import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.RowSink;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.codec.VectorStreamDecoder;
import io.vexfs.core.fs.CollectionSettings;
import io.vexfs.core.search.Metric;
import io.vexfs.core.text.TextIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads what is written into a query file (DESIGN §3), a write at a time, so that a bad line is
 * refused by the write that completes it. A text file is option lines ({@code key=value}: k,
 * prefix, ef, mode) followed by one query vector per line, in .vec syntax; a file named *.fvecs or
 * *.npy is a binary batch of queries with no options. In a text collection each line after the
 * options is a query of its own: a list of numbers is a query vector, any other line a text query
 * (so is a line with '=' that names no option). Every refusal names its place: "line N" (1-based,
 * in the whole text) or "row N" (0-based, in a binary batch).
 */
final class QueryReader {
    /** Result lines one query file may ask for (k × queries), so one write cannot exhaust the heap. */
    static final long MAX_RESULT_LINES = 1 << 22;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Set<String> OPTIONS = Set.of("k", "prefix", "ef", "mode");
    /** A number as .vec writes one, or a word the vector decoder refuses by name (nan, inf). */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|[+-]?(?i:nan|inf|infinity)");
    /** Bytes of a line's first word held back to tell a text query from nan or inf: longer is a word. */
    private static final int HEAD_MAX = 9;

    private final CollectionSettings settings;
    private final Predicate<String> isDirectory;
    /** A binary batch (*.fvecs, *.npy): no options, rows counted from 0. */
    private final boolean binary;
    /** A text collection's query text: every line after the options is judged on its own. */
    private final boolean textLines;
    private final Queries queries = new Queries();
    private final List<TextIndex.TextQuery> texts = new ArrayList<>();
    /** In the order written, whether each query is text. */
    private boolean[] textAt = new boolean[8];
    private int written;
    private TextIndex.Mode mode = TextIndex.Mode.HYBRID;
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
     * Outside a text collection: at the start of a line (in its leading blanks or first word), and
     * the first word so far, held back from the decoder until it shows whether it is a number
     * (nan and inf are refused by the decoder) or the words of a text query, refused here with why.
     */
    private boolean lineStart = true;
    private final byte[] head = new byte[HEAD_MAX];
    private int headLength;

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
        this.textLines = settings.text() && !binary;
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
                if (binary) {
                    vectorBytes(bytes.asSlice(position, end - position));
                } else {
                    vectorLines(bytes.asSlice(position, end - position));
                }
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
        if (textLines) {
            return new QueryBatch(k, ef, prefix, queries.values(), queries.count, settings.dim(), mode, List.copyOf(texts),
                    Arrays.copyOf(textAt, written));
        }
        if (vectors == null) {
            return new QueryBatch(k, ef, prefix, new float[0], 0, 0);
        }
        if (headLength > 0) {
            judgeHead();
        }
        DecodedShape shape = decoded(() -> vectors.finish());
        return new QueryBatch(k, ef, prefix, queries.values(), queries.count, shape.dim());
    }

    /** The option section's current line is complete (or is the last): an option, or the first vector line. */
    private void pendingLine() throws InvalidInputException {
        byte[] text = Arrays.copyOf(pending, pendingLength);
        pendingLength = 0;
        if (textLines) {
            textLine(text);
            line++;
            return;
        }
        if (indexOf(MemorySegment.ofArray(text), (byte) '=', 0, text.length) >= 0) {
            option(new String(text, StandardCharsets.UTF_8).strip());
            line++;
            return;
        }
        queries.firstLine = line;
        vectors = VectorStreamDecoder.ofVecLines(settings.dim(), Math.toIntExact(line), queries);
        vectorLines(MemorySegment.ofArray(text));
    }

    /**
     * One line of a text collection's query: an option while no query came yet, a query vector if
     * it is a list of numbers, else a text query, refused now if it is not UTF-8 or has no word
     * to search for.
     */
    private void textLine(byte[] bytes) throws InvalidInputException {
        String where = "line " + line;
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString().strip();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(where, "a text query must be UTF-8, and this line is not");
        }
        if (text.isEmpty()) {
            return;
        }
        int eq = text.indexOf('=');
        if (eq > 0 && OPTIONS.contains(text.substring(0, eq).strip().toLowerCase(Locale.ROOT))) {
            if (written > 0) {
                throw new InvalidInputException(where, "options (key=value) must come before the queries");
            }
            option(text);
            return;
        }
        if (written >= MAX_RESULT_LINES / k) {
            throw new InvalidInputException(where, "more than " + MAX_RESULT_LINES + " result lines ("
                    + MAX_RESULT_LINES / k + " queries at k = " + k + "); split the batch or lower k");
        }
        boolean isText = !isNumbers(text);
        if (isText) {
            if (TextIndex.terms(text).isEmpty()) {
                throw new InvalidInputException(where, "'" + clip(text) + "' has only stop words (or no words):"
                        + " nothing in it to search for; add a word that says what you are looking for");
            }
            texts.add(new TextIndex.TextQuery(text, where));
        } else {
            VectorStreamDecoder one = VectorStreamDecoder.ofVecLines(settings.dim(), Math.toIntExact(line), queries);
            decoded(() -> {
                one.accept(MemorySegment.ofArray(bytes));
                return one.finish();
            });
        }
        if (written == textAt.length) {
            textAt = Arrays.copyOf(textAt, 2 * written);
        }
        textAt[written++] = isText;
    }

    private static boolean isNumbers(String line) {
        for (String token : line.split("[\\s,]+")) {
            if (!token.isEmpty() && !NUMBER.matcher(token).matches()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Query vector lines outside a text collection, streamed to the decoder; a line whose first
     * word is not a number is a text query, which needs a text collection, and is refused as one.
     */
    private void vectorLines(MemorySegment bytes) throws InvalidInputException {
        long size = bytes.byteSize();
        long fed = 0;
        long i = 0;
        while (i < size) {
            if (!lineStart) {
                long newline = indexOf(bytes, (byte) '\n', i, size);
                if (newline < 0) {
                    break;
                }
                i = newline + 1;
                lineStart = true;
                continue;
            }
            byte b = bytes.get(ValueLayout.JAVA_BYTE, i);
            boolean blank = b == ' ' || b == '\t' || b == ',' || b == '\r' || b == '\n';
            if (headLength == 0) {
                if (blank) {
                    i++;
                    continue;
                }
                if (!isLetter(b)) {
                    // A number (or what the decoder refuses as not one).
                    lineStart = false;
                    continue;
                }
                vectorBytes(bytes.asSlice(fed, i - fed));
                fed = i;
            }
            if (blank || headLength == HEAD_MAX) {
                judgeHead();
                fed = i;
                lineStart = false;
                continue;
            }
            head[headLength++] = b;
            i++;
        }
        if (headLength == 0) {
            vectorBytes(bytes.asSlice(fed, size - fed));
        }
    }

    /** The first word of a line is complete (or too long to be nan or inf): the decoder's if nan or inf, else refused. */
    private void judgeHead() throws InvalidInputException {
        boolean cut = headLength == HEAD_MAX;
        byte[] bytes = Arrays.copyOf(head, headLength);
        String word = new String(bytes, StandardCharsets.UTF_8);
        headLength = 0;
        if (!cut && NUMBER.matcher(word).matches()) {
            vectorBytes(MemorySegment.ofArray(bytes));
            return;
        }
        throw new InvalidInputException("line " + line, "'" + clip(word) + (cut ? "..." : "")
                + "' is not a number, and text queries need a text collection: this one has no embedding model"
                + " (write 'embed = minilm' into its .collection while it is empty)");
    }

    private static boolean isLetter(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b < 0;
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
            case "mode" -> mode = parseMode(where, value);
            default -> throw new InvalidInputException(where, "unknown option '" + clip(key) + "' (known: k, prefix, ef, mode)");
        }
    }

    private TextIndex.Mode parseMode(String where, String value) throws InvalidInputException {
        if (!settings.text()) {
            throw new InvalidInputException(where, "mode ranks text queries, and this collection has no embedding model"
                    + " (write 'embed = minilm' into its .collection while it is empty)");
        }
        TextIndex.Mode parsed = TextIndex.Mode.parse(value);
        if (parsed == null) {
            throw new InvalidInputException(where, "mode must be hybrid (meaning and words, fused), vector (meaning)"
                    + " or words (BM25), not '" + clip(value) + "'");
        }
        return parsed;
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
            return binary ? "row " + query : textLines ? "line " + line : "line " + (firstLine + query);
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
