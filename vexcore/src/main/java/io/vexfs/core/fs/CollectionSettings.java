package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.search.Metric;

import java.util.Locale;

/**
 * A collection's `.collection` file: dimension (0 until the first vector sets it), metric,
 * index kind and the default result count. Writing the file sets the keys it names; the
 * others keep their values.
 */
public record CollectionSettings(int dim, Metric metric, String index, int k) {
    public static final int MAX_K = 10_000;
    public static final int MAX_DIM = 65_536;
    public static final CollectionSettings DEFAULT = new CollectionSettings(0, Metric.L2, "flat", 10);

    public CollectionSettings withDim(int newDim) {
        return new CollectionSettings(newDim, metric, index, k);
    }

    /** Applies `key = value` lines to these settings; {@code hasVectors} forbids changing dim and metric. */
    public CollectionSettings apply(String text, boolean hasVectors) throws InvalidInputException {
        int newDim = dim;
        Metric newMetric = metric;
        String newIndex = index;
        int newK = k;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = "line " + (i + 1);
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException(where, "expected 'key = value', got '" + clip(line) + "'");
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case "dim" -> newDim = parseInt(where, key, value, 1, MAX_DIM);
                case "metric" -> {
                    try {
                        newMetric = Metric.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new InvalidInputException(where, e.getMessage());
                    }
                }
                case "index" -> {
                    if (!value.equalsIgnoreCase("flat")) {
                        throw new InvalidInputException(where, "index '" + clip(value)
                                + "' is not available in this build; the only index is 'flat' (exact search)");
                    }
                    newIndex = "flat";
                }
                case "k" -> newK = parseInt(where, key, value, 1, MAX_K);
                default -> throw new InvalidInputException(where,
                        "unknown key '" + clip(key) + "' (known: dim, metric, index, k)");
            }
        }
        if (hasVectors && newDim != dim) {
            throw new InvalidInputException("", "dim cannot change from " + dim + " to " + newDim
                    + " while the collection holds vectors");
        }
        if (hasVectors && newMetric != metric) {
            throw new InvalidInputException("", "metric cannot change from " + metric.key() + " to "
                    + newMetric.key() + " while the collection holds vectors");
        }
        return new CollectionSettings(newDim, newMetric, newIndex, newK);
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
        sb.append("k = ").append(k).append('\n');
        return sb.toString();
    }

    private static int parseInt(String where, String key, String value, int min, int max) throws InvalidInputException {
        try {
            int v = Integer.parseInt(value);
            if (v < min || v > max) {
                throw new InvalidInputException(where, key + " must be between " + min + " and " + max + ", not " + v);
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
