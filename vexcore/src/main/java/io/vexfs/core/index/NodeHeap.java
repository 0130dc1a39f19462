package io.vexfs.core.index;

import java.util.Arrays;

/**
 * A binary heap of (score, node) pairs in two primitive arrays, so a search allocates nothing
 * per candidate. Either the smallest or the largest score is on top; equal scores order by node
 * number, so a build and a search are deterministic. The arrays grow and are kept for reuse.
 */
final class NodeHeap {
    private final boolean largestOnTop;
    private float[] scores = new float[64];
    private int[] nodes = new int[64];
    private int size;

    private NodeHeap(boolean largestOnTop) {
        this.largestOnTop = largestOnTop;
    }

    static NodeHeap smallestOnTop() {
        return new NodeHeap(false);
    }

    static NodeHeap largestOnTop() {
        return new NodeHeap(true);
    }

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    float topScore() {
        return scores[0];
    }

    int topNode() {
        return nodes[0];
    }

    void push(float score, int node) {
        if (size == scores.length) {
            scores = Arrays.copyOf(scores, size * 2);
            nodes = Arrays.copyOf(nodes, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!above(score, node, scores[parent], nodes[parent])) {
                break;
            }
            scores[i] = scores[parent];
            nodes[i] = nodes[parent];
            i = parent;
        }
        scores[i] = score;
        nodes[i] = node;
    }

    void pop() {
        size--;
        float score = scores[size];
        int node = nodes[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && above(scores[right], nodes[right], scores[child], nodes[child])) {
                child = right;
            }
            if (!above(scores[child], nodes[child], score, node)) {
                break;
            }
            scores[i] = scores[child];
            nodes[i] = nodes[child];
            i = child;
        }
        scores[i] = score;
        nodes[i] = node;
    }

    /** Whether (aScore, aNode) belongs nearer the top than (bScore, bNode). */
    private boolean above(float aScore, int aNode, float bScore, int bNode) {
        if (aScore != bScore) {
            return largestOnTop == aScore > bScore;
        }
        return largestOnTop == aNode > bNode;
    }
}
