package io.vexfs.core.text;

import java.util.List;

/**
 * A text embedding model: texts in, unit-length vectors of {@link #dim()} floats out, so that
 * the dot product of two is their cosine similarity. Thread-safe. Also the model's tokenizer, so
 * that chunks can be cut to fit the model's window.
 */
public interface Embedder extends AutoCloseable {
    /** What .vexfs/stats calls it: "minilm", or the model file. */
    String name();

    int dim();

    /** The most tokens the model reads at once, its special tokens included; the rest of a longer text is cut off. */
    int maxTokens();

    /** Tokens of {@code text} without the special tokens the model adds. */
    int countTokens(String text);

    /** The char index just after the first {@code tokens} tokens of {@code text} (its length if it has no more). */
    int endOfTokens(String text, int tokens);

    /** Embeds {@code texts} as one batch: texts.size() rows of {@link #dim()} floats, row-major, each of length 1. */
    float[] embed(List<String> texts);

    @Override
    void close();
}
