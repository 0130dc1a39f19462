package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.index.AnnParams;
import io.vexfs.core.index.Quantization;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings as the log holds them, read back at mount: what this release wrote and what earlier ones did. */
class RestoredSettingsTest {

    @Test
    void renderedSettingsReadBackAsTheyWere() throws InvalidInputException {
        for (String text : new String[] {"index = hnsw\n", "index = hnsw\nalpha = 1.2\nm = 8\n", "dim = 4\nmetric = cosine\n",
                "index = hnsw\nquantization = int8\n"}) {
            CollectionSettings s = CollectionSettings.DEFAULT.apply(text, false, true, 0);
            assertEquals(s, CollectionSettings.restore(s.render()), text);
        }
    }

    @Test
    void hnswSettingsLoggedBeforeTheAlphaKeyKeepTheAlphaTheirGraphWasLinkedWith() throws InvalidInputException {
        // What the release before the alpha key logged for an hnsw collection.
        String logged = "dim = 8\nmetric = l2\nindex = hnsw\nm = 16\nef_construction = 100\nef = 64\npq_subspaces = 0\n"
                + "rerank = 4\nk = 10\n";
        assertEquals(1.0f, AnnParams.DEFAULT_ALPHA, "the default has moved on from 1.2");
        assertEquals(1.2f, CollectionSettings.restore(logged).alpha(), "the index file of such a collection says 1.2");
        assertEquals(1.0f, CollectionSettings.restore(logged + "alpha = 1.0\n").alpha());
        assertEquals(AnnParams.DEFAULT_ALPHA, CollectionSettings.restore("dim = 8\nmetric = l2\nindex = flat\nk = 10\n").alpha(),
                "a flat collection made hnsw later gets the default");
        assertEquals(Quantization.NONE, CollectionSettings.restore(logged).quantization(), "logged before the key: no int8 codes");
        assertEquals(Quantization.INT8, CollectionSettings.restore(logged + "quantization = int8\n").quantization());
        assertEquals(Quantization.NONE, CollectionSettings.restore(logged + "quantization = int4\n").quantization(),
                "a value this build does not know is skipped, with a warning");
        assertEquals(Quantization.INT8, CollectionSettings.restore("dim = 8\nmetric = l2\nindex = flat\nk = 10\n")
                .apply("index = hnsw\n", true, false, 0).quantization(), "a flat collection made hnsw later gets the default");
    }

    @Test
    void anHnswCollectionWalksOnInt8CodesUnlessItNamesOtherCodes() throws InvalidInputException {
        CollectionSettings hnsw = CollectionSettings.DEFAULT.apply("dim = 64\nindex = hnsw\n", false, true, 0);
        assertEquals(Quantization.INT8, hnsw.quantization());
        assertEquals(64, hnsw.annParams().codeBytes(64), "a byte a dimension");

        CollectionSettings product = hnsw.apply("pq_subspaces = 16\n", true, false, 0);
        assertEquals(Quantization.NONE, product.quantization(), "naming product codes turns int8 off");
        assertEquals(16, product.annParams().codeBytes(64));
        CollectionSettings int8 = product.apply("quantization = int8\n", true, false, 0);
        assertEquals(0, int8.pqSubspaces(), "naming int8 turns product codes off");
        assertEquals(Quantization.INT8, int8.quantization());
        assertEquals(Quantization.NONE, int8.apply("quantization = none\n", true, false, 0).annParams().quantization());

        InvalidInputException both = assertThrows(InvalidInputException.class,
                () -> hnsw.apply("pq_subspaces = 16\nquantization = int8\n", true, false, 0));
        assertEquals("line 2", both.where(), both.getMessage());
        assertTrue(both.getMessage().contains("two kinds of codes"), both.getMessage());
    }
}
