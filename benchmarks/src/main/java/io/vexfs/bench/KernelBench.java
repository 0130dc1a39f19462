package io.vexfs.bench;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One query against a block of stored vectors, per kernel, SIMD and scalar, beside a plain
 * SIMD sum over the same array: the memory bandwidth no kernel can beat. 100,000 x 128 floats
 * (51 MB) is far beyond cache, so it measures the memory-bound scan; 64 x 128 (32 KiB) stays in
 * L1/L2 and measures the arithmetic. The secondary result "gigabytes" is the stored bytes read
 * per second, in GB/s (each invocation reads the whole block once).
 *
 * <p>The single-row benchmarks call a kernel once per stored row; the *Rows ones call the
 * multi-row kernels on up to {@value #GROUP_FLOATS} floats of rows at a time, as FlatSearch
 * does, so the two appear side by side in one run. The *Rows kernels read stored rows from a
 * MemorySegment: plain *Rows from native memory of a shared arena (what a mapped segment file
 * is), *RowsHeap from a heap segment over the float[], and *RowsArray runs the float[] kernels
 * they replaced ({@link ArrayRowKernels}, SIMD only) on the same values.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class KernelBench {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** FlatSearch's group of rows per kernel call. */
    private static final int GROUP_FLOATS = 16 * 1024;

    @Param({"100000", "64"})
    public int rows;

    @Param({"128"})
    public int dim;

    @Param({"true", "false"})
    public boolean simd;

    private float[] stored;
    private Arena arena;
    private MemorySegment nativeRows;
    private MemorySegment heapRows;
    private float[] query;
    private int groupRows;
    private float[] results;
    private float[] norms;

    /** Bytes of stored vectors read, reported by JMH as a rate: GB/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public double gigabytes;

        @Setup(Level.Iteration)
        public void reset() {
            gigabytes = 0;
        }
    }

    @Setup
    public void setUp() {
        VectorKernels.setSimd(simd);
        Random random = new Random(42);
        stored = new float[rows * dim];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = (float) random.nextGaussian();
        }
        arena = Arena.ofShared();
        nativeRows = arena.allocate((long) stored.length * Float.BYTES, 64);
        MemorySegment.copy(stored, 0, nativeRows, VectorKernels.FLOAT_LE, 0, stored.length);
        heapRows = MemorySegment.ofArray(stored);
        query = new float[dim];
        for (int i = 0; i < dim; i++) {
            query[i] = (float) random.nextGaussian();
        }
        groupRows = Math.max(1, Math.min(rows, GROUP_FLOATS / dim));
        results = new float[groupRows];
        norms = new float[groupRows];
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float squaredL2(Traffic traffic) {
        float sum = 0;
        for (int r = 0; r < rows; r++) {
            sum += VectorKernels.squaredL2(query, 0, stored, r * dim, dim);
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    @Benchmark
    public float dot(Traffic traffic) {
        float sum = 0;
        for (int r = 0; r < rows; r++) {
            sum += VectorKernels.dot(query, 0, stored, r * dim, dim);
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    /** What a cosine search does per stored vector: its squared norm, then the dot with the query while it is in L1. */
    @Benchmark
    public float cosine(Traffic traffic) {
        float sum = 0;
        for (int r = 0; r < rows; r++) {
            float norm = VectorKernels.squaredNorm(stored, r * dim, dim);
            sum += VectorKernels.dot(query, 0, stored, r * dim, dim) / norm;
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    @Benchmark
    public float squaredL2Rows(Traffic traffic) {
        return squaredL2Rows(nativeRows, traffic);
    }

    @Benchmark
    public float squaredL2RowsHeap(Traffic traffic) {
        return squaredL2Rows(heapRows, traffic);
    }

    @Benchmark
    public float squaredL2RowsArray(Traffic traffic) {
        float sum = 0;
        for (int r = 0; r < rows; r += groupRows) {
            int count = Math.min(groupRows, rows - r);
            ArrayRowKernels.squaredL2Rows(query, 0, stored, r * dim, dim, count, results);
            sum += sumOf(results, count);
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    @Benchmark
    public float dotRows(Traffic traffic) {
        return dotRows(nativeRows, traffic);
    }

    @Benchmark
    public float dotRowsHeap(Traffic traffic) {
        return dotRows(heapRows, traffic);
    }

    @Benchmark
    public float dotRowsArray(Traffic traffic) {
        float sum = 0;
        for (int r = 0; r < rows; r += groupRows) {
            int count = Math.min(groupRows, rows - r);
            ArrayRowKernels.dotRows(query, 0, stored, r * dim, dim, count, results);
            sum += sumOf(results, count);
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    /** Cosine's per-row work with the dot and the stored row's norm from one pass. */
    @Benchmark
    public float cosineRows(Traffic traffic) {
        return cosineRows(nativeRows, traffic);
    }

    @Benchmark
    public float cosineRowsHeap(Traffic traffic) {
        return cosineRows(heapRows, traffic);
    }

    private float squaredL2Rows(MemorySegment segment, Traffic traffic) {
        float sum = 0;
        long rowBytes = (long) dim * Float.BYTES;
        for (int r = 0; r < rows; r += groupRows) {
            int count = Math.min(groupRows, rows - r);
            VectorKernels.squaredL2Rows(query, 0, segment, r * rowBytes, dim, count, results);
            sum += sumOf(results, count);
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    private float dotRows(MemorySegment segment, Traffic traffic) {
        float sum = 0;
        long rowBytes = (long) dim * Float.BYTES;
        for (int r = 0; r < rows; r += groupRows) {
            int count = Math.min(groupRows, rows - r);
            VectorKernels.dotRows(query, 0, segment, r * rowBytes, dim, count, results);
            sum += sumOf(results, count);
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    private float cosineRows(MemorySegment segment, Traffic traffic) {
        float sum = 0;
        long rowBytes = (long) dim * Float.BYTES;
        for (int r = 0; r < rows; r += groupRows) {
            int count = Math.min(groupRows, rows - r);
            VectorKernels.dotAndSquaredNormRows(query, 0, segment, r * rowBytes, dim, count, results, norms);
            for (int i = 0; i < count; i++) {
                sum += results[i] / norms[i];
            }
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    /** The bandwidth limit: one sequential SIMD pass over the same array, four accumulators, nothing else. */
    @Benchmark
    public float sequentialRead(Traffic traffic) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int lanes = SPECIES.length();
        int i = 0;
        for (int bound = stored.length - stored.length % (4 * lanes); i < bound; i += 4 * lanes) {
            acc0 = acc0.add(FloatVector.fromArray(SPECIES, stored, i));
            acc1 = acc1.add(FloatVector.fromArray(SPECIES, stored, i + lanes));
            acc2 = acc2.add(FloatVector.fromArray(SPECIES, stored, i + 2 * lanes));
            acc3 = acc3.add(FloatVector.fromArray(SPECIES, stored, i + 3 * lanes));
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < stored.length; i++) {
            sum += stored[i];
        }
        traffic.gigabytes += blockGigabytes();
        return sum;
    }

    private static float sumOf(float[] values, int count) {
        float sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[i];
        }
        return sum;
    }

    private double blockGigabytes() {
        return (double) stored.length * Float.BYTES / 1e9;
    }
}
