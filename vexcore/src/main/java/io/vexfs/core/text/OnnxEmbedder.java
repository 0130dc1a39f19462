package io.vexfs.core.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.vexfs.core.fs.EmbedSpec;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.List;
import java.util.Map;

/**
 * An ONNX sentence-embedding model (BERT-like: input_ids, attention_mask, optionally
 * token_type_ids in; token vectors out) run in-process by ONNX Runtime, with its Hugging Face
 * tokenizer.json read by DJL's tokenizers. {@link #minilm} is the quantized all-MiniLM-L6-v2
 * that langchain4j ships in its jar, model and tokenizer both.
 *
 * <p>A batch is spread over {@code threads} single-threaded runs at once, one text per ONNX
 * call, as langchain4j's embedAll does (which also tokenizes each text three times and splits it
 * into 510-token parts; here a text is tokenized once and cut at the model's window). One call
 * per text, not one padded call per batch: the quantized model quantizes its activations over the
 * whole input tensor, so a text padded into a batch gets another vector (cosine 0.993 to its own,
 * measured), which would make an embedding depend on its neighbours in the queue; and on two cores
 * parallel single calls are as fast (scripts/bench-text, embedder.*). One intra-op thread per call,
 * calls side by side, measured best on two cores (~26k tokens/s at ~235 tokens a text; two intra-op
 * threads per call, or spinning off, were no faster). langchain4j's embedAll looks twice as fast on
 * long texts only because its tokenizer keeps tokenizer.json's truncation to 128 tokens. The pooling is the
 * sentence-transformers one langchain4j also uses: the mean of the token vectors under the
 * attention mask (or the [CLS] vector), scaled to length 1.
 */
public final class OnnxEmbedder implements Embedder {
    private static final String MINILM_MODEL = "all-minilm-l6-v2-q.onnx";
    private static final String MINILM_TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
    /** all-MiniLM-L6-v2 reads 256 word pieces (its sentence-transformers max_seq_length); it was trained on 128. */
    private static final int MINILM_WINDOW = 256;
    /** BERT's position table: the window assumed for a model named in .collection. */
    private static final int BERT_WINDOW = 512;

    private final String name;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean meanPooling;
    private final boolean takesTypeIds;
    private final String outputName;
    private final int window;
    private final int dim;
    /** Runs the texts of a batch beyond the first, one per thread; null with one thread. */
    private final ExecutorService pool;
    private final int threads;

    private OnnxEmbedder(String name, OrtSession session, HuggingFaceTokenizer tokenizer, boolean meanPooling, int window,
                         int threads) throws OrtException {
        this.name = name;
        this.threads = threads;
        this.pool = threads == 1 ? null
                : Executors.newFixedThreadPool(threads - 1, Thread.ofPlatform().daemon().name("vexfs-embed-", 0).factory());
        this.environment = OrtEnvironment.getEnvironment();
        this.session = session;
        this.tokenizer = tokenizer;
        this.meanPooling = meanPooling;
        this.window = window;
        if (!session.getInputNames().contains("input_ids") || !session.getInputNames().contains("attention_mask")) {
            throw new IllegalArgumentException("the model takes " + session.getInputNames()
                    + ", not input_ids and attention_mask as a BERT-like text model does");
        }
        this.takesTypeIds = session.getInputNames().contains("token_type_ids");
        Map.Entry<String, NodeInfo> out = session.getOutputInfo().entrySet().iterator().next();
        this.outputName = out.getKey();
        if (!(out.getValue().getInfo() instanceof TensorInfo t) || t.getShape().length != 3) {
            throw new IllegalArgumentException("the model's first output '" + outputName
                    + "' is not token vectors [batch, tokens, dim]");
        }
        // The dimension, from a real run: the output's static shape may leave it symbolic.
        this.dim = embedOne("vexfs").length;
    }

    /** The bundled all-MiniLM-L6-v2 (quantized), from langchain4j's jar; a batch runs on up to {@code threads} threads. */
    public static OnnxEmbedder minilm(int threads) {
        ClassLoader loader = AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader();
        try (InputStream model = loader.getResourceAsStream(MINILM_MODEL);
             InputStream tokenizer = loader.getResourceAsStream(MINILM_TOKENIZER)) {
            if (model == null || tokenizer == null) {
                throw new IllegalStateException("the langchain4j all-MiniLM-L6-v2 jar lacks " + MINILM_MODEL + " or " + MINILM_TOKENIZER);
            }
            OrtSession session = OrtEnvironment.getEnvironment().createSession(model.readAllBytes(), options());
            return new OnnxEmbedder(EmbedSpec.MINILM, session, HuggingFaceTokenizer.newInstance(tokenizer, tokenizerOptions()),
                    true, MINILM_WINDOW, threads);
        } catch (IOException | OrtException e) {
            throw new IllegalStateException("loading the bundled all-MiniLM-L6-v2: " + e.getMessage(), e);
        }
    }

