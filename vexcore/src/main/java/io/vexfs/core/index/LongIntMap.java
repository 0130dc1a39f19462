package io.vexfs.core.index;

import java.util.Arrays;

/**
 * Long keys to node numbers (in {@link AnnIndex}: a row's content hash to the graph node that
 * holds that content): open addressing with linear probing over primitive arrays, no boxing.
 * Entries are overwritten, never removed. Only the writer uses it.
 */
final class LongIntMap {
    private static final int ABSENT = -1;
    private long[] keys = new long[16];
    private int[] values = filledAbsent(16);
    private int size;

    /** The node of {@code key}, or -1. */
    int get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (values[i] == ABSENT) {
                return ABSENT;
            }
            if (keys[i] == key) {
                return values[i];
            }
        }
    }

    void put(long key, int value) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != ABSENT && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == ABSENT) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = filledAbsent(oldKeys.length * 2);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != ABSENT) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    /** Fibonacci hashing: keys that differ in few bits land far apart. */
    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private static int[] filledAbsent(int length) {
        int[] array = new int[length];
        Arrays.fill(array, ABSENT);
        return array;
    }
}
