package io.vexfs.pool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free stack of slot indices (a Treiber stack over an int array, so pushing and popping
 * allocate nothing). The head packs a version with the top index; every successful change bumps
 * the version, which rules out ABA and lets a batch pop walk the chain before claiming it with
 * one compare-and-set.
 */
final class FreeList {
    static final int EMPTY = -1;

    /** next[slot] is the slot below it; only written by the thread that owns the slot. */
    private final int[] next;
    private final AtomicLong head;

    FreeList(int slots) {
        next = new int[slots];
        for (int slot = 0; slot < slots; slot++) {
            next[slot] = slot + 1 < slots ? slot + 1 : EMPTY;
        }
        head = new AtomicLong(pack(0, slots > 0 ? 0 : EMPTY));
    }

    /** Pops up to {@code max} slots into {@code into} from index 0; returns how many. */
    int popBatch(int[] into, int max) {
        while (true) {
            long observed = head.get();
            int slot = index(observed);
            int taken = 0;
            // The walk may read links that other threads are changing; it then fails the CAS and retries.
            while (slot != EMPTY && taken < max) {
                into[taken++] = slot;
                slot = next[slot];
            }
            if (taken == 0) {
                return 0;
            }
            if (head.compareAndSet(observed, pack(version(observed) + 1, slot))) {
                return taken;
            }
        }
    }

    int pop() {
        while (true) {
            long observed = head.get();
            int slot = index(observed);
            if (slot == EMPTY) {
                return EMPTY;
            }
            if (head.compareAndSet(observed, pack(version(observed) + 1, next[slot]))) {
                return slot;
            }
        }
    }

    void push(int slot) {
        while (true) {
            long observed = head.get();
            next[slot] = index(observed);
            if (head.compareAndSet(observed, pack(version(observed) + 1, slot))) {
                return;
            }
        }
    }

    /** Pushes slots[from, to) as one chain with a single compare-and-set. */
    void pushBatch(int[] slots, int from, int to) {
        for (int i = from; i < to - 1; i++) {
            next[slots[i]] = slots[i + 1];
        }
        int last = slots[to - 1];
        while (true) {
            long observed = head.get();
            next[last] = index(observed);
            if (head.compareAndSet(observed, pack(version(observed) + 1, slots[from]))) {
                return;
            }
        }
    }

    private static long pack(int version, int slot) {
        return ((long) version << 32) | (slot & 0xFFFF_FFFFL);
    }

    private static int version(long packed) {
        return (int) (packed >>> 32);
    }

    private static int index(long packed) {
        return (int) packed;
    }
}
