package io.vexfs.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SearchMetricTest {

    @Test
    void parsesKeysInAnyCase() {
        assertEquals(Metric.L2, Metric.parse("l2"));
        assertEquals(Metric.L2, Metric.parse("L2"));
        assertEquals(Metric.COSINE, Metric.parse("Cosine"));
        assertEquals(Metric.DOT, Metric.parse("DOT"));
        assertEquals("cosine", Metric.COSINE.key());
    }

    @Test
    void refusesAnythingElseSayingWhatIsExpected() {
        for (String bad : new String[] {"euclidean", "", " l2", "dot product"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metric.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("l2, cosine or dot"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Metric.parse(null));
    }

    @Test
    void distancesFollowTheirDefinitions() {
        float[] v = {0, 0, 3, 4, 1, 0, 0, 1, -1, 0, 0, 0, 1, 2};
        assertEquals(5f, Metric.L2.distance(v, 0, v, 2, 2));
        assertEquals(0f, Metric.L2.distance(v, 2, v, 2, 2));
        assertEquals(1f, Metric.COSINE.distance(v, 4, v, 6, 2), "orthogonal");
        assertEquals(0f, Metric.COSINE.distance(v, 4, v, 4, 2), "same direction");
        assertEquals(0f, Metric.COSINE.distance(v, 4, v, 2, 1), "parallel, other length");
        assertEquals(2f, Metric.COSINE.distance(v, 4, v, 8, 2), "opposite");
        assertEquals(1f, Metric.COSINE.distance(v, 4, v, 10, 2), "a zero vector has similarity 0");
        assertEquals(1f - 0.6f, Metric.COSINE.distance(v, 2, v, 4, 2), 1e-7f);
        assertEquals(-11f, Metric.DOT.distance(v, 2, v, 12, 2));
        assertEquals(0f, Metric.DOT.distance(v, 4, v, 6, 2));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(Metric.DOT.distance(v, 4, v, 6, 2)), "+0, never -0");
    }

    @Test
    void isZeroLooksAtTheRangeOnly() {
        float[] v = {1, 0, -0f, 0, 2};
        assertTrue(Metric.isZero(v, 1, 3));
        assertFalse(Metric.isZero(v, 0, 3));
        assertFalse(Metric.isZero(v, 2, 3));
        assertTrue(Metric.isZero(v, 4, 0));
    }
}
