package io.vexfs.core.text;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.fs.EmbedSpec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The mount's embedding models, one loaded instance per {@link EmbedSpec} however many
 * collections name it: loading all-MiniLM-L6-v2 takes about a second and 100 MB, so it happens
 * once, when a collection first needs it.
 */
public final class Embedders implements AutoCloseable {
    private final Map<EmbedSpec, Embedder> loaded = new ConcurrentHashMap<>();
    private final Function<EmbedSpec, Embedder> loader;

    /** {@code threads}: ONNX Runtime threads per call (one per core suits a 2-core machine). */
    public Embedders(int threads) {
        this(spec -> spec.model().equals(EmbedSpec.MINILM)
                ? OnnxEmbedder.minilm(threads)
                : OnnxEmbedder.load(Path.of(spec.modelPath()), Path.of(spec.tokenizerPath()),
                        spec.pooling().equals(EmbedSpec.MEAN), threads));
    }

    /** With another way to load models (tests). */
    public Embedders(Function<EmbedSpec, Embedder> loader) {
        this.loader = loader;
    }

    /** The model {@code spec} names, loaded on first use. IllegalArgumentException when it does not load. */
    public Embedder get(EmbedSpec spec) {
        return loaded.computeIfAbsent(spec, loader);
    }

    /** Loads the model a .collection write names and returns its dimension, or refuses the write with the reason. */
    public int prepare(EmbedSpec spec) throws InvalidInputException {
        try {
            return get(spec).dim();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidInputException("embed", e.getMessage());
        }
    }

    @Override
    public void close() {
        loaded.values().forEach(Embedder::close);
        loaded.clear();
    }
}
