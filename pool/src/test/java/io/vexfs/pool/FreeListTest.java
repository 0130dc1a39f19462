package io.vexfs.pool;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FreeListTest {

    @Test
    void batchesMoveEverySlotExactlyOnce() {
        FreeList free = new FreeList(10);
        int[] batch = new int[4];
        Set<Integer> taken = new HashSet<>();
        int got;
        while ((got = free.popBatch(batch, batch.length)) > 0) {
            for (int i = 0; i < got; i++) {
                assertEquals(true, taken.add(batch[i]), "slot " + batch[i] + " handed out twice");
            }
        }
        assertEquals(10, taken.size());
        assertEquals(FreeList.EMPTY, free.pop());

        int[] back = taken.stream().mapToInt(Integer::intValue).toArray();
        free.pushBatch(back, 0, 6);
        free.pushBatch(back, 6, 9);
        free.push(back[9]);
        Set<Integer> again = new HashSet<>();
        int slot;
        while ((slot = free.pop()) != FreeList.EMPTY) {
            assertEquals(true, again.add(slot));
        }
        assertEquals(taken, again);
    }

    @Test
    void emptyListHasNothingToPop() {
        FreeList free = new FreeList(0);
        assertEquals(FreeList.EMPTY, free.pop());
        assertEquals(0, free.popBatch(new int[2], 2));
    }
}
