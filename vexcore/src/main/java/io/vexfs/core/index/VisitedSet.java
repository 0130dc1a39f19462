package io.vexfs.core.index;

import java.util.Arrays;

/**
 * The nodes one search has reached: a node is visited when its mark equals the current
 * generation, so starting a search is one increment, not a clear. Grown to the graph's size.
 */
final class VisitedSet {
    private int[] marks = new int[0];
    private int generation;

    /** Forgets every node and makes room for nodes [0, nodes). */
    void reset(int nodes) {
        if (marks.length < nodes) {
            marks = new int[Math.max(nodes, marks.length + (marks.length >>> 1))];
            generation = 0;
        }
        generation++;
        if (generation == 0) {
            Arrays.fill(marks, 0);
            generation = 1;
        }
    }

    /** Marks the node; false if it was marked already. */
    boolean add(int node) {
        if (marks[node] == generation) {
            return false;
        }
        marks[node] = generation;
        return true;
    }
}
