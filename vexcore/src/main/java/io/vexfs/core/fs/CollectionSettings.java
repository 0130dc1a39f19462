package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.index.AnnParams;
import io.vexfs.core.search.Metric;

import java.util.Locale;

/**
 * A collection's `.collection` file: dimension (0 until the first vector sets it), metric,
 * index kind ("flat" or "hnsw") with the hnsw parameters, and the default result count.
 * Writing the file sets the keys it names; the others keep their values.
 *
 * @param m              hnsw links per node (m)
 * @param efConstruction hnsw candidate list size while inserting (ef_construction)
 * @param ef             hnsw candidate list size of a query that names no ef= (ef)
 */
public record CollectionSettings(int dim, Metric metric, String index, int k, int m, int efConstruction, int ef) {
    public static final int MAX_K = 10_000;
    public static final int MAX_DIM = 65_536;
    public static final String FLAT = "flat";
    public static final String HNSW = "hnsw";
    public static final int MIN_M = 2;
    public static final int MAX_M = 128;
    public static final int MIN_EF_CONSTRUCTION = 8;
    public static final int MAX_EF_CONSTRUCTION = 1000;
    public static final int MIN_EF = 1;
    public static final int MAX_EF = 10_000;
    public static final CollectionSettings DEFAULT = new CollectionSettings(0, Metric.L2, FLAT, 10,
            AnnParams.DEFAULTS.m(), AnnParams.DEFAULTS.efConstruction(), AnnParams.DEFAULTS.ef());

    public CollectionSettings withDim(int newDim) {
        return new CollectionSettings(newDim, metric, index, k, m, efConstruction, ef);
    }

    public boolean hnsw() {
        return index.equals(HNSW);
    }

    /** The index parameters these settings give; only meaningful when {@link #hnsw()}. */
    public AnnParams annParams() {
        return new AnnParams(m, efConstruction, ef);
    }

    /** One `key = value` line, its value parsed: an Integer, a Metric, or the index kind. */
    private record Assignment(String key, Object value) {
    }

    /**
     * Refuses a line that is wrong whatever the rest of the text says (an unknown key, a value
     * out of range), as its write() arrives; {@code number} counts from 1.
     */
    public static void checkLine(String line, int number) throws InvalidInputException {
        parseLine(line, "line " + number);
    }

