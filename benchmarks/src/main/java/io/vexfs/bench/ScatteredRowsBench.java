package io.vexfs.bench;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a graph walk pays per neighbour: one query against rows picked at random from a block
 * far larger than the caches (256 MiB of native memory, as a mapped segment is), so nearly every
 * row is a cache miss. {@code oneByOne} scores them with the single-row kernel, {@code threeAtOnce}
 * with {@link VectorKernels#squaredL2Three}, which reads three rows in one pass so their misses
 * overlap. The score is rows per second; both give the same bits for every row.
 * {@code int8ThreeAtOnce} scores the same rows as int8 codes (a byte a dimension, padded to a
 * multiple of 32 with zeros, in a heap array as an index keeps them: about a quarter of the bytes)
 * with {@link VectorKernels#squaredDistanceCodesThree}.
 * {@code blockMiB} 1 keeps the rows in cache, where the arithmetic shows rather than the misses.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
public class ScatteredRowsBench {
    /** Rows scored per invocation: a multiple of three. */
    private static final int PICKS = 3 * 1024;

    @Param({"128", "784"})
    public int dim;

    /** MiB of float rows picked from (the codes take a quarter of it). */
    @Param({"256", "1"})
    public int blockMiB;

    private Arena arena;
    private MemorySegment rows;
    private float[] query;
    private long[] offsets;
    private final float[] three = new float[3];
    private byte[] codes;
    private short[] queryCodes;
    /** Bytes of codes a row: dim, padded to a multiple of 32 as the index pads them. */
    private int codeRow;
    /** Where each pick's codes start in {@code codes}. */
    private int[] codeOffsets;
    private final int[] codeThree = new int[3];
    /** Where the next invocation's picks start. */
    private int next;

    @Setup
    public void setUp() {
        long rowBytes = (long) dim * Float.BYTES;
        int rowCount = (int) (((long) blockMiB << 20) / rowBytes);
        arena = Arena.ofShared();
        rows = arena.allocate(rowCount * rowBytes, 64);
        Random random = new Random(42);
        for (long i = 0; i < (long) rowCount * dim; i++) {
            rows.setAtIndex(VectorKernels.FLOAT_LE, i, random.nextFloat());
        }
        query = new float[dim];
        for (int i = 0; i < dim; i++) {
            query[i] = random.nextFloat();
        }
        // The codes of the same values on a grid of 128 points over [0, 1), as l2's int8 codes are.
        codeRow = (dim + 31) / 32 * 32;
        codes = new byte[rowCount * codeRow];
        for (int r = 0; r < rowCount; r++) {
            for (int i = 0; i < dim; i++) {
                codes[r * codeRow + i] = (byte) Math.round(rows.getAtIndex(VectorKernels.FLOAT_LE, (long) r * dim + i) * 127f);
            }
        }
        queryCodes = new short[codeRow];
        for (int i = 0; i < dim; i++) {
            queryCodes[i] = (short) Math.round(query[i] * 127f);
        }
        // Many more picks than one invocation uses, walked on from call to call: no row stays cached.
        offsets = new long[PICKS * 256];
        codeOffsets = new int[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            int row = random.nextInt(rowCount);
            offsets[i] = row * rowBytes;
            codeOffsets[i] = row * codeRow;
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(PICKS)
    public float oneByOne() {
        int from = advance();
        float sum = 0f;
        for (int i = from; i < from + PICKS; i++) {
            sum += VectorKernels.squaredL2(query, 0, rows, offsets[i], dim);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(PICKS)
    public float threeAtOnce() {
        int from = advance();
        float sum = 0f;
        for (int i = from; i < from + PICKS; i += 3) {
            VectorKernels.squaredL2Three(query, 0, rows, offsets[i], rows, offsets[i + 1], rows, offsets[i + 2], dim, three);
            sum += three[0] + three[1] + three[2];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(PICKS)
    public int int8ThreeAtOnce() {
        int from = advance();
        int sum = 0;
        for (int i = from; i < from + PICKS; i += 3) {
            VectorKernels.squaredDistanceCodesThree(queryCodes, codes, codeOffsets[i], codes, codeOffsets[i + 1], codes,
                    codeOffsets[i + 2], codeRow, codeThree);
            sum += codeThree[0] + codeThree[1] + codeThree[2];
        }
        return sum;
    }

    private int advance() {
        int from = next;
        next = (next + PICKS) % offsets.length;
        return from;
    }
}
