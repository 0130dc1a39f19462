package io.vexfs.core.index;

import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Scalar quantization to one byte a dimension ({@code quantization = int8}): every value is
 * rounded to the nearest point of one evenly spaced grid, the same for all dimensions, so the
 * distance between two rows of codes is an exact int ({@link VectorKernels#squaredDistanceCodes},
 * {@link VectorKernels#dotCodes}) and {@code step^2} times it estimates the float one. A row of
 * codes is a quarter of the float row's bytes: a graph walk over rows scattered in memory waits
 * for a quarter of the cache lines.
 *
 * <p>For l2 the grid is 128 points (codes 0 to 127) from {@code low}: a difference of two codes
 * squared fits the kernels' 16-bit lanes. For dot and cosine it is 255 points symmetric about 0
 * (codes -127 to 127), so a dot product of codes needs no correction for an offset. The grid spans
 * the sample's values but for one in {@link #CLAMPED} at each end, which are clamped: a few
 * outliers would otherwise stretch the step for every value. (Lucene clamps 1 / (dim + 1) of them;
 * on 32 gaussian dimensions that cost 1.5 to 3 points of recall@10 against the walk on full
 * vectors, a clamped value's error being up to its distance past the grid.) The estimates only
 * route the walk; its best candidates are re-ranked on their full vectors.
 *
 * <p>A row of codes is padded with zero codes to a multiple of {@link #ROW_MULTIPLE} bytes, and so
 * is a query's: a zero adds nothing to either sum, and the kernels then have no remainder to add
 * one code at a time (784 dimensions: 800 bytes a row).
 */
final class ScalarCodes implements Quantizer {
    /** Values at most a training sample sorts to find its quantiles. */
    private static final int TRAIN_VALUES = 1 << 20;
    private static final int SERIALIZED_BYTES = 2 * Float.BYTES;
    private static final int MAX_CODE = 127;
    /** Rows of codes are padded to a multiple of this many bytes: two steps of the kernels on AVX2. */
    static final int ROW_MULTIPLE = 32;
    /** Values of a training sample in one left outside the grid at each end. */
    private static final int CLAMPED = 10_000;

    private final Metric metric;
    private final int dim;
    private final int rowBytes;
    /** The value of code 0 (l2), or 0 (dot, cosine: the grid is symmetric). */
    private final float low;
    /** The grid's spacing: the value between two neighbouring codes. */
    private final float step;
    private final float inverseStep;
    /** The lowest code: 0 for l2, -127 for dot and cosine (whose grid is symmetric); the highest is always 127. */
    private final int minCode;

    private ScalarCodes(Metric metric, int dim, float low, float step) {
        if (!Float.isFinite(low) || !(step > 0f) || !Float.isFinite(step)) {
            throw new CorruptIndexException("scalar codes with low " + low + " and step " + step + " are not a grid");
        }
        this.metric = metric;
        this.dim = dim;
        this.rowBytes = rowBytes(dim);
        this.low = metric == Metric.L2 ? low : 0f;
        this.step = step;
        this.inverseStep = 1f / step;
        this.minCode = metric == Metric.L2 ? 0 : -127;
    }

    /**
     * The grid for {@code sample}'s values: up to {@link #TRAIN_VALUES} of them from rows evenly
     * spaced through it.
     *
     * @throws IllegalArgumentException if the sample is empty
     */
    static ScalarCodes train(Metric metric, RandomAccessVectorValues sample) {
        int dim = sample.dimension();
        int rows = sample.size();
        if (rows == 0) {
            throw new IllegalArgumentException("no vectors to train scalar codes on");
        }
        int used = Math.clamp(TRAIN_VALUES / dim, 1, rows);
        float[] values = new float[used * dim];
        for (int r = 0; r < used; r++) {
            VectorFloat<?> row = sample.getVector((int) ((long) r * rows / used));
            for (int i = 0; i < dim; i++) {
                values[r * dim + i] = row.get(i);
            }
        }
        Arrays.sort(values);
        int tail = values.length / CLAMPED;
        float lowest = values[tail];
        float highest = values[values.length - 1 - tail];
        if (metric == Metric.L2) {
            return new ScalarCodes(metric, dim, lowest, spacing((highest - lowest) / 127f));
        }
        return new ScalarCodes(metric, dim, 0f, spacing(Math.max(Math.abs(lowest), Math.abs(highest)) / 127f));
    }

    /** A usable step: values all equal give a span of 0, and every code is then the same. */
    private static float spacing(float step) {
        return step > Float.MIN_NORMAL ? step : 1f;
    }

    /** Bytes of codes a row of {@code dim} values takes: dim, padded to a multiple of {@link #ROW_MULTIPLE}. */
    static int rowBytes(int dim) {
        return (dim + ROW_MULTIPLE - 1) / ROW_MULTIPLE * ROW_MULTIPLE;
    }

    @Override
    public int codeBytes() {
        return rowBytes;
    }

    @Override
    public void encode(float[] row, byte[] dest, int at) {
        encode(row, 0, dest, at);
    }

    /** The codes of row[offset, offset + dim) into dest[at, at + codeBytes()), zeros after the dim-th. */
    void encode(float[] row, int offset, byte[] dest, int at) {
        for (int i = 0; i < dim; i++) {
            dest[at + i] = (byte) code(row[offset + i]);
        }
        Arrays.fill(dest, at + dim, at + rowBytes, (byte) 0);
    }

    /** A query's codes, widened to shorts as the kernels take them, into dest[0, codeBytes()), zeros after the dim-th. */
    void encodeQuery(float[] query, int offset, short[] dest) {
        for (int i = 0; i < dim; i++) {
            dest[i] = (short) code(query[offset + i]);
        }
        Arrays.fill(dest, dim, rowBytes, (short) 0);
    }

    /** The grid point nearest to {@code value}, clamped to the grid: every code is in the kernels' range. */
    private int code(float value) {
        // NaN cannot reach here: stored vectors and queries are refused with one.
        return Math.clamp(Math.round((value - low) * inverseStep), minCode, MAX_CODE);
    }

    /**
     * The estimate of the squared distance (l2) or the dot product (dot, cosine: of the vectors as
     * stored, not normalised) for codes whose kernel result is {@code raw}.
     */
    float estimate(int raw) {
        return raw * step * step;
    }

    @Override
    public long quantizerBytes() {
        return SERIALIZED_BYTES;
    }

    @Override
    public byte[] serialized() {
        return ByteBuffer.allocate(SERIALIZED_BYTES).putFloat(low).putFloat(step).array();
    }

    /**
     * Scalar codes {@link #serialized} wrote, for vectors of {@code dim} compared by {@code metric}.
     *
     * @throws CorruptIndexException if the bytes do not hold a grid
     */
    static ScalarCodes deserialize(byte[] bytes, Metric metric, int dim) {
        if (bytes.length != SERIALIZED_BYTES) {
            throw new CorruptIndexException("scalar codes are described in " + SERIALIZED_BYTES + " bytes, not " + bytes.length);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return new ScalarCodes(metric, dim, in.getFloat(), in.getFloat());
    }

    @Override
    public String toString() {
        return "int8 codes from " + low + " by " + step;
    }
}
