package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.index.AnnParams;
import io.vexfs.core.index.Quantization;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void hnswSettingsLoggedBeforeTheAlphaKeyKeepTheAlphaTheirGraphWasLinkedWith() {
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
    }
}
