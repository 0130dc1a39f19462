package io.vexfs.core.text;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX embedder: the same vectors as langchain4j's own all-MiniLM-L6-v2, batched or one by
 * one, unit length, with meaning; a model named by files loads, and files that are not one are refused.
 */
class OnnxEmbedderTest {
    private static final List<String> TEXTS = List.of(
            "How do I rotate the logs?",
            "logrotate compresses and removes old log files every week",
            "Boil the spaghetti for nine minutes in salted water, then drain it and add the sauce you made before.",
            "x");
    private static OnnxEmbedder minilm;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        minilm = OnnxEmbedder.minilm(2);
    }

    @AfterAll
    static void close() {
        minilm.close();
    }

    private static float dot(float[] a, int ai, float[] b, int bi, int dim) {
        float s = 0;
        for (int d = 0; d < dim; d++) {
            s += a[ai * dim + d] * b[bi * dim + d];
        }
        return s;
    }

    @Test
    void batchedEqualsOneByOneAndRowsHaveLengthOne() {
        int dim = minilm.dim();
        assertEquals(384, dim);
        float[] batch = minilm.embed(TEXTS);
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] one = minilm.embed(List.of(TEXTS.get(i)));
            assertEquals(1f, dot(batch, i, batch, i, dim), 1e-4);
            assertEquals(1f, dot(batch, i, one, 0, dim), 1e-4, "padding in a batch changes nothing: " + TEXTS.get(i));
        }
    }

    /** The reference: langchain4j's model class embedding the same texts its own way (one ONNX call each). */
    @Test
    void theSameVectorsAsLangchain4jsAllMiniLm() {
        AllMiniLmL6V2QuantizedEmbeddingModel reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
        float[] ours = minilm.embed(TEXTS);
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] theirs = reference.embed(TextSegment.from(TEXTS.get(i))).content().vector();
            assertEquals(1f, dot(ours, i, theirs, 0, minilm.dim()), 1e-3, TEXTS.get(i));
        }
    }

    @Test
    void closerInMeaningIsCloserInVectors() {
        float[] v = minilm.embed(TEXTS);
        int dim = minilm.dim();
        assertTrue(dot(v, 0, v, 1, dim) > dot(v, 0, v, 2, dim) + 0.2f,
                "logs vs logs " + dot(v, 0, v, 1, dim) + ", logs vs pasta " + dot(v, 0, v, 2, dim));
    }

    @Test
    void textLongerThanTheWindowIsCutNotRefused() {
        String longText = "word ".repeat(2000);
        assertTrue(minilm.countTokens(longText) > minilm.maxTokens());
        float[] v = minilm.embed(List.of(longText));
        assertEquals(1f, dot(v, 0, v, 0, minilm.dim()), 1e-4);
        assertEquals(6, minilm.endOfTokens("alpha beta gamma", 1));
    }

    private Path resource(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader().getResourceAsStream(name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void aModelNamedByItsFilesGivesTheSameVectors() throws IOException {
        Path model = resource("all-minilm-l6-v2-q.onnx");
        Path tokenizer = resource("all-minilm-l6-v2-q-tokenizer.json");
        try (OnnxEmbedder own = OnnxEmbedder.load(model, tokenizer, true, 1)) {
            assertEquals(384, own.dim());
            float[] a = own.embed(TEXTS);
            float[] b = minilm.embed(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertEquals(1f, dot(a, i, b, i, 384), 1e-4);
            }
        }
        try (OnnxEmbedder cls = OnnxEmbedder.load(model, tokenizer, false, 1)) {
            float[] a = cls.embed(TEXTS.subList(0, 1));
            float[] b = minilm.embed(TEXTS.subList(0, 1));
            assertTrue(dot(a, 0, b, 0, 384) < 0.99f, "cls pooling is another vector");
        }
    }

    @Test
    void filesThatAreNotAModelAreRefusedWithTheReason() throws IOException {
        Path tokenizer = resource("all-minilm-l6-v2-q-tokenizer.json");
        Path notModel = Files.writeString(dir.resolve("x.onnx"), "not a model");
        Path notTokenizer = Files.writeString(dir.resolve("t.json"), "[1, 2]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxEmbedder.load(notModel, tokenizer, true, 1));
        assertTrue(e.getMessage().contains("does not load as an ONNX text model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxEmbedder.load(notModel, notTokenizer, true, 1));
        assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxEmbedder.load(dir.resolve("missing.onnx"), tokenizer, true, 1));
        assertTrue(e.getMessage().contains("not a readable file"), e.getMessage());
    }
}
