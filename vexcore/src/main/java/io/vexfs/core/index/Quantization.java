package io.vexfs.core.index;

import java.util.Locale;

/** The {@code quantization} key of an hnsw collection: what, besides product codes, a search walks the graph on. */
public enum Quantization {
    /** The full vectors (or product codes, when pq_subspaces is set). */
    NONE,
    /** One byte a dimension ({@link ScalarCodes}), kept in memory; the best candidates re-ranked on the full vectors. */
    INT8;

    /** As a `.collection` file writes it: "none" or "int8". */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value a `.collection` line names.
     *
     * @throws IllegalArgumentException for any other value, naming those allowed
     */
    public static Quantization parse(String value) {
        for (Quantization q : values()) {
            if (q.key().equals(value)) {
                return q;
            }
        }
        throw new IllegalArgumentException("quantization must be none or int8, got '" + value + "'");
    }
}
