package io.vexfs.core.index;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.NodeArray;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.graph.similarity.ScoreFunction;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The walk on a jvector graph, against exact answers and against jvector's own searcher, without AnnIndex around it. */
class GraphWalkTest {
    private static final int ROWS = 3_000;
    private static final int DIM = 16;
    private static final VectorTypeSupport VECTORS = VectorizationProvider.getInstance().getVectorTypeSupport();

    private static ForkJoinPool pool;
    private static float[][] rows;
    private static ListRandomAccessVectorValues values;
    private static GraphIndexBuilder builder;
    private static OnHeapGraphIndex graph;

    @BeforeAll
    static void build() {
        pool = new ForkJoinPool(2);
        Random random = new Random(7);
        rows = new float[ROWS][DIM];
        List<VectorFloat<?>> list = new ArrayList<>();
        for (float[] row : rows) {
            for (int i = 0; i < DIM; i++) {
                row[i] = random.nextFloat();
            }
            list.add(VECTORS.createFloatVector(row.clone()));
        }
        values = new ListRandomAccessVectorValues(list, DIM);
        builder = new GraphIndexBuilder(BuildScoreProvider.randomAccessScoreProvider(values, VectorSimilarityFunction.EUCLIDEAN),
                DIM, List.of(16, 8), 60, 1.2f, 1.2f, true, true, pool, pool);
        pool.submit(() -> IntStream.range(0, ROWS).parallel().forEach(n -> builder.addGraphNode(n, values.getVector(n)))).join();
        graph = (OnHeapGraphIndex) builder.getGraph();
    }

    @AfterAll
    static void close() throws Exception {
        builder.close();
        pool.shutdown();
    }

    @Test
    void aBeamAsWideAsTheGraphFindsTheExactNearest() {
        GraphWalk walk = new GraphWalk();
        Random random = new Random(11);
        for (int q = 0; q < 20; q++) {
            float[] query = randomQuery(random);
            SearchResult.NodeScore[] found = walk.search(graph.getView(), node -> graph.getNeighborsIterator(0, node), scores(query), true, 10, ROWS, Bits.ALL);
            assertArrayEquals(exact(query, 10, node -> true), nodes(found), "query " + q);
            for (int i = 1; i < found.length; i++) {
                assertTrue(found[i - 1].score >= found[i].score, "best first");
            }
        }
    }

    @Test
    void recallAtASmallBeamMatchesJvectorsSearcher() {
        GraphWalk walk = new GraphWalk();
        GraphSearcher searcher = new GraphSearcher(graph);
        Random random = new Random(13);
        int ours = 0;
        int theirs = 0;
        for (int q = 0; q < 200; q++) {
            float[] query = randomQuery(random);
            List<Integer> truth = Arrays.stream(exact(query, 10, node -> true)).boxed().toList();
            ours += hits(walk, graph, query, q % 2 == 0, truth);
            for (SearchResult.NodeScore n : searcher.search(new DefaultSearchScoreProvider(scores(query)), 10, 20, 0f, 0f, Bits.ALL).getNodes()) {
                theirs += truth.contains(n.node) ? 1 : 0;
            }
        }
        // Same graph, same beam: the walk must find what jvector finds, within a point or two of recall.
        assertTrue(ours >= theirs - 40, "walk " + ours + " of 2000, jvector " + theirs);
        assertTrue(ours >= 0.9 * 2000, "walk recall " + ours / 2000.0);
    }

    @Test
    void onlyAcceptedLiveNodesAreReturnedWhileEveryNodeRoutes() {
        GraphWalk walk = new GraphWalk();
        Random random = new Random(17);
        int deleted = 6;
        builder.markNodeDeleted(deleted);
        try {
            for (int q = 0; q < 20; q++) {
                float[] query = q == 0 ? rows[deleted].clone() : randomQuery(random);
                Bits odd = node -> node % 2 == 1;
                int[] found = nodes(walk.search(graph.getView(), node -> graph.getNeighborsIterator(0, node), scores(query), true, 10, ROWS, odd));
                assertArrayEquals(exact(query, 10, node -> node % 2 == 1 && node != deleted), found, "query " + q);
                // Only 1 node in 7 accepted: routing goes through rejected ones, and still finds all k.
                Bits sevenths = node -> node % 7 == 3;
                int[] sparse = nodes(walk.search(graph.getView(), node -> graph.getNeighborsIterator(0, node), scores(query), true, 5, 400, sevenths));
                assertEquals(5, sparse.length);
                assertTrue(Arrays.stream(sparse).allMatch(node -> node % 7 == 3), Arrays.toString(sparse));
            }
        } finally {
            // jvector's builder has no unmark: clearing the bit puts node 6 back for the other tests.
            graph.getDeletedNodes().clear(deleted);
        }
    }

