package io.vexfs.core.index;

import io.vexfs.core.search.Metric;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * One HNSW graph (Malkov and Yashunin, 2016): the writer's side, which inserts and removes, and
 * the layer searches both the writer and readers run. Not thread-safe itself: one writer at a
 * time; readers only ever go through a published {@link View}.
 */
final class HnswGraph {
    /**
     * What a reader may see: nodes [0, size) of {@code nodes} and where to enter. Nodes at or past
     * {@code size} may already sit in neighbour lists; readers skip them. {@code entryNode} is -1
     * in an empty graph.
     */
    record View(NodeTable nodes, int size, int live, int entryNode, int entryLevel) {
    }

    private final HnswParams params;
    /** 1 / ln(m): the paper's mL, so each layer up holds about 1/m of the nodes below. */
    private final double levelFactor;
    private final LongIntMap nodesById = new LongIntMap();
    private NodeTable nodes;
    private int size;
    private int live;
    private int entryNode = -1;
    private int entryLevel = -1;
    /** Candidates in ascending score, refilled for each neighbour selection. */
    private int[] orderedNodes = new int[0];
    private float[] orderedScores = new float[0];
    private int[] selected = new int[0];

    HnswGraph(Metric metric, int dim, HnswParams params, int capacity) {
        this.params = params;
        this.levelFactor = 1.0 / Math.log(params.m());
        this.nodes = new NodeTable(metric, dim, Math.max(16, capacity));
    }

    View view() {
        return new View(nodes, size, live, entryNode, entryLevel);
    }

    int size() {
        return size;
    }

    int live() {
        return live;
    }

    /** Inserts a vector as a new node and links it into every layer up to its level, or files it as a duplicate. */
    void add(long id, float[] values, int offset) {
        int existing = nodesById.get(id);
        if (existing >= 0 && !nodes.isRemoved(existing)) {
            throw new IllegalArgumentException("id " + id + " is already in the index");
        }
        int level = levelOf(id);
        if (size == nodes.capacity()) {
            nodes = nodes.grown();
        }
        int node = size;
        nodes.set(node, id, values, offset, level);
        boolean linked = entryNode < 0 || link(node, level, values, offset);
        size++;
        live++;
        nodesById.put(id, node);
        if (linked && level > entryLevel) {
            entryNode = node;
            entryLevel = level;
        }
    }

    /**
     * Finds the node's neighbours on every layer from the top down, each layer's search starting
     * at the nearest node of the layer above, then links it both ways. When the nearest node on
     * layer 0 holds a bit-identical vector, the node is filed as its duplicate and not linked:
     * many copies of one vector would otherwise fill each other's lists (to the heuristic every
     * copy is as diverse as the first) and become a cluster searches cannot leave.
     *
     * @return false when filed as a duplicate
     */
    private boolean link(int node, int level, float[] values, int offset) {
        float inverseNorm = nodes.inverseNorm(node);
        SearchScratch scratch = SearchScratch.forThisThread();
        int current = descend(nodes, size, values, offset, inverseNorm, entryNode, entryLevel, level + 1);
        int top = Math.min(level, entryLevel);
        int[][] chosen = new int[top + 1][];
        for (int layer = top; layer >= 0; layer--) {
            searchLayer(nodes, size, values, offset, inverseNorm, current, params.efConstruction(), layer, null, scratch);
            int count = drainAscending(scratch.results);
            current = orderedNodes[0];
            if (layer == 0 && nodes.sameVector(current, node)) {
                nodes.addDuplicate(current, node);
                return false;
            }
            chosen[layer] = selectNeighbours(count, params.m());
        }
        for (int layer = top; layer >= 0; layer--) {
            nodes.setLinks(node, layer, chosen[layer]);
            for (int neighbour : chosen[layer]) {
                connect(neighbour, node, layer, scratch.results);
            }
        }
        return true;
    }

