package io.vexfs.core.index;

import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.NodeArray;
import io.github.jbellis.jvector.graph.NodesIterator;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.ScoreFunction;
import io.github.jbellis.jvector.util.Bits;

import java.util.Arrays;

/**
 * One thread's best-first walk of a jvector graph's layers for a query: greedy on the upper
 * layers, a beam of {@code ef} candidates on the bottom one (HNSW's search). Ours rather than
 * jvector's {@code GraphSearcher}, which walks the same way (GraphWalkTest holds the two to the
 * same recall) but spends more on each visit: visited nodes are marked in an int array stamped
 * per walk instead of a hash set; a scored node becomes a candidate only if it can still enter the
 * results, where jvector's searcher heaps every one; and a node's unvisited neighbours are
 * scored three at a time ({@link ScoringThree}), so their cache misses overlap (hnswlib
 * prefetches for the same reason), product codes loaded ahead of that ({@link Prefetching}): a
 * load ahead of a full row costs more than it saves once three rows are read at a time. Inserts
 * walk the same way ({@link #insert}). Everything but the bottom layer's links comes
 * from the graph's view (the entry, the upper layers, the deleted nodes); the bottom layer's links
 * from the {@link BottomLinks} given, the view's own or the graph's as they are (see AnnIndex).
 * Not thread-safe: one per thread.
 */
final class GraphWalk {
    /** Where a walk reads a node's neighbours on the bottom layer. */
    @FunctionalInterface
    interface BottomLinks {
        NodesIterator of(int node);
    }

    /** A score function that brings a node's data into cache ahead of scoring it (product codes, pq_subspaces bytes a node). */
    interface Prefetching {
        /** Loads a word of each cache line of what {@code similarityTo(node)} will read, so that it finds them in cache. */
        void prefetch(int node);
    }

    /**
     * A score function that scores three nodes in one pass over their rows, so that their cache
     * misses overlap (a row too large to load ahead, or loaded ahead, still costs a miss each
     * when scored one by one).
     */
    interface ScoringThree {
        /** out[0], out[1], out[2]: {@code similarityTo} of each node, to the bit. */
        void similaritiesTo(int node0, int node1, int node2, float[] out);
    }

    /** What an insert does with the nodes it found on a layer: links the new node to a diverse few of them. */
    @FunctionalInterface
    interface LayerLinker {
        /** {@code found}: the layer's accepted results, best first; the walk clears and refills it for the next layer. */
        void link(int layer, NodeArray found);
    }

    private static final SearchResult.NodeScore[] NONE = new SearchResult.NodeScore[0];

    /** marks[node] == stamp: visited in the current walk of the bottom layer. */
    private int[] marks = new int[1024];
    private int stamp;
    /** Candidates to expand, best first: a min-heap on the negated score. */
    private final Heap candidates = new Heap();
    /** The best accepted nodes so far, worst first: a min-heap on score, at most the beam. */
    private final Heap results = new Heap();
    private int[] unvisited = new int[64];
    /** scored[i]: the similarity of unvisited[i], once {@link #score} has run. */
    private float[] scored = new float[64];
    private final float[] three = new float[3];
    /** The score of the node {@link #descend} stopped on. */
    private float startScore;

    /**
     * A query's walk: the best {@code topK} of the {@code ef} best accepted nodes found on the
     * bottom layer, best first (fewer if the graph holds fewer). Nodes the view marks deleted are
     * never returned, as in jvector.
     */
    SearchResult.NodeScore[] search(ImmutableGraphIndex.View view, BottomLinks bottom, ScoreFunction scores, boolean prefetch,
                                    int topK, int ef, Bits accept) {
        ImmutableGraphIndex.NodeAtLevel entry = view.entryNode();
        if (entry == null) {
            return NONE;
        }
        Bits acceptLive = live(view, accept);
        int start = descend(view, scores, prefetch, entry);
        seed(view, start, startScore, acceptLive, ef);
        beam(view, 0, bottom, scores, prefetch, ef, acceptLive);
        return best(topK);
    }