    @Test
    void aGraphLinkedThroughTheWalksInsertsRecallsAsJvectorsOwnBuildDoes() throws Exception {
        GraphIndexBuilder linker = new GraphIndexBuilder(BuildScoreProvider.randomAccessScoreProvider(values, VectorSimilarityFunction.EUCLIDEAN),
                DIM, List.of(16, 8), 60, 1.2f, 1.2f, true, true, pool, pool);
        try {
            OnHeapGraphIndex linked = (OnHeapGraphIndex) linker.getGraph();
            GraphWalk walk = new GraphWalk();
            NodeArray found = new NodeArray(60);
            Random levels = new Random(19);
            for (int node = 0; node < ROWS; node++) {
                int self = node;
                var at = new ImmutableGraphIndex.NodeAtLevel((int) (-Math.log(1 - levels.nextDouble()) / Math.log(16)), node);
                ImmutableGraphIndex.NodeAtLevel entry = linked.getView().entryNode();
                linked.addNode(at);
                List<Integer> layers = new ArrayList<>();
                walk.insert(linked.getView(), n -> linked.getNeighborsIterator(0, n), scores(rows[node]), node % 2 == 0, 60, node,
                        at.level, found, (layer, candidates) -> {
                            layers.add(layer);
                            for (int i = 0; i < candidates.size(); i++) {
                                assertTrue(candidates.getNode(i) != self, "a node is never its own candidate");
                                assertTrue(i == 0 || candidates.getScore(i - 1) >= candidates.getScore(i), "best first");
                            }
                            linked.addEdges(layer, self, candidates, 1.2f);
                        });
                linked.markComplete(at);
                // From the node's own top layer (or the graph's, if lower) down to the bottom, each once.
                List<Integer> expected = entry == null ? List.of()
                        : IntStream.iterate(Math.min(at.level, entry.level), l -> l >= 0, l -> l - 1).boxed().toList();
                assertEquals(expected, layers, "node " + node);
            }
            assertEquals(ROWS, linked.size(0));
            Random random = new Random(23);
            int walked = 0;
            int jvectors = 0;
            for (int q = 0; q < 200; q++) {
                float[] query = randomQuery(random);
                List<Integer> truth = Arrays.stream(exact(query, 10, node -> true)).boxed().toList();
                walked += hits(walk, linked, query, true, truth);
                jvectors += hits(walk, graph, query, true, truth);
            }
            // Inserted the same way (one at a time here, in parallel there): within a point or two of recall.
            assertTrue(walked >= jvectors - 40, "linked through the walk " + walked + " of 2000, by jvector's builder " + jvectors);
            assertTrue(walked >= 0.9 * 2000, "recall " + walked / 2000.0);
        } finally {
            linker.close();
        }
    }

    /** How many of the walk's 10 best at a beam of 20 on {@code g} are in {@code truth}. */
    private static int hits(GraphWalk walk, OnHeapGraphIndex g, float[] query, boolean prefetch, List<Integer> truth) {
        int hits = 0;
        for (int node : nodes(walk.search(g.getView(), n -> g.getNeighborsIterator(0, n), scores(query), prefetch, 10, 20, Bits.ALL))) {
            hits += truth.contains(node) ? 1 : 0;
        }
        return hits;
    }

    private static float[] randomQuery(Random random) {
        float[] query = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            query[i] = random.nextFloat();
        }
        return query;
    }

    private static ScoreFunction.ExactScoreFunction scores(float[] query) {
        return node -> 1f / (1f + squaredL2(query, rows[node]));
    }

    private static float squaredL2(float[] a, float[] b) {
        float sum = 0f;
        for (int i = 0; i < a.length; i++) {
            float d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    private static int[] exact(float[] query, int k, java.util.function.IntPredicate accept) {
        return IntStream.range(0, ROWS).filter(accept).boxed()
                .sorted(Comparator.comparingDouble((Integer n) -> squaredL2(query, rows[n])).thenComparingInt(n -> n))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static int[] nodes(SearchResult.NodeScore[] found) {
        return Arrays.stream(found).mapToInt(n -> n.node).toArray();
    }
}