    /** Adds {@code node} to the neighbours of {@code target}, pruning them with the heuristic when full. */
    private void connect(int target, int node, int layer, NodeHeap heap) {
        int[] old = nodes.links(target, layer);
        int limit = layer == 0 ? 2 * params.m() : params.m();
        if (old.length < limit) {
            int[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = node;
            nodes.setLinks(target, layer, grown);
            return;
        }
        heap.clear();
        heap.push(nodes.score(target, node), node);
        for (int neighbour : old) {
            heap.push(nodes.score(target, neighbour), neighbour);
        }
        nodes.setLinks(target, layer, selectNeighbours(drainAscending(heap), limit));
    }

    /**
     * The paper's heuristic (algorithm 4), over orderedNodes[0, count): a candidate is kept only
     * if it is nearer the base than to every neighbour kept before it, so the links spread in
     * different directions instead of crowding into one cluster.
     */
    private int[] selectNeighbours(int count, int max) {
        if (selected.length < max) {
            selected = new int[max];
        }
        int kept = 0;
        for (int i = 0; i < count && kept < max; i++) {
            int candidate = orderedNodes[i];
            float toBase = orderedScores[i];
            boolean diverse = true;
            for (int j = 0; j < kept && diverse; j++) {
                diverse = nodes.score(candidate, selected[j]) >= toBase;
            }
            if (diverse) {
                selected[kept++] = candidate;
            }
        }
        return Arrays.copyOf(selected, kept);
    }

    /** Empties a largest-on-top heap into orderedNodes/orderedScores, nearest first; returns the count. */
    private int drainAscending(NodeHeap heap) {
        int count = heap.size();
        if (orderedNodes.length < count) {
            orderedNodes = new int[count];
            orderedScores = new float[count];
        }
        for (int i = count - 1; i >= 0; i--) {
            orderedNodes[i] = heap.topNode();
            orderedScores[i] = heap.topScore();
            heap.pop();
        }
        return count;
    }

    /** Tombstones the live node of {@code id}: it keeps routing searches but is never returned. */
    boolean remove(long id) {
        int node = nodesById.get(id);
        if (node < 0 || nodes.isRemoved(node)) {
            return false;
        }
        nodes.markRemoved(node);
        live--;
        return true;
    }

    /** A new graph of the live nodes only, inserted in their old order, so the same state rebuilds the same graph. */
    HnswGraph rebuilt() {
        HnswGraph fresh = new HnswGraph(nodes.metric, nodes.dim, params, live);
        for (int node = 0; node < size; node++) {
            if (!nodes.isRemoved(node)) {
                fresh.add(nodes.id(node), nodes.vector(node), nodes.offset(node));
            }
        }
        return fresh;
    }

    /**
     * A node's level depends only on the seed and its id, not on the insertion order, so a
     * rebuild keeps every node on its layers: floor(-ln(u) * mL) for u uniform in (0, 1].
     */
    private int levelOf(long id) {
        double u = 1.0 - new SplittableRandom(params.seed() ^ id).nextDouble();
        return (int) (-Math.log(u) * levelFactor);
    }

    /** Greedy descent from {@code entry} on layers fromLayer down to toLayer: the nearest node found. */
    static int descend(NodeTable nodes, int bound, float[] query, int qOffset, float qInverseNorm,
                       int entry, int fromLayer, int toLayer) {
        int current = entry;
        float best = nodes.score(query, qOffset, qInverseNorm, current);
        for (int layer = fromLayer; layer >= toLayer; layer--) {
            boolean improved = true;
            while (improved) {
                improved = false;
                for (int neighbour : nodes.links(current, layer)) {
                    if (neighbour < bound) {
                        float score = nodes.score(query, qOffset, qInverseNorm, neighbour);
                        if (score < best) {
                            best = score;
                            current = neighbour;
                            improved = true;
                        }
                    }
                }
            }
        }
        return current;
    }

    /**
     * The paper's beam search (algorithm 2) on one layer: leaves the best {@code ef} accepted
     * nodes in scratch.results. Every node is traversed; a node is accepted only if it is not
     * removed and {@code include} accepts its id, and then its duplicates are offered too. A null
     * {@code include} is the build: graph nodes only, removed ones included, since they still route.
     */
    static void searchLayer(NodeTable nodes, int bound, float[] query, int qOffset, float qInverseNorm,
                            int entry, int ef, int layer, LongPredicate include, SearchScratch scratch) {
        VisitedSet visited = scratch.visited;
        NodeHeap candidates = scratch.candidates;
        NodeHeap results = scratch.results;
        visited.reset(bound);
        candidates.clear();
        results.clear();
        float entryScore = nodes.score(query, qOffset, qInverseNorm, entry);
        visited.add(entry);
        candidates.push(entryScore, entry);
        offer(nodes, bound, entry, entryScore, ef, include, results);
        while (!candidates.isEmpty()) {
            int current = candidates.topNode();
            if (results.size() >= ef && candidates.topScore() > results.topScore()) {
                break;
            }
            candidates.pop();
            for (int neighbour : nodes.links(current, layer)) {
                if (neighbour >= bound || !visited.add(neighbour)) {
                    continue;
                }
                float score = nodes.score(query, qOffset, qInverseNorm, neighbour);
                if (results.size() < ef || score < results.topScore()) {
                    candidates.push(score, neighbour);
                    offer(nodes, bound, neighbour, score, ef, include, results);
                }
            }
        }
    }

    /** Adds the node, and in a query its duplicates (same score), to the results if accepted, keeping the best ef. */
    private static void offer(NodeTable nodes, int bound, int node, float score, int ef, LongPredicate include, NodeHeap results) {
        if (include == null) {
            results.push(score, node);
        } else {
            if (accepts(nodes, node, include)) {
                results.push(score, node);
            }
            int[] duplicates = nodes.duplicatesOf(node);
            if (duplicates != null) {
                for (int duplicate : duplicates) {
                    if (duplicate < bound && accepts(nodes, duplicate, include)) {
                        results.push(score, duplicate);
                    }
                }
            }
        }
        while (results.size() > ef) {
            results.pop();
        }
    }

    private static boolean accepts(NodeTable nodes, int node, LongPredicate include) {
        return !nodes.isRemoved(node) && include.test(nodes.id(node));
    }
}