    /**
     * An insert's walk (HNSW's insert, as jvector's {@code addGraphNode} does it): greedy down to
     * the new node's own top layer {@code level}, then on that layer and each one below a beam of
     * {@code ef}, whose live results but {@code node} itself go to {@code linker} and are where the
     * next layer's beam starts. {@code found} is the caller's, reused.
     */
    void insert(ImmutableGraphIndex.View view, BottomLinks bottom, ScoreFunction scores, boolean prefetch, int ef, int node,
                int level, NodeArray found, LayerLinker linker) {
        ImmutableGraphIndex.NodeAtLevel entry = view.entryNode();
        if (entry == null) {
            return;
        }
        // Every live node, the node itself too (another insert may link to it already): it is left out of found below.
        Bits live = live(view, Bits.ALL);
        int start = descend(view, scores, prefetch, entry, level);
        seed(view, start, startScore, live, ef);
        for (int layer = Math.min(level, entry.level); ; layer--) {
            beam(view, layer, bottom, scores, prefetch, ef, live);
            found.clear();
            int count = results.size;
            if (unvisited.length < count) {
                unvisited = new int[count];
                scored = new float[count];
            }
            // Worst first off the heap, so filled from the end: found then takes them best first.
            for (int i = count - 1; i >= 0; i--) {
                unvisited[i] = results.nodes[0];
                scored[i] = results.scores[0];
                results.pop();
            }
            for (int i = 0; i < count; i++) {
                if (unvisited[i] != node) {
                    found.addInOrder(unvisited[i], scored[i]);
                }
            }
            linker.link(layer, found);
            if (layer == 0) {
                return;
            }
            // The layer below starts from everything this one found.
            newStamp(view.getIdUpperBound());
            candidates.clear();
            for (int i = 0; i < count; i++) {
                mark(unvisited[i]);
                candidates.push(unvisited[i], -scored[i]);
                offerResult(unvisited[i], scored[i], ef);
            }
        }
    }

    /** Greedy descent from the entry through the upper layers: the node from which the bottom layer's beam starts. */
    private int descend(ImmutableGraphIndex.View view, ScoreFunction scores, boolean prefetch, ImmutableGraphIndex.NodeAtLevel entry) {
        return descend(view, scores, prefetch, entry, 0);
    }

    /** Greedy descent from the entry through the layers above {@code lowest}: the node from which the beam on {@code lowest} starts. */
    private int descend(ImmutableGraphIndex.View view, ScoreFunction scores, boolean prefetch, ImmutableGraphIndex.NodeAtLevel entry,
                        int lowest) {
        int current = entry.node;
        float best = scores.similarityTo(current);
        for (int layer = entry.level; layer > lowest; layer--) {
            boolean moved = true;
            while (moved) {
                moved = false;
                // No marks: each step strictly improves, so the walk cannot cycle.
                int count = 0;
                for (NodesIterator it = view.getNeighborsIterator(layer, current); it.hasNext(); ) {
                    count = add(count, it.nextInt());
                }
                score(scores, prefetch, count);
                for (int i = 0; i < count; i++) {
                    int n = unvisited[i];
                    float s = scored[i];
                    if (s > best) {
                        best = s;
                        current = n;
                        moved = true;
                    }
                }
            }
        }
        startScore = best;
        return current;
    }

    /** Starts the bottom layer's walk from one node: its marks fresh, the node the only candidate (and result, if accepted). */
    private void seed(ImmutableGraphIndex.View view, int node, float score, Bits accept, int ef) {
        newStamp(view.getIdUpperBound());
        candidates.clear();
        results.clear();
        mark(node);
        candidates.push(node, -score);
        if (accept.get(node)) {
            offerResult(node, score, ef);
        }
    }

    /**
     * Expands candidates on a layer best first until the best left cannot improve the {@code ef}
     * results: every unvisited neighbour is scored, and routes the walk if it could enter the
     * results; it enters them only if {@code accept} takes it. The bottom layer's links come from
     * {@code bottom}, an upper one's (inserts only) from the view.
     */
    private void beam(ImmutableGraphIndex.View view, int layer, BottomLinks bottom, ScoreFunction scores, boolean prefetch, int ef,
                      Bits accept) {
        while (candidates.size > 0) {
            float score = -candidates.scores[0];
            int node = candidates.nodes[0];
            candidates.pop();
            if (results.size == ef && score < results.scores[0]) {
                break;
            }
            int count = 0;
            if (layer == 0) {
                for (NodesIterator it = bottom.of(node); it.hasNext(); ) {
                    int n = it.nextInt();
                    if (mark(n)) {
                        count = add(count, n);
                    }
                }
            } else {
                // A loop of its own, so that the calls above see only the bottom layer's kinds of
                // links (the heap graph's and the base's), two kinds, which C2 still inlines.
                for (NodesIterator it = view.getNeighborsIterator(layer, node); it.hasNext(); ) {
                    int n = it.nextInt();
                    if (mark(n)) {
                        count = add(count, n);
                    }
                }
            }
            score(scores, prefetch, count);
            for (int i = 0; i < count; i++) {
                int n = unvisited[i];
                float s = scored[i];
                if (results.size < ef || s > results.scores[0]) {
                    candidates.push(n, -s);
                    if (accept.get(n)) {
                        offerResult(n, s, ef);
                    }
                }
            }
        }
    }

