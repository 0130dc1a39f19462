package io.vexfs.bench;

import io.vexfs.core.kernel.VectorKernels;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The batch micro-kernel ({@link VectorKernels#dotTile}) on blocks that stay in cache, beside the
 * machine's peak rate of fused multiply-adds measured in the same run by {@link #peakFma}: the
 * secondary result "gflops" of each is its rate in GFLOP/s (2 flops per multiply-add), and the
 * kernel's fraction of peak is their ratio.
 *
 * <p>One invocation of a tile benchmark runs every panel of {@code queries} queries against
 * {@link #BLOCK_ROWS} rows, tile by tile, as the tiled scan does between two row copies:
 * {@code tile} alone, and {@code tileAndSelect} with the candidate test on every tile (limits
 * that nothing passes, the steady state once each query has its k).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TileKernelBench {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Rows per block: 36 x 128 floats = 18 KiB beside a 32 KiB panel of 64 queries. */
    static final int BLOCK_ROWS = 36;
    /** Independent multiply-add chains in the peak loop: more than latency x issue width on any x86 today. */
    private static final int CHAINS = 16;
    private static final int PEAK_STEPS = 4096;

    @Param({"128", "784"})
    public int dim;

    @Param({"64"})
    public int queries;

    @Param({"true", "false"})
    public boolean simd;

    private float[] panels;
    private int[] offsets;
    private int[] widths;
    private float[] rows;
    private float[] tile;
    private int[] passed;
    private float[] scales;
    private float[] shifts;
    private float[] limits;
    private float[] rowScales;
    private float[] rowShifts;
    private float[] x;

    /** Floating-point operations done, reported by JMH as a rate: GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public double gflops;

        @Setup(Level.Iteration)
        public void reset() {
            gflops = 0;
        }
    }

    @Setup
    public void setUp() {
        VectorKernels.setSimd(simd);
        Random random = new Random(42);
        int lanes = VectorKernels.lanes();
        int vectors = (queries + lanes - 1) / lanes;
        int panelCount = (vectors + VectorKernels.MAX_PANEL_WIDTH - 1) / VectorKernels.MAX_PANEL_WIDTH;
        panels = new float[vectors * lanes * dim];
        offsets = new int[panelCount];
        widths = new int[panelCount];
        for (int p = 0, column = 0; p < panelCount; p++) {
            widths[p] = Math.min(VectorKernels.MAX_PANEL_WIDTH, vectors - column / lanes);
            offsets[p] = column * dim;
            column += widths[p] * lanes;
        }
        for (int i = 0; i < panels.length; i++) {
            panels[i] = (float) random.nextGaussian();
        }
        rows = new float[BLOCK_ROWS * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        int tileFloats = VectorKernels.TILE_ROWS * VectorKernels.MAX_PANEL_WIDTH * lanes;
        tile = new float[tileFloats];
        passed = new int[tileFloats];
        scales = new float[vectors * lanes];
        shifts = new float[vectors * lanes];
        limits = new float[vectors * lanes];
        Arrays.fill(scales, -2f);
        Arrays.fill(limits, Float.NEGATIVE_INFINITY);
        rowScales = new float[BLOCK_ROWS];
        rowShifts = new float[BLOCK_ROWS];
        Arrays.fill(rowScales, 1f);
        x = new float[SPECIES.length()];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1f + 1e-7f * i;
        }
    }

    @Benchmark
    public float tile(Work work) {
        float sum = 0;
        for (int p = 0; p < offsets.length; p++) {
            for (int t0 = 0; t0 < BLOCK_ROWS; t0 += VectorKernels.TILE_ROWS) {
                VectorKernels.dotTile(panels, offsets[p], widths[p], rows, t0 * dim, dim, tile);
                sum += tile[0];
            }
        }
        work.gflops += blockGflop();
        return sum;
    }

    @Benchmark
    public int tileAndSelect(Work work) {
        int found = 0;
        int lanes = VectorKernels.lanes();
        for (int p = 0, column = 0; p < offsets.length; p++) {
            for (int t0 = 0; t0 < BLOCK_ROWS; t0 += VectorKernels.TILE_ROWS) {
                VectorKernels.dotTile(panels, offsets[p], widths[p], rows, t0 * dim, dim, tile);
                found += VectorKernels.selectTile(tile, widths[p], VectorKernels.TILE_ROWS, scales, shifts, limits, column,
                        rowScales, rowShifts, t0, passed);
            }
            column += widths[p] * lanes;
        }
        work.gflops += blockGflop();
        return found;
    }

    /**
     * The machine's peak: {@value #CHAINS} independent chains of vector fused multiply-adds in
     * registers, nothing loaded or stored, so only the FMA units' throughput limits it.
     */
    @Benchmark
    public float peakFma(Work work) {
        FloatVector m = FloatVector.fromArray(SPECIES, x, 0);
        FloatVector a = FloatVector.broadcast(SPECIES, 1e-9f);
        FloatVector c0 = FloatVector.zero(SPECIES);
        FloatVector c1 = FloatVector.broadcast(SPECIES, 1f);
        FloatVector c2 = FloatVector.broadcast(SPECIES, 2f);
        FloatVector c3 = FloatVector.broadcast(SPECIES, 3f);
        FloatVector c4 = FloatVector.broadcast(SPECIES, 4f);
        FloatVector c5 = FloatVector.broadcast(SPECIES, 5f);
        FloatVector c6 = FloatVector.broadcast(SPECIES, 6f);
        FloatVector c7 = FloatVector.broadcast(SPECIES, 7f);
        FloatVector c8 = FloatVector.broadcast(SPECIES, 8f);
        FloatVector c9 = FloatVector.broadcast(SPECIES, 9f);
        FloatVector c10 = FloatVector.broadcast(SPECIES, 10f);
        FloatVector c11 = FloatVector.broadcast(SPECIES, 11f);
        FloatVector c12 = FloatVector.broadcast(SPECIES, 12f);
        FloatVector c13 = FloatVector.broadcast(SPECIES, 13f);
        FloatVector c14 = FloatVector.broadcast(SPECIES, 14f);
        FloatVector c15 = FloatVector.broadcast(SPECIES, 15f);
        for (int s = 0; s < PEAK_STEPS; s++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
            c12 = c12.fma(m, a);
            c13 = c13.fma(m, a);
            c14 = c14.fma(m, a);
            c15 = c15.fma(m, a);
        }
        work.gflops += 2.0 * CHAINS * PEAK_STEPS * SPECIES.length() / 1e9;
        return c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).add(c8.add(c9).add(c10.add(c11)))
                .add(c12.add(c13).add(c14.add(c15))).lane(0);
    }

    /** Useful multiply-adds only: padding queries of a partial panel are not counted. */
    private double blockGflop() {
        return 2.0 * queries * BLOCK_ROWS * dim / 1e9;
    }
}
