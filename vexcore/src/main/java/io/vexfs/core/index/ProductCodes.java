package io.vexfs.core.index;

import io.github.jbellis.jvector.disk.ByteBufferIndexWriter;
import io.github.jbellis.jvector.disk.ByteBufferReader;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.quantization.ProductQuantization;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.ByteSequence;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import io.vexfs.core.search.Metric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ForkJoinPool;

/**
 * A product quantizer (jvector's {@link ProductQuantization}: k-means codebooks of 256 centroids
 * for each of {@code subspaces} slices of the vector) and the scores searches compute from its
 * codes: per query, a table of the query slice's squared distance (l2) or dot product (cosine,
 * dot) to every centroid, then per node one lookup a subspace, summed. The table is built by our
 * kernels from a copy of the codebooks; jvector trains, encodes and serialises.
 */
final class ProductCodes implements Quantizer {
    static final int CLUSTERS = 256;
    /** The version of jvector's serialisation {@link #serialized} writes (its magic, version and anisotropy included). */
    private static final int PQ_FORMAT = 3;
    private static final float UNWEIGHTED = -1f;
    private static final VectorTypeSupport VECTOR_TYPES = VectorizationProvider.getInstance().getVectorTypeSupport();

    private final ProductQuantization pq;
    private final int dim;
    private final int[] sizes;
    private final int[] offsets;
    /** codebooks[m][c * sizes[m] + i]: coordinate i of centroid c of subspace m. */
    private final float[][] codebooks;

    private ProductCodes(ProductQuantization pq) {
        this.pq = pq;
        this.dim = pq.getOriginalDimension();
        int subspaces = pq.getSubspaceCount();
        if (pq.getClusterCount() != CLUSTERS || pq.getGlobalCentroid() != null) {
            throw new CorruptIndexException("a product quantizer of " + pq.getClusterCount() + " centroids"
                    + (pq.getGlobalCentroid() != null ? ", centred," : "") + " is not one this index trains");
        }
        this.sizes = new int[subspaces];
        this.offsets = new int[subspaces];
        this.codebooks = new float[subspaces][];
        int offset = 0;
        for (int m = 0; m < subspaces; m++) {
            sizes[m] = pq.getSubvectorSize(m);
            offsets[m] = offset;
            offset += sizes[m];
            VectorFloat<?> codebook = pq.getCodebookVector(m);
            codebooks[m] = new float[codebook.length()];
            for (int i = 0; i < codebooks[m].length; i++) {
                codebooks[m][i] = codebook.get(i);
            }
        }
        if (offset != dim) {
            throw new CorruptIndexException("product quantizer subspaces cover " + offset + " of " + dim + " dimensions");
        }
    }

    /**
     * Trains on {@code sample}, on the pool's threads; the vectors are not centred, so dot products stay those of the vectors.
     *
     * @throws IllegalArgumentException if the sample holds fewer than 256 vectors or subspaces exceeds the dimension
     */
    static ProductCodes train(RandomAccessVectorValues sample, int subspaces, ForkJoinPool pool) {
        return new ProductCodes(ProductQuantization.compute(sample, subspaces, CLUSTERS, false, UNWEIGHTED, pool, pool));
    }

    int subspaces() {
        return sizes.length;
    }

    @Override
    public int codeBytes() {
        return sizes.length;
    }

    /** The codes of {@code row} into dest[at, at + subspaces). */
    @Override
    public void encode(float[] row, byte[] dest, int at) {
        ByteSequence<?> codes = pq.encode(VECTOR_TYPES.createFloatVector(row));
        for (int m = 0; m < sizes.length; m++) {
            dest[at + m] = codes.get(m);
        }
    }

    /**
     * Fills table[m * 256 + c] with the squared distance (l2) or the dot product (cosine, dot)
     * of query[offset + slice m] and centroid c of subspace m.
     */
    void fillTable(Metric metric, float[] query, int offset, float[] table) {
        boolean l2 = metric == Metric.L2;
        for (int m = 0; m < sizes.length; m++) {
            int size = sizes[m];
            float[] codebook = codebooks[m];
            int q = offset + offsets[m];
            // Slices are a few floats: plain loops, not a kernel call for each centroid.
            for (int c = 0, at = 0, row = m * CLUSTERS; c < CLUSTERS; c++, row++) {
                float sum = 0f;
                for (int i = 0; i < size; i++, at++) {
                    float x = query[q + i];
                    float y = codebook[at];
                    sum += l2 ? (x - y) * (x - y) : x * y;
                }
                table[row] = sum;
            }
        }
    }

    /** The table's estimate for the node whose codes are codes[at, at + subspaces): a sum of one entry a subspace. */
    static float estimate(float[] table, byte[] codes, int at, int subspaces) {
        float sum = 0f;
        for (int m = 0, row = 0; m < subspaces; m++, row += CLUSTERS) {
            sum += table[row + (codes[at + m] & 0xFF)];
        }
        return sum;
    }

    /** The heap the codebooks take (twice: jvector's and the table's copy). */
    @Override
    public long quantizerBytes() {
        return 2L * dim * CLUSTERS * Float.BYTES;
    }

    /** jvector's serialisation of the quantizer. */
    @Override
    public byte[] serialized() {
        ByteBuffer buffer = ByteBuffer.allocate(pq.compressorSize());
        try (ByteBufferIndexWriter out = new ByteBufferIndexWriter(buffer)) {
            pq.write(out, PQ_FORMAT);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a buffer in memory", e);
        }
        if (buffer.hasRemaining()) {
            throw new IllegalStateException("jvector wrote " + buffer.position() + " of the " + buffer.capacity()
                    + " bytes it said a quantizer takes");
        }
        return buffer.array();
    }

    /**
     * A quantizer {@link #serialized} wrote, for vectors of {@code dim}.
     *
     * @throws CorruptIndexException if the bytes do not hold one of that shape
     */
    static ProductCodes deserialize(byte[] bytes, int dim, int subspaces) {
        ProductQuantization pq;
        try (ByteBufferReader in = new ByteBufferReader(ByteBuffer.wrap(bytes))) {
            pq = ProductQuantization.load(in);
        } catch (IOException | RuntimeException e) {
            throw new CorruptIndexException("the product quantizer does not read back: " + e);
        }
        if (pq.getOriginalDimension() != dim || pq.getSubspaceCount() != subspaces) {
            throw new CorruptIndexException("the product quantizer has " + pq.getSubspaceCount() + " subspaces of "
                    + pq.getOriginalDimension() + " dimensions, not " + subspaces + " of " + dim);
        }
        return new ProductCodes(pq);
    }
}
