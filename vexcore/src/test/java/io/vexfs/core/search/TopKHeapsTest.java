package io.vexfs.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKHeapsTest {
    private record Candidate(float distance, int entry, int row) {
    }

    @Test
    void keepsTheBestKOfEachSlotInOrderWithTiesByPathThenRow() {
        List<SearchEntry> entries = new ArrayList<>();
        String[] names = {"d", "b", "a", "c", "e"};
        for (String name : names) {
            entries.add(new SearchEntry(name, MemorySegment.ofArray(new float[4]), 4, true));
        }
        Comparator<Candidate> order = Comparator.comparingDouble(Candidate::distance)
                .thenComparing(c -> entries.get(c.entry()).path())
                .thenComparingInt(Candidate::row);
        Random random = new Random(7);
        TopKHeaps heaps = new TopKHeaps();
        for (int k : new int[] {1, 2, 3, 10, 50}) {
            int slots = 3;
            heaps.reset(slots, k, entries);
            List<List<Candidate>> offered = new ArrayList<>();
            for (int s = 0; s < slots; s++) {
                offered.add(new ArrayList<>());
            }
            for (int i = 0; i < 200; i++) {
                int slot = random.nextInt(slots);
                // Few distinct distances, so most comparisons are ties decided by path and row.
                Candidate c = new Candidate(random.nextInt(6) / 2f, random.nextInt(entries.size()), random.nextInt(4));
                offered.get(slot).add(c);
                heaps.offer(slot, c.distance(), c.entry(), c.row());
            }
            for (int s = 0; s < slots; s++) {
                List<Candidate> expected = offered.get(s).stream().sorted(order).limit(k).toList();
                heaps.sort(s);
                List<Candidate> actual = new ArrayList<>();
                for (int i = 0; i < heaps.size(s); i++) {
                    actual.add(new Candidate(heaps.distance(s, i), heaps.entry(s, i), heaps.row(s, i)));
                }
                assertEquals(expected.stream().map(c -> entries.get(c.entry()).path() + c.distance() + "#" + c.row()).toList(),
                        actual.stream().map(c -> entries.get(c.entry()).path() + c.distance() + "#" + c.row()).toList(), "k " + k);
            }
        }
    }

    @Test
    void resetEmptiesAndTrimKeepsWorking() {
        List<SearchEntry> entries = List.of(new SearchEntry("a", MemorySegment.ofArray(new float[1]), 1, false));
        TopKHeaps heaps = new TopKHeaps();
        heaps.reset(2, 3, entries);
        heaps.offer(1, 5f, 0, 0);
        heaps.reset(2, 3, entries);
        assertEquals(0, heaps.size(1));
        heaps.trim(0);
        heaps.reset(1, 2, entries);
        heaps.offer(0, 2f, 0, 0);
        heaps.offer(0, 1f, 0, 0);
        heaps.offer(0, 3f, 0, 0);
        heaps.sort(0);
        assertEquals(2, heaps.size(0));
        assertEquals(1f, heaps.distance(0, 0));
        assertEquals(2f, heaps.distance(0, 1));
    }
}
