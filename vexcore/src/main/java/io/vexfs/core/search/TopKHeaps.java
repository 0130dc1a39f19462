package io.vexfs.core.search;

import java.util.Arrays;
import java.util.List;

/**
 * Bounded top-k selection for many queries at once, in primitive arrays: one max-heap of
 * (distance, entry, row) per slot, the worst kept candidate at its root, so a candidate costs
 * one comparison with the root when it is not better, and O(log k) when it is. Candidates
 * order by distance, then by the entry's path, then by row, then by entry index (which only
 * matters when two entries share a path). Not thread-safe: one owner at a time.
 */
final class TopKHeaps {
    private float[] distances = new float[0];
    private int[] entries = new int[0];
    private int[] rows = new int[0];
    private int[] sizes = new int[0];
    private List<SearchEntry> paths = List.of();
    private int k;

    /** Empties {@code slots} heaps of capacity {@code k}, ranking ties by the paths of {@code entries}. */
    void reset(int slots, int k, List<SearchEntry> entries) {
        long capacity = (long) slots * k;
        if (capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("k * queries = " + capacity + " is too many results for one search");
        }
        if (distances.length < capacity) {
            distances = new float[(int) capacity];
            this.entries = new int[(int) capacity];
            rows = new int[(int) capacity];
        }
        if (sizes.length < slots) {
            sizes = new int[slots];
        } else {
            Arrays.fill(sizes, 0, slots, 0);
        }
        this.k = k;
        this.paths = entries;
    }

    /** Frees the arrays if they hold more than {@code maxCapacity} candidates, so a huge search does not pin them. */
    void trim(int maxCapacity) {
        if (distances.length > maxCapacity) {
            distances = new float[0];
            entries = new int[0];
            rows = new int[0];
        }
        if (sizes.length > maxCapacity) {
            sizes = new int[0];
        }
        paths = List.of();
    }

    void offer(int slot, float distance, int entry, int row) {
        int base = slot * k;
        int size = sizes[slot];
        if (size < k) {
            sizes[slot] = size + 1;
            siftUp(base, size, distance, entry, row);
            return;
        }
        float worst = distances[base];
        if (distance > worst) {
            return;
        }
        if (distance < worst || worse(distances[base], entries[base], rows[base], distance, entry, row)) {
            siftDown(base, k, distance, entry, row);
        }
    }

    int size(int slot) {
        return sizes[slot];
    }

    float distance(int slot, int i) {
        return distances[slot * k + i];
    }

    int entry(int slot, int i) {
        return entries[slot * k + i];
    }

    int row(int slot, int i) {
        return rows[slot * k + i];
    }

    /** Heapsorts a slot in place: afterwards position 0 is the best candidate. The slot is no longer a heap. */
    void sort(int slot) {
        int base = slot * k;
        for (int end = sizes[slot] - 1; end > 0; end--) {
            float distance = distances[base + end];
            int entry = entries[base + end];
            int row = rows[base + end];
            move(base, 0, end);
            siftDown(base, end, distance, entry, row);
        }
    }

    private void siftUp(int base, int hole, float distance, int entry, int row) {
        int i = hole;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!worse(distance, entry, row, distances[base + parent], entries[base + parent], rows[base + parent])) {
                break;
            }
            move(base, parent, i);
            i = parent;
        }
        put(base, i, distance, entry, row);
    }

    /** Places the candidate from the root down in a heap of {@code size}, replacing the root. */
    private void siftDown(int base, int size, float distance, int entry, int row) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            int right = child + 1;
            if (right < size && worse(distances[base + right], entries[base + right], rows[base + right],
                    distances[base + child], entries[base + child], rows[base + child])) {
                child = right;
            }
            if (!worse(distances[base + child], entries[base + child], rows[base + child], distance, entry, row)) {
                break;
            }
            move(base, child, i);
            i = child;
        }
        put(base, i, distance, entry, row);
    }

    /** Whether (d1, e1, r1) ranks after (d2, e2, r2). */
    private boolean worse(float d1, int e1, int r1, float d2, int e2, int r2) {
        int order = Float.compare(d1, d2);
        if (order == 0 && e1 != e2) {
            order = paths.get(e1).path().compareTo(paths.get(e2).path());
        }
        if (order == 0) {
            order = r1 != r2 ? Integer.compare(r1, r2) : Integer.compare(e1, e2);
        }
        return order > 0;
    }

    private void move(int base, int from, int to) {
        distances[base + to] = distances[base + from];
        entries[base + to] = entries[base + from];
        rows[base + to] = rows[base + from];
    }

    private void put(int base, int i, float distance, int entry, int row) {
        distances[base + i] = distance;
        entries[base + i] = entry;
        rows[base + i] = row;
    }
}
