package io.vexfs.core.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vexfs.core.search.Metric;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HnswIndexTest {
    private static final int DIM = 32;
    private static final int K = 10;
    private static final LongPredicate ALL = id -> true;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void recallAtTenIsHighOnRandomVectors(Metric metric) {
        float[] data = randomVectors(10_000, DIM, 1);
        HnswIndex index = indexOf(metric, data, HnswParams.DEFAULTS);
        float[] queries = randomVectors(200, DIM, 2);

        double recall = recall(index, metric, data, queries, 64, ALL);

        assertTrue(recall >= 0.95, metric + " recall@10 at ef=64 was " + recall);
    }

    @Test
    void recallGrowsWithEf() {
        float[] data = randomVectors(10_000, DIM, 3);
        HnswIndex index = indexOf(Metric.L2, data, HnswParams.DEFAULTS.withM(8).withEfConstruction(40));
        float[] queries = randomVectors(200, DIM, 4);
        int[] efs = {10, 20, 40, 80, 160};
        double[] recalls = new double[efs.length];
        for (int i = 0; i < efs.length; i++) {
            recalls[i] = recall(index, Metric.L2, data, queries, efs[i], ALL);
        }

        for (int i = 1; i < efs.length; i++) {
            assertTrue(recalls[i] >= recalls[i - 1] - 0.01, "recall fell from ef=" + efs[i - 1] + " to ef=" + efs[i] + ": " + recalls[i - 1] + " -> " + recalls[i]);
        }
        assertTrue(recalls[efs.length - 1] > recalls[0], "ef=160 recalls no more than ef=10: " + recalls[0]);
    }

    @Test
    void searchWithoutEfUsesTheConfiguredOne() {
        float[] data = randomVectors(2_000, DIM, 25);
        HnswIndex index = indexOf(Metric.L2, data, HnswParams.DEFAULTS.withEfSearch(12));
        float[] queries = randomVectors(20, DIM, 26);

        for (int q = 0; q < 20; q++) {
            assertEquals(index.search(queries, q * DIM, K, 12, ALL), index.search(queries, q * DIM, K, ALL));
        }
    }

    @Test
    void emptyIndexFindsNothing() {
        HnswIndex index = new HnswIndex(Metric.L2, DIM, HnswParams.DEFAULTS);

        assertEquals(List.of(), index.search(new float[DIM], 0, K, 64, ALL));
        assertEquals(0, index.size());
        assertEquals(0, index.liveSize());
    }

    @Test
    void singleElementIsFoundWithItsDistance() {
        float[] stored = {3f, 4f};
        HnswIndex index = new HnswIndex(Metric.L2, 2, HnswParams.DEFAULTS);
        index.add(7, stored, 0);

        assertEquals(List.of(new IndexHit(7, 5f)), index.search(new float[] {0f, 0f}, 0, K, 64, ALL));
    }

    @Test
    void kLargerThanTheIndexReturnsEveryNodeInOrder() {
        float[] data = randomVectors(5, DIM, 5);
        HnswIndex index = indexOf(Metric.COSINE, data, HnswParams.DEFAULTS);
        float[] query = randomVectors(1, DIM, 6);

        List<IndexHit> hits = index.search(query, 0, 50, 1, ALL);

        assertEquals(exact(Metric.COSINE, data, query, 0, 50, ALL), hits);
    }

    @Test
    void everyCopyOfADuplicatedVectorIsFoundAndTheGraphStaysNavigable() {
        float[] data = randomVectors(1_000, DIM, 7);
        int copies = 40;
        float[] duplicate = randomVectors(1, DIM, 8);
        HnswIndex index = indexOf(Metric.L2, data, HnswParams.DEFAULTS);
        for (int i = 0; i < copies; i++) {
            index.add(1_000_000 + i, duplicate, 0);
        }
        float[] queries = randomVectors(100, DIM, 23);

        List<IndexHit> hits = index.search(duplicate, 0, copies, 64, ALL);

        assertEquals(copies, hits.size());
        for (int i = 0; i < copies; i++) {
            assertEquals(new IndexHit(1_000_000 + i, 0f), hits.get(i), "ties rank by id");
        }
        double recall = recall(index, Metric.L2, data, queries, 64, id -> id < 1_000_000);
        assertTrue(recall >= 0.95, "recall among the other vectors was " + recall);
    }

    @Test
    void copiesOutliveTheFirstCopysRemoval() {
        float[] data = randomVectors(1_000, DIM, 24);
        HnswIndex index = indexOf(Metric.COSINE, data, HnswParams.DEFAULTS);
        for (int i = 0; i < 3; i++) {
            index.add(1_000_000 + i, data, 0);
        }
        index.remove(0);
        index.remove(1_000_001);

        List<IndexHit> hits = index.search(data, 0, 2, 64, ALL);

        assertEquals(List.of(1_000_000L, 1_000_002L), List.of(hits.get(0).id(), hits.get(1).id()));
        assertEquals(List.of(1_000_002L), index.search(data, 0, 1, 64, id -> id != 1_000_000).stream().map(IndexHit::id).toList());
    }

    @Test
    void resultsAreCopiesOfTheExactDistances() {
        float[] data = randomVectors(2_000, DIM, 9);
        for (Metric metric : Metric.values()) {
            HnswIndex index = indexOf(metric, data, HnswParams.DEFAULTS);
            float[] query = randomVectors(1, DIM, 10);
            for (IndexHit hit : index.search(query, 0, K, 64, ALL)) {
                assertEquals(metric.distance(query, 0, data, (int) hit.id() * DIM, DIM), hit.distance(), 0f, metric.key());
            }
        }
    }

    @Test
    void removedIdsNeverAppearAndRecallHoldsAfterMoreAdds() {
        float[] data = randomVectors(13_000, DIM, 11);
        HnswIndex index = new HnswIndex(Metric.L2, DIM, HnswParams.DEFAULTS);
        for (int i = 0; i < 10_000; i++) {
            index.add(i, data, i * DIM);
        }
        Set<Long> removed = new HashSet<>();
        Random random = new Random(12);
        while (removed.size() < 3_000) {
            long id = random.nextInt(10_000);
            assertEquals(removed.add(id), index.remove(id));
        }
        for (int i = 10_000; i < 13_000; i++) {
            index.add(i, data, i * DIM);
        }
        float[] queries = randomVectors(200, DIM, 13);
        LongPredicate live = id -> !removed.contains(id);

        for (int q = 0; q < 200; q++) {
            for (IndexHit hit : index.search(queries, q * DIM, K, 64, ALL)) {
                assertFalse(removed.contains(hit.id()), "removed id " + hit.id() + " returned");
            }
        }
        assertEquals(13_000, index.size());
        assertEquals(10_000, index.liveSize());
        double recall = recall(index, Metric.L2, data, queries, 64, live);
        assertTrue(recall >= 0.95, "recall after removing 30% and adding 3000 was " + recall);
    }

    @Test
    void compactionDropsTombstonesAndKeepsRecall() {
        float[] data = randomVectors(10_000, DIM, 14);
        HnswIndex index = indexOf(Metric.DOT, data, HnswParams.DEFAULTS.withMaxTombstoneFraction(0.3));
        Set<Long> removed = new HashSet<>();
        for (long id = 0; id < 10_000; id += 3) {
            index.remove(id);
            removed.add(id);
        }

        assertTrue(index.compactIfNeeded());
        assertFalse(index.compactIfNeeded());
        assertEquals(index.liveSize(), index.size());
        assertEquals(10_000 - removed.size(), index.size());
        assertFalse(index.remove(0), "a removed id is gone after compaction");
        float[] queries = randomVectors(200, DIM, 15);
        double recall = recall(index, Metric.DOT, data, queries, 64, id -> !removed.contains(id));
        assertTrue(recall >= 0.95, "recall after compaction was " + recall);
    }

    @Test
    void compactionWaitsForTheTombstoneFraction() {
        float[] data = randomVectors(100, DIM, 16);
        HnswIndex index = indexOf(Metric.L2, data, HnswParams.DEFAULTS.withMaxTombstoneFraction(0.25));
        for (long id = 0; id < 25; id++) {
            index.remove(id);
        }
        assertFalse(index.compactIfNeeded());
        index.remove(25);
        assertTrue(index.compactIfNeeded());
    }

    @Test
    void aRemovedIdCanBeAddedAgainButALiveOneCannot() {
        float[] data = randomVectors(100, DIM, 17);
        HnswIndex index = indexOf(Metric.L2, data, HnswParams.DEFAULTS);

        assertThrows(IllegalArgumentException.class, () -> index.add(5, data, 0));
        assertTrue(index.remove(5));
        assertFalse(index.remove(5));
        index.add(5, data, 0);

        List<IndexHit> hits = index.search(data, 0, 2, 64, ALL);
        assertEquals(Set.of(0L, 5L), Set.of(hits.get(0).id(), hits.get(1).id()));
        assertEquals(0f, hits.get(1).distance());
    }

    @Test
    void includePredicateFilters() {
        float[] data = randomVectors(10_000, DIM, 18);
        HnswIndex index = indexOf(Metric.COSINE, data, HnswParams.DEFAULTS);
        float[] queries = randomVectors(200, DIM, 19);
        LongPredicate even = id -> id % 2 == 0;

        for (int q = 0; q < 200; q++) {
            for (IndexHit hit : index.search(queries, q * DIM, K, 64, even)) {
                assertEquals(0, hit.id() % 2, "odd id " + hit.id() + " returned");
            }
        }
        double recall = recall(index, Metric.COSINE, data, queries, 64, even);
        assertTrue(recall >= 0.95, "recall with half the nodes excluded was " + recall);
        assertEquals(List.of(), index.search(queries, 0, K, 64, id -> false));
        assertEquals(List.of(new IndexHit(1234, Metric.COSINE.distance(queries, 0, data, 1234 * DIM, DIM))),
                index.search(queries, 0, K, 64, id -> id == 1234), "a filter that rejects almost everything still finds what it accepts");
    }

    @Test
    void sameSeedBuildsTheSameIndex() {
        float[] data = randomVectors(3_000, DIM, 20);
        float[] queries = randomVectors(50, DIM, 21);
        HnswIndex first = indexOf(Metric.L2, data, HnswParams.DEFAULTS.withSeed(99).withM(4).withEfConstruction(8));
        HnswIndex second = indexOf(Metric.L2, data, HnswParams.DEFAULTS.withSeed(99).withM(4).withEfConstruction(8));

        for (int q = 0; q < 50; q++) {
            assertEquals(first.search(queries, q * DIM, K, 8, ALL), second.search(queries, q * DIM, K, 8, ALL));
        }
    }

    @Test
    void rejectsBadArguments() {
        HnswIndex index = indexOf(Metric.COSINE, randomVectors(10, DIM, 22), HnswParams.DEFAULTS);

        assertThrows(IllegalArgumentException.class, () -> index.search(new float[DIM], 0, K, 64, ALL));
        assertThrows(IllegalArgumentException.class, () -> index.search(new float[DIM], 0, 0, 64, ALL));
        assertThrows(IndexOutOfBoundsException.class, () -> index.search(new float[DIM], 1, K, 64, ALL));
        assertThrows(IndexOutOfBoundsException.class, () -> index.add(99, new float[DIM], 1));
    }

    static HnswIndex indexOf(Metric metric, float[] data, HnswParams params) {
        HnswIndex index = new HnswIndex(metric, DIM, params);
        for (int i = 0; i < data.length / DIM; i++) {
            index.add(i, data, i * DIM);
        }
        return index;
    }

    static float[] randomVectors(int count, int dim, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count * dim];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** The fraction of the exact top ten, among vectors {@code include} accepts (ids are row numbers), that the index finds. */
    static double recall(HnswIndex index, Metric metric, float[] data, float[] queries, int ef, LongPredicate include) {
        int found = 0;
        int wanted = 0;
        for (int q = 0; q < queries.length / DIM; q++) {
            Set<Long> truth = new HashSet<>();
            for (IndexHit hit : exact(metric, data, queries, q * DIM, K, include)) {
                truth.add(hit.id());
            }
            for (IndexHit hit : index.search(queries, q * DIM, K, ef, include)) {
                found += truth.contains(hit.id()) ? 1 : 0;
            }
            wanted += truth.size();
        }
        return (double) found / wanted;
    }

    static List<IndexHit> exact(Metric metric, float[] data, float[] queries, int qOffset, int k, LongPredicate include) {
        List<IndexHit> all = new ArrayList<>();
        for (int row = 0; row < data.length / DIM; row++) {
            if (include.test(row)) {
                all.add(new IndexHit(row, metric.distance(queries, qOffset, data, row * DIM, DIM)));
            }
        }
        all.sort((a, b) -> a.distance() != b.distance() ? Float.compare(a.distance(), b.distance()) : Long.compare(a.id(), b.id()));
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }
}
