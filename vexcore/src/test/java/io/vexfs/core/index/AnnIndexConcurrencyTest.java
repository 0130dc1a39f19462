package io.vexfs.core.index;

import io.vexfs.core.index.AnnIndexTest.File;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ForkJoinPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static io.vexfs.core.index.AnnIndexTest.DIM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Searches on many threads while the writer adds, removes and purges: what a search returns is always consistent. */
class AnnIndexConcurrencyTest {
    private static final int INITIAL_FILES = 200;
    private static final int ADDED_FILES = 200;
    private static final int ROWS_PER_FILE = 10;
    private static final int SEARCHERS = 3;
    /** Searchers never accept these files, so every result shows whether the filter held. */
    private static final Predicate<File> ACCEPTED = f -> f.number() % 7 != 3;

    /**
     * A file's memory in an arena of its own, closed when its last pin goes, as a segment's
     * mapping is: a search that read a file after the index let go of it would fail.
     */
    static final class ArenaPin implements AnnIndex.Pin {
        final Arena arena = Arena.ofShared();
        final AtomicInteger pins = new AtomicInteger(1);

        @Override
        public boolean tryPin() {
            return pins.getAndUpdate(n -> n == 0 ? 0 : n + 1) > 0;
        }

        @Override
        public void unpin() {
            if (pins.decrementAndGet() == 0) {
                arena.close();
            }
        }
    }

    @Test
    void searchesStayConsistentWhileOneWriterAddsRemovesPurgesAndReleases() throws Exception {
        Metric metric = Metric.COSINE;
        float[] data = AnnIndexTest.randomVectors((INITIAL_FILES + ADDED_FILES) * ROWS_PER_FILE, DIM, 31);
        List<File> files = new ArrayList<>();
        Map<File, ArenaPin> pins = new HashMap<>();
        for (File heap : AnnIndexTest.files(data, DIM, ROWS_PER_FILE)) {
            ArenaPin pin = new ArenaPin();
            MemorySegment memory = pin.arena.allocate((long) heap.values().length * Float.BYTES, Float.BYTES);
            MemorySegment.copy(heap.values(), 0, memory, VectorKernels.FLOAT_LE, 0, heap.values().length);
            File f = new File(heap.number(), heap.values(), heap.rows(), memory);
            files.add(f);
            pins.put(f, pin);
        }
        float[] queries = AnnIndexTest.randomVectors(500, DIM, 32);
        ForkJoinPool pool = new ForkJoinPool(2);
        AnnIndex<File> index = new AnnIndex<>(metric, DIM, AnnParams.DEFAULTS, pool);
        index.addAll(files.subList(0, INITIAL_FILES).stream().map(f -> f.block(pins.get(f))).toList(), () -> false);
        // Files whose remove() has returned: a search that starts later must never return them.
        Set<File> removed = ConcurrentHashMap.newKeySet();
        // Files whose remove() has begun: while this grows, a search may come back short.
        Set<File> removing = ConcurrentHashMap.newKeySet();
        // Files whose addAll() has begun: nothing else may ever be returned.
        Set<File> added = ConcurrentHashMap.newKeySet();
        added.addAll(files.subList(0, INITIAL_FILES));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger searches = new AtomicInteger();
        AtomicInteger released = new AtomicInteger();

        ExecutorService threads = Executors.newFixedThreadPool(SEARCHERS + 1);
        try {
            List<Future<?>> running = new ArrayList<>();
            running.add(threads.submit(() -> {
                try {
                    for (int i = 0; i < ADDED_FILES; i += 4) {
                        List<File> batch = files.subList(INITIAL_FILES + i, INITIAL_FILES + i + 4);
                        added.addAll(batch);
                        index.addAll(batch.stream().map(f -> f.block(pins.get(f))).toList(), () -> false);
                        // Remove two older files per batch: now and then enough for a purge.
                        for (File gone : List.of(files.get(i), files.get(i + 1))) {
                            removing.add(gone);
                            assertTrue(index.remove(gone));
                            removed.add(gone);
                            // The store lets go of the file: only the index's pin keeps its memory now.
                            pins.get(gone).unpin();
                        }
                        index.purgeIfNeeded();
                        released.addAndGet(index.releaseRetired());
                    }
                } finally {
                    writing.set(false);
                }
                return null;
            }));
            for (int s = 0; s < SEARCHERS; s++) {
                int searcher = s;
                running.add(threads.submit(() -> {
                    for (int q = searcher; writing.get() || q < 300; q += SEARCHERS) {
                        int offset = (q % 500) * DIM;
                        int removingBefore = removing.size();
                        Set<File> removedBefore = Set.copyOf(removed);
                        List<AnnIndex.Hit<File>> hits = index.search(queries, offset, 10, 32, ACCEPTED);
                        // A row removed while the search ran may be left out without a replacement.
                        if (removing.size() == removingBefore) {
                            assertEquals(10, hits.size(), "thousands of rows are accepted, so k are found");
                        }
                        Set<String> seen = new HashSet<>();
                        for (AnnIndex.Hit<File> h : hits) {
                            assertTrue(added.contains(h.owner()), "a file never added: " + h.owner().number());
                            assertTrue(ACCEPTED.test(h.owner()), "a file the filter refuses: " + h.owner().number());
                            assertFalse(removedBefore.contains(h.owner()), "file " + h.owner().number() + " removed before the search began");
                            assertTrue(h.row() >= 0 && h.row() < ROWS_PER_FILE, "row " + h.row());
                            assertTrue(seen.add(AnnIndexTest.name(h.owner(), h.row())), "a row twice: " + hits);
                        }
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
            pool.shutdown();
        }

        assertTrue(searches.get() >= 300, "searches run: " + searches.get());
        assertTrue(index.purgedNodes() >= 400, "purges ran during the searches: " + index.purgedNodes());
        assertTrue(released.get() >= 40, "removed files released while searches ran: " + released.get());
        long closed = removed.stream().filter(f -> pins.get(f).pins.get() == 0).count();
        assertEquals(removed.size() - index.retiringBlocks(), closed, "every removed file released is unmapped, the others not");
        assertTrue(files.stream().filter(f -> !removed.contains(f)).allMatch(f -> pins.get(f).pins.get() == 2),
                "a live file is pinned by its store and by the index");
        assertEquals((INITIAL_FILES + ADDED_FILES - removed.size()) * ROWS_PER_FILE, index.indexed());
        List<File> live = files.stream().filter(f -> !removed.contains(f)).toList();
        double recall = AnnIndexTest.recall(index, metric, live, queries, 64, ACCEPTED);
        assertTrue(recall >= 0.95, "recall after the concurrent writes: " + recall);
    }
}
