package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.search.Metric;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embed keys of .collection: what they set, what they refuse, and that render reads back. */
class EmbedSettingsTest {
    private static final CollectionSettings EMPTY = CollectionSettings.DEFAULT;

    private static String refused(CollectionSettings from, String text, boolean empty) {
        return assertThrows(InvalidInputException.class, () -> from.apply(text, false, empty, 0)).getMessage();
    }

    @Test
    void minilmMakesATextCollectionOf384CosineAndReadsBack() throws InvalidInputException {
        CollectionSettings s = EMPTY.apply("embed = minilm\n", false, true, 0);
        assertEquals(EmbedSpec.MINILM_SPEC, s.embed());
        assertEquals(384, s.dim());
        assertEquals(Metric.COSINE, s.metric());
        assertEquals(s, EMPTY.apply(s.render(), false, true, 0));
        CollectionSettings k5 = s.apply("k = 5\n", true, false, 0);
        assertEquals(5, k5.k());
        assertEquals(s.embed(), k5.embed(), "other keys leave the model alone");
        assertNull(s.apply("embed = none\n", false, true, 0).embed());
    }

    @Test
    void onnxNamesItsFilesAndTakesTheDimensionTheModelGives() throws InvalidInputException {
        CollectionSettings s = EMPTY.apply("embed = onnx\nembed_model = /m/model.onnx\nembed_tokenizer = /m/tok.json\n"
                + "embed_pooling = CLS\n", false, true, 768);
        assertEquals(new EmbedSpec(EmbedSpec.ONNX, "/m/model.onnx", "/m/tok.json", "cls"), s.embed());
        assertEquals(768, s.dim());
        assertEquals(s, EMPTY.apply(s.render(), false, true, 0), "a replayed setting reads its dim line");
    }

    @Test
    void badValuesAreRefusedWithTheirLine() {
        assertTrue(refused(EMPTY, "embed = word2vec", true).startsWith("line 1: embed must be 'minilm'"));
        assertTrue(refused(EMPTY, "embed = onnx\nembed_model = rel/model.onnx", true).startsWith("line 2: embed_model must be an absolute path"));
        assertTrue(refused(EMPTY, "embed = onnx\nembed_model = /m.onnx", true).contains("embed_tokenizer"));
        assertTrue(refused(EMPTY, "embed = minilm\nembed_pooling = max", true).startsWith("line 2: embed_pooling must be"));
        assertTrue(refused(EMPTY, "embed_model = /m.onnx", true).contains("set 'embed = onnx' too"));
        assertTrue(refused(EMPTY, "embed = minilm\nmetric = dot", true).startsWith("line 2: a text collection compares"));
        assertTrue(refused(EMPTY, "dim = 100\nembed = minilm", true).startsWith("line 1: the minilm model gives 384"));
    }

    @Test
    void embedChangesOnlyWhileTheCollectionIsEmpty() throws InvalidInputException {
        CollectionSettings text = EMPTY.apply("embed = minilm", false, true, 0);
        assertTrue(refused(EMPTY, "embed = minilm", false).contains("while the collection holds files"));
        assertTrue(refused(text, "embed = none", false).contains("while the collection holds files"));
        assertEquals(text, text.apply("embed = minilm", false, false, 0), "the same model again changes nothing");
        assertTrue(refused(text, "dim = 12", false).contains("dim of a text collection"));
    }
}
