package io.vexfs.core.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vexfs.core.search.Metric;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

class HnswConcurrencyTest {
    private static final int DIM = 32;
    private static final int INITIAL = 5_000;
    private static final int ADDED = 5_000;
    private static final int REMOVED = 1_000;
    private static final int SEARCHERS = 4;
    /** Searchers never accept these ids, so every result shows whether the filter held. */
    private static final LongPredicate INCLUDE = id -> id % 7 != 3;

    @Test
    void searchesStayCorrectWhileOneWriterAddsAndRemoves() throws Exception {
        Metric metric = Metric.COSINE;
        float[] data = HnswIndexTest.randomVectors(INITIAL + ADDED, DIM, 31);
        float[] queries = HnswIndexTest.randomVectors(500, DIM, 32);
        HnswIndex index = new HnswIndex(metric, DIM, HnswParams.DEFAULTS);
        for (int id = 0; id < INITIAL; id++) {
            index.add(id, data, id * DIM);
        }
        // removalOrder[0, removed) have been removed: a search that starts later must never return them.
        long[] removalOrder = new long[REMOVED];
        for (int i = 0; i < REMOVED; i++) {
            removalOrder[i] = 5L * i;
        }
        AtomicInteger removed = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger searches = new AtomicInteger();

        ExecutorService threads = Executors.newFixedThreadPool(SEARCHERS + 1);
        try {
            List<Future<?>> running = new ArrayList<>();
            running.add(threads.submit(() -> {
                try {
                    for (int i = 0; i < ADDED; i++) {
                        int id = INITIAL + i;
                        index.add(id, data, id * DIM);
                        if (i % 5 == 4) {
                            int r = removed.get();
                            assertTrue(index.remove(removalOrder[r]));
                            removed.set(r + 1);
                        }
                    }
                } finally {
                    writing.set(false);
                }
            }));
            for (int s = 0; s < SEARCHERS; s++) {
                int searcher = s;
                running.add(threads.submit(() -> {
                    for (int q = searcher; writing.get() || q < 200; q += SEARCHERS) {
                        int qOffset = (q % 500) * DIM;
                        int removedBefore = removed.get();
                        List<IndexHit> hits = index.search(queries, qOffset, 10, 32, INCLUDE);
                        check(metric, data, queries, qOffset, hits, removalOrder, removedBefore);
                        searches.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> future : running) {
                future.get(5, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }

        assertTrue(searches.get() >= 200, "searches run: " + searches.get());
        assertEquals(INITIAL + ADDED, index.size());
        assertEquals(INITIAL + ADDED - REMOVED, index.liveSize());
        Set<Long> gone = new HashSet<>();
        for (long id : removalOrder) {
            gone.add(id);
        }
        double recall = HnswIndexTest.recall(index, metric, data, queries, 64, id -> INCLUDE.test(id) && !gone.contains(id));
        assertTrue(recall >= 0.95, "recall after the concurrent writes was " + recall);
    }

    private static void check(Metric metric, float[] data, float[] queries, int qOffset, List<IndexHit> hits,
                              long[] removalOrder, int removedBefore) {
        assertEquals(10, hits.size(), "thousands of nodes are accepted, so k are found");
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < hits.size(); i++) {
            IndexHit hit = hits.get(i);
            assertTrue(hit.id() >= 0 && hit.id() < data.length / DIM, "unknown id " + hit.id());
            assertTrue(INCLUDE.test(hit.id()), "excluded id " + hit.id());
            assertTrue(seen.add(hit.id()), "id twice: " + hit.id());
            for (int r = 0; r < removedBefore; r++) {
                assertFalse(removalOrder[r] == hit.id(), "id " + hit.id() + " removed before the search began");
            }
            assertEquals(metric.distance(queries, qOffset, data, (int) hit.id() * DIM, DIM), hit.distance(), 0f);
            assertTrue(i == 0 || hits.get(i - 1).distance() <= hit.distance(), "not best first: " + hits);
        }
    }
}
