package io.vexfs.core.index;

import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.NodesIterator;
import io.github.jbellis.jvector.graph.similarity.ScoreFunction;
import io.github.jbellis.jvector.util.Bits;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A graph searched where {@link AnnIndex#write} stored it: its links are read from the mapped
 * index file, through a table of where each node's list starts on each level (8 bytes a node on
 * the bottom level, far fewer above), so a remount answers without building jvector's on-heap
 * graph, and the heap holds none of the links. Read-only: an index inserts beside it, into
 * jvector's on-heap graph. The base owns the mapping until {@link #close}.
 */
final class MappedGraph implements ImmutableGraphIndex {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** A link: the neighbour (int) and its similarity (float). */
    private static final int LINK_BYTES = Integer.BYTES + Float.BYTES;

    private final Arena arena;
    private final MemorySegment file;
    private final int idUpperBound;
    private final int dimension;
    /** bottom[node]: where the node's degree lies on level 0, or -1. */
    private final long[] bottom;
    private final int bottomCount;
    /** For each level above 0: its nodes ascending, and where each one's degree lies. */
    private final int[][] upperNodes;
    private final long[][] upperStarts;
    private final List<Integer> maxDegrees;
    private final NodeAtLevel entry;
    private final View view = new MappedView();

    /**
     * @param starts starts[level][i]: where the degree of node nodes[level][i] lies in {@code file}
     */
    MappedGraph(Arena arena, MemorySegment file, int idUpperBound, int dimension, int[][] nodes, long[][] starts,
                List<Integer> maxDegrees, NodeAtLevel entry) {
        this.arena = arena;
        this.file = file;
        this.idUpperBound = idUpperBound;
        this.dimension = dimension;
        this.maxDegrees = maxDegrees;
        this.entry = entry;
        this.bottom = new long[idUpperBound];
        Arrays.fill(bottom, -1);
        if (nodes.length > 0) {
            for (int i = 0; i < nodes[0].length; i++) {
                bottom[nodes[0][i]] = starts[0][i];
            }
        }
        this.bottomCount = nodes.length == 0 ? 0 : nodes[0].length;
        int upper = Math.max(0, nodes.length - 1);
        this.upperNodes = new int[upper][];
        this.upperStarts = new long[upper][];
        for (int level = 1; level < nodes.length; level++) {
            int[] order = sortedOrder(nodes[level]);
            upperNodes[level - 1] = new int[order.length];
            upperStarts[level - 1] = new long[order.length];
            for (int i = 0; i < order.length; i++) {
                upperNodes[level - 1][i] = nodes[level][order[i]];
                upperStarts[level - 1][i] = starts[level][order[i]];
            }
        }
    }

    private static int[] sortedOrder(int[] nodes) {
        return java.util.stream.IntStream.range(0, nodes.length).boxed()
                .sorted((a, b) -> Integer.compare(nodes[a], nodes[b])).mapToInt(Integer::intValue).toArray();
    }

    /** Where node's degree lies on level, or -1 if it is not on that level. */
    long start(int level, int node) {
        if (level == 0) {
            return node >= 0 && node < bottom.length ? bottom[node] : -1;
        }
        if (level > upperNodes.length) {
            return -1;
        }
        int i = Arrays.binarySearch(upperNodes[level - 1], node);
        return i < 0 ? -1 : upperStarts[level - 1][i];
    }

    int degreeAt(long start) {
        return file.get(INT_LE, start);
    }

    int neighbourAt(long start, int i) {
        return file.get(INT_LE, start + Integer.BYTES + (long) i * LINK_BYTES);
    }

    float similarityAt(long start, int i) {
        return Float.intBitsToFloat(file.get(INT_LE, start + Integer.BYTES + (long) i * LINK_BYTES + Integer.BYTES));
    }

