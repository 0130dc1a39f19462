package io.vexfs.core.fs;

import java.util.Locale;
import java.util.Objects;

/**
 * A text collection's embedding model, as its .collection names it: {@code embed = minilm} (the
 * quantized all-MiniLM-L6-v2 bundled with vexfs), or {@code embed = onnx} with an ONNX model, its
 * tokenizer.json and a pooling mode named by absolute paths ({@code embed_model},
 * {@code embed_tokenizer}, {@code embed_pooling}). Files are only named here; the text module
 * loads them (and refuses the setting when they do not load) before the setting is committed.
 *
 * @param model         {@link #MINILM} or {@link #ONNX}
 * @param modelPath     the .onnx file (onnx only, else null)
 * @param tokenizerPath the tokenizer.json (onnx only, else null)
 * @param pooling       {@code mean} or {@code cls}: how token vectors become one vector
 */
public record EmbedSpec(String model, String modelPath, String tokenizerPath, String pooling) {
    public static final String MINILM = "minilm";
    public static final String ONNX = "onnx";
    public static final String MEAN = "mean";
    public static final String CLS = "cls";
    /** all-MiniLM-L6-v2 gives 384 floats per text. */
    public static final int MINILM_DIM = 384;
    public static final EmbedSpec MINILM_SPEC = new EmbedSpec(MINILM, null, null, MEAN);

    public EmbedSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(pooling, "pooling");
        if (model.equals(ONNX) && (modelPath == null || tokenizerPath == null)) {
            throw new IllegalArgumentException("an onnx model needs its model and tokenizer files");
        }
    }

    /** The dimension known without loading anything, or 0 when only the model file can tell. */
    public int knownDim() {
        return model.equals(MINILM) ? MINILM_DIM : 0;
    }

    /** The .collection lines that name this model. */
    String render() {
        if (model.equals(MINILM)) {
            return "embed = minilm\n";
        }
        return "embed = onnx\nembed_model = " + modelPath + "\nembed_tokenizer = " + tokenizerPath
                + "\nembed_pooling = " + pooling.toLowerCase(Locale.ROOT) + "\n";
    }
}