    /** Applies `key = value` lines to these settings; {@code hasVectors} forbids changing dim and metric. */
    public CollectionSettings apply(String text, boolean hasVectors) throws InvalidInputException {
        int newDim = dim;
        Metric newMetric = metric;
        String newIndex = index;
        int newK = k;
        int newM = m;
        int newEfConstruction = efConstruction;
        int newEf = ef;
        // The first line that set an hnsw parameter: refused there if the index ends up flat.
        String firstHnswKey = null;
        String firstHnswWhere = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = "line " + (i + 1);
            Assignment a = parseLine(lines[i], where);
            if (a == null) {
                continue;
            }
            switch (a.key()) {
                case "dim" -> newDim = (Integer) a.value();
                case "metric" -> newMetric = (Metric) a.value();
                case "index" -> newIndex = (String) a.value();
                case "k" -> newK = (Integer) a.value();
                case "m" -> newM = (Integer) a.value();
                case "ef_construction" -> newEfConstruction = (Integer) a.value();
                default -> newEf = (Integer) a.value();
            }
            if (firstHnswKey == null && (a.key().equals("m") || a.key().equals("ef_construction") || a.key().equals("ef"))) {
                firstHnswKey = a.key();
                firstHnswWhere = where;
            }
        }
        if (firstHnswKey != null && !newIndex.equals(HNSW)) {
            throw new InvalidInputException(firstHnswWhere, firstHnswKey
                    + " tunes the hnsw index, and this collection's index is flat: set 'index = hnsw' too");
        }
        if (hasVectors && newDim != dim) {
            throw new InvalidInputException("", "dim cannot change from " + dim + " to " + newDim
                    + " while the collection holds vectors");
        }
        if (hasVectors && newMetric != metric) {
            throw new InvalidInputException("", "metric cannot change from " + metric.key() + " to "
                    + newMetric.key() + " while the collection holds vectors");
        }
        return new CollectionSettings(newDim, newMetric, newIndex, newK, newM, newEfConstruction, newEf);
    }

    /** One line parsed; null for a blank or comment line. */
    private static Assignment parseLine(String raw, String where) throws InvalidInputException {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        int eq = line.indexOf('=');
        if (eq <= 0) {
            throw new InvalidInputException(where, "expected 'key = value', got '" + clip(line) + "'");
        }
        String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = line.substring(eq + 1).strip();
        return new Assignment(key, switch (key) {
            case "dim" -> parseInt(where, key, value, 1, MAX_DIM);
            case "metric" -> {
                try {
                    yield Metric.parse(value);
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(where, e.getMessage());
                }
            }
            case "index" -> {
                String kind = value.toLowerCase(Locale.ROOT);
                if (!kind.equals(FLAT) && !kind.equals(HNSW)) {
                    throw new InvalidInputException(where, "index must be 'flat' (exact search) or 'hnsw'"
                            + " (approximate), not '" + clip(value) + "'");
                }
                yield kind;
            }
            case "k" -> parseInt(where, key, value, 1, MAX_K);
            case "m" -> parseInt(where, key, value, MIN_M, MAX_M, "links per graph node, 2m on the bottom layer:"
                    + " fewer than 2 cannot connect a graph, more than 128 cost memory and time without adding recall");
            case "ef_construction" -> parseInt(where, key, value, MIN_EF_CONSTRUCTION, MAX_EF_CONSTRUCTION,
                    "candidates weighed per insert: below 8 the graph links poorly, above 1000 a build crawls");
            case "ef" -> parseInt(where, key, value, MIN_EF, MAX_EF,
                    "candidates kept per search, raised to k when smaller: 10000 is the most hits a query can ask for");
            default -> throw new InvalidInputException(where,
                    "unknown key '" + clip(key) + "' (known: dim, metric, index, k, m, ef_construction, ef)");
        });
    }

    /**
     * Settings as a log record holds them: their canonical text, applied without checking any
     * range, so a data directory that was accepted once mounts again after the rules change
     * (recovery never re-validates). A line it cannot read at all is skipped with a warning.
     */
    public static CollectionSettings restore(String text) {
        CollectionSettings s = DEFAULT;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            try {
                s = switch (key) {
                    case "dim" -> new CollectionSettings(Integer.parseInt(value), s.metric, s.index, s.k, s.m, s.efConstruction, s.ef);
                    case "metric" -> new CollectionSettings(s.dim, Metric.parse(value), s.index, s.k, s.m, s.efConstruction, s.ef);
                    case "index" -> new CollectionSettings(s.dim, s.metric, value, s.k, s.m, s.efConstruction, s.ef);
                    case "k" -> new CollectionSettings(s.dim, s.metric, s.index, Integer.parseInt(value), s.m, s.efConstruction, s.ef);
                    case "m" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, Integer.parseInt(value), s.efConstruction, s.ef);
                    case "ef_construction" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, Integer.parseInt(value), s.ef);
                    case "ef" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, Integer.parseInt(value));
                    default -> throw new IllegalArgumentException("unknown key");
                };
            } catch (IllegalArgumentException e) {
                System.err.println("vexfs: stored collection setting '" + clip(line) + "' is not understood by this build; ignored");
            }
        }
        return s;
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        if (dim > 0) {
            sb.append("dim = ").append(dim).append('\n');
        } else {
            sb.append("# dim is set by the first vector stored\n");
        }
        sb.append("metric = ").append(metric.key()).append('\n');
        sb.append("index = ").append(index).append('\n');
        if (hnsw()) {
            sb.append("m = ").append(m).append('\n');
            sb.append("ef_construction = ").append(efConstruction).append('\n');
            sb.append("ef = ").append(ef).append('\n');
        }
        sb.append("k = ").append(k).append('\n');
        return sb.toString();
    }

    private static int parseInt(String where, String key, String value, int min, int max) throws InvalidInputException {
        return parseInt(where, key, value, min, max, null);
    }

    /** {@code why}, when given, follows a range error: what the key tunes and why its bounds are where they are. */
    private static int parseInt(String where, String key, String value, int min, int max, String why) throws InvalidInputException {
        try {
            int v = Integer.parseInt(value);
            if (v < min || v > max) {
                throw new InvalidInputException(where, key + " must be between " + min + " and " + max + ", not " + v
                        + (why == null ? "" : " (" + why + ")"));
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where, key + " must be a whole number, not '" + clip(value) + "'");
        }
    }

    static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