    /**
     * A model named in .collection. Refuses (IllegalArgumentException, with the reason) files that
     * are missing, not ONNX, not a tokenizer, or a model that is not a BERT-like text encoder.
     */
    public static OnnxEmbedder load(Path model, Path tokenizer, boolean meanPooling, int threads) {
        for (Path p : List.of(model, tokenizer)) {
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw new IllegalArgumentException(p + " is not a readable file");
            }
        }
        HuggingFaceTokenizer t;
        try {
            t = HuggingFaceTokenizer.newInstance(tokenizer, tokenizerOptions());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(tokenizer + " is not a Hugging Face tokenizer.json: " + e.getMessage(), e);
        }
        try {
            OrtSession session = OrtEnvironment.getEnvironment().createSession(model.toString(), options());
            return new OnnxEmbedder(model.toString(), session, t, meanPooling, BERT_WINDOW, threads);
        } catch (OrtException | RuntimeException e) {
            t.close();
            throw new IllegalArgumentException(model + " does not load as an ONNX text model: " + e.getMessage(), e);
        }
    }

    /** One thread per call: a text of a few hundred tokens gains little from more, and calls run side by side. */
    private static OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(1);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return o;
    }

    /** Whole texts, unpadded: the chunker counts tokens, and a batch pads to its own longest. */
    private static Map<String, String> tokenizerOptions() {
        return Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int maxTokens() {
        return window;
    }

    @Override
    public int countTokens(String text) {
        return tokenizer.encode(text, false, false).getIds().length;
    }

    @Override
    public int endOfTokens(String text, int tokens) {
        CharSpan[] spans = tokenizer.encode(text, false, false).getCharTokenSpans();
        if (tokens >= spans.length) {
            return text.length();
        }
        // The next token's start, so the cut keeps whatever separates the two.
        return Math.min(text.length(), Math.max(1, spans[tokens].getStart()));
    }

    @Override
    public float[] embed(List<String> texts) {
        int count = texts.size();
        float[] out = new float[count * dim];
        if (pool == null || count == 1) {
            for (int i = 0; i < count; i++) {
                System.arraycopy(embedOne(texts.get(i)), 0, out, i * dim, dim);
            }
            return out;
        }
        // Each of `threads` workers (this thread one of them) takes the next text until none is left.
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        float[][] rows = new float[count][];
        Runnable work = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                rows[i] = embedOne(texts.get(i));
            }
        };
        List<Future<?>> helpers = new ArrayList<>(threads - 1);
        for (int t = 1; t < Math.min(threads, count); t++) {
            helpers.add(pool.submit(work));
        }
        work.run();
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + ": interrupted while embedding", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
        for (int i = 0; i < count; i++) {
            System.arraycopy(rows[i], 0, out, i * dim, dim);
        }
        return out;
    }

    /** One text, one ONNX call: tokens cut to the window (its end marker kept), pooled, length 1. */
    private float[] embedOne(String text) {
        long[] all = tokenizer.encode(text, true, false).getIds();
        int n = Math.min(window, all.length);
        long[] ids = java.util.Arrays.copyOf(all, n);
        if (n < all.length) {
            ids[n - 1] = all[all.length - 1];
        }
        long[] mask = new long[n];
        java.util.Arrays.fill(mask, 1L);
        long[] shape = {1, n};
        try (OnnxTensor idTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
             OnnxTensor typeTensor = takesTypeIds ? OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[n]), shape) : null) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", idTensor);
            inputs.put("attention_mask", maskTensor);
            if (typeTensor != null) {
                inputs.put("token_type_ids", typeTensor);
            }
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of(outputName))) {
                FloatBuffer tokens = ((OnnxTensor) result.get(0)).getFloatBuffer();
                return pool(tokens, n, tokens.capacity() / n);
            }
        } catch (OrtException e) {
            throw new IllegalStateException(name + ": ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** The mean of the token vectors (or the first, [CLS]), scaled to length 1. */
    private float[] pool(FloatBuffer tokens, int length, int hidden) {
        float[] out = new float[hidden];
        int used = meanPooling ? length : 1;
        for (int t = 0; t < used; t++) {
            for (int d = 0; d < hidden; d++) {
                out[d] += tokens.get(t * hidden + d);
            }
        }
        double norm = 0;
        for (float v : out) {
            norm += (double) v * v;
        }
        float scale = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < hidden; d++) {
            out[d] *= scale;
        }
        return out;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(name + ": closing the ONNX session: " + e.getMessage(), e);
        } finally {
            tokenizer.close();
        }
    }
}