    /** The nodes of a level, ascending. */
    int[] nodesAt(int level) {
        if (level == 0) {
            return java.util.stream.IntStream.range(0, bottom.length).filter(n -> bottom[n] >= 0).toArray();
        }
        return level > upperNodes.length ? new int[0] : upperNodes[level - 1].clone();
    }

    @Override
    public NodesIterator getNodes(int level) {
        int[] nodes = nodesAt(level);
        return new NodesIterator.ArrayNodesIterator(nodes, nodes.length);
    }

    @Override
    public View getView() {
        return view;
    }

    @Override
    public int maxDegree() {
        return maxDegrees.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    @Override
    public List<Integer> maxDegrees() {
        return maxDegrees;
    }

    @Override
    public int getDimension() {
        return dimension;
    }

    @Override
    public int getIdUpperBound() {
        return idUpperBound;
    }

    @Override
    public boolean containsNode(int node) {
        return start(0, node) >= 0;
    }

    @Override
    public boolean isHierarchical() {
        return true;
    }

    @Override
    public int getMaxLevel() {
        return Math.max(0, levels() - 1);
    }

    /** Levels stored, the bottom one included (0 for an empty graph). */
    int levels() {
        return bottomCount == 0 && upperNodes.length == 0 ? 0 : upperNodes.length + 1;
    }

    @Override
    public int getDegree(int level) {
        return level < maxDegrees.size() ? maxDegrees.get(level) : maxDegrees.getLast();
    }

    @Override
    public double getAverageDegree(int level) {
        int[] nodes = nodesAt(level);
        long links = 0;
        for (int node : nodes) {
            links += degreeAt(start(level, node));
        }
        return nodes.length == 0 ? 0 : (double) links / nodes.length;
    }

    @Override
    public int size(int level) {
        if (level == 0) {
            return bottomCount;
        }
        return level > upperNodes.length ? 0 : upperNodes[level - 1].length;
    }

    /** The heap this takes: the tables of where lists start (the links themselves are mapped). */
    @Override
    public long ramBytesUsed() {
        long bytes = (long) bottom.length * Long.BYTES;
        for (int i = 0; i < upperNodes.length; i++) {
            bytes += (long) upperNodes[i].length * (Integer.BYTES + Long.BYTES);
        }
        return bytes;
    }

    /** Unmaps the file: only once no search can be reading it. */
    @Override
    public void close() {
        arena.close();
    }

    private final class MappedView implements View {
        @Override
        public NodesIterator getNeighborsIterator(int level, int node) {
            long start = start(level, node);
            if (start < 0) {
                return NodesIterator.EMPTY_NODE_ITERATOR;
            }
            int degree = degreeAt(start);
            return new NodesIterator() {
                private int next;

                @Override
                public int size() {
                    return degree;
                }

                @Override
                public boolean hasNext() {
                    return next < degree;
                }

                @Override
                public int nextInt() {
                    return neighbourAt(start, next++);
                }
            };
        }

        @Override
        public void processNeighbors(int level, int node, ScoreFunction scoreFunction, IntMarker visited,
                                     NeighborProcessor neighborProcessor) {
            long start = start(level, node);
            if (start < 0) {
                return;
            }
            int degree = degreeAt(start);
            for (int i = 0; i < degree; i++) {
                int neighbour = neighbourAt(start, i);
                if (visited.mark(neighbour)) {
                    neighborProcessor.process(neighbour, scoreFunction.similarityTo(neighbour));
                }
            }
        }

        @Override
        public int size() {
            return MappedGraph.this.size(0);
        }

        @Override
        public NodeAtLevel entryNode() {
            return entry;
        }

        /** Every node in the file is in the graph (deleted ones were purged before it was written); removed rows are filtered by the index. */
        @Override
        public Bits liveNodes() {
            return Bits.ALL;
        }

        @Override
        public int getIdUpperBound() {
            return idUpperBound;
        }

        @Override
        public boolean contains(int level, int node) {
            return start(level, node) >= 0;
        }

        @Override
        public void close() {
        }
    }
}