    /** Jvector's results never include nodes its view marks deleted; nor do these. */
    private static Bits live(ImmutableGraphIndex.View view, Bits accept) {
        Bits live = view.liveNodes();
        return live == Bits.ALL ? accept : Bits.intersectionOf(accept, live);
    }

    private SearchResult.NodeScore[] best(int topK) {
        while (results.size > topK) {
            results.pop();
        }
        SearchResult.NodeScore[] out = new SearchResult.NodeScore[results.size];
        for (int i = out.length - 1; i >= 0; i--) {
            out[i] = new SearchResult.NodeScore(results.nodes[0], results.scores[0]);
            results.pop();
        }
        return out;
    }

    private int add(int count, int node) {
        if (count == unvisited.length) {
            unvisited = Arrays.copyOf(unvisited, 2 * count);
        }
        unvisited[count] = node;
        return count + 1;
    }

    /**
     * Scores unvisited[0, count) into scored[0, count). With {@code overlap} (the prefetch
     * toggle), the nodes' data is loaded ahead where the function prefetches, then scored three
     * at a time where it can; otherwise one by one. The scores are the same bits either way.
     */
    private void score(ScoreFunction scores, boolean overlap, int count) {
        if (scored.length < count) {
            scored = new float[unvisited.length];
        }
        int i = 0;
        if (overlap) {
            if (scores instanceof Prefetching p) {
                for (int j = 0; j < count; j++) {
                    p.prefetch(unvisited[j]);
                }
            }
            if (scores instanceof ScoringThree s) {
                for (; i + 3 <= count; i += 3) {
                    s.similaritiesTo(unvisited[i], unvisited[i + 1], unvisited[i + 2], three);
                    scored[i] = three[0];
                    scored[i + 1] = three[1];
                    scored[i + 2] = three[2];
                }
            }
        }
        for (; i < count; i++) {
            scored[i] = scores.similarityTo(unvisited[i]);
        }
    }

    private void newStamp(int idUpperBound) {
        if (marks.length < idUpperBound) {
            marks = new int[Math.max(idUpperBound, 2 * marks.length)];
            stamp = 0;
        }
        if (++stamp == 0) {
            Arrays.fill(marks, 0);
            stamp = 1;
        }
    }

    /** Marks the node visited; false if it already was. */
    private boolean mark(int node) {
        if (node >= marks.length) {
            // Published after the walk began (a concurrent insert): grow, keeping this walk's marks.
            marks = Arrays.copyOf(marks, Math.max(node + 1, 2 * marks.length));
        }
        if (marks[node] == stamp) {
            return false;
        }
        marks[node] = stamp;
        return true;
    }

    /** Adds to the results, evicting the worst when they hold ef already. */
    private void offerResult(int node, float score, int ef) {
        if (results.size == ef) {
            results.replaceTop(node, score);
        } else {
            results.push(node, score);
        }
    }

    /** A binary min-heap of (node, score) pairs in two arrays that grow as needed. */
    private static final class Heap {
        private float[] scores = new float[64];
        private int[] nodes = new int[64];
        private int size;

        void clear() {
            size = 0;
        }

        void push(int node, float score) {
            if (size == scores.length) {
                scores = Arrays.copyOf(scores, 2 * size);
                nodes = Arrays.copyOf(nodes, 2 * size);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (scores[parent] <= score) {
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
            replaceTop(nodes[size], scores[size]);
        }

        /** Puts (node, score) in the top's place and sifts it down to where it belongs. */
        void replaceTop(int node, float score) {
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && scores[child + 1] < scores[child]) {
                    child++;
                }
                if (score <= scores[child]) {
                    break;
                }
                scores[i] = scores[child];
                nodes[i] = nodes[child];
                i = child;
            }
            scores[i] = score;
            nodes[i] = node;
        }
    }
}
