package io.vexfs.bench;

import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.index.AnnParams;
import io.vexfs.core.kernel.VectorKernels;
import io.vexfs.core.search.Metric;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * One graph search through {@link AnnIndex} as the mount runs it, without the mount or the query
 * file: where the time of an hnsw query goes (profile it with {@code -prof jfr}). The index is
 * built once per trial on two threads, m = 16, ef_construction = 100, l2, as bench-ann builds it.
 * {@code data}: the first 20,000 Fashion-MNIST training images (784 dims; Debian's
 * dataset-fashion-mnist) with test images as queries, or 100,000 x 128 random Gaussian rows.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class AnnSearchBench {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    private static final int QUERIES = 1000;

    @State(Scope.Benchmark)
    public static class Index {
        @Param({"fmnist20k", "random100k"})
        public String data;

        @Param({"16", "64"})
        public int ef;

        AnnIndex<String> index;
        int dim;
        float[] queries;
        int next;
        private Arena arena;
        private ForkJoinPool pool;

        @Setup
        public void setUp() throws IOException {
            VectorKernels.setSimd(true);
            arena = Arena.ofShared();
            MemorySegment stored;
            int rows;
            if (data.equals("fmnist20k")) {
                dim = 784;
                rows = 20_000;
                stored = arena.allocate((long) rows * dim * Float.BYTES, 64);
                float[] base = images(FASHION.resolve("train-images-idx3-ubyte.gz"), rows);
                MemorySegment.copy(base, 0, stored, VectorKernels.FLOAT_LE, 0, base.length);
                queries = images(FASHION.resolve("t10k-images-idx3-ubyte.gz"), QUERIES);
            } else {
                dim = 128;
                rows = 100_000;
                Random random = new Random(3);
                stored = arena.allocate((long) rows * dim * Float.BYTES, 64);
                for (long i = 0; i < (long) rows * dim; i++) {
                    stored.setAtIndex(VectorKernels.FLOAT_LE, i, (float) random.nextGaussian());
                }
                queries = new float[QUERIES * dim];
                for (int i = 0; i < queries.length; i++) {
                    queries[i] = (float) random.nextGaussian();
                }
            }
            pool = new ForkJoinPool(2);
            index = new AnnIndex<>(Metric.L2, dim, new AnnParams(16, 100, ef), pool);
            index.addAll(List.of(new AnnIndex.Block<>("base", stored, rows, AnnIndex.Pin.NONE)), () -> false);
        }

        /** The first {@code count} images of an idx3-ubyte.gz file, one pixel per float. */
        private static float[] images(Path file, int count) throws IOException {
            try (InputStream raw = Files.newInputStream(file);
                 DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
                in.readInt();
                in.readInt();
                int height = in.readInt();
                int width = in.readInt();
                byte[] pixels = in.readNBytes(count * height * width);
                float[] out = new float[pixels.length];
                for (int i = 0; i < pixels.length; i++) {
                    out[i] = pixels[i] & 0xFF;
                }
                return out;
            }
        }

        @TearDown
        public void tearDown() {
            index.close();
            pool.shutdown();
            arena.close();
        }
    }

    @Benchmark
    public List<AnnIndex.Hit<String>> search(Index s) {
        int q = s.next;
        s.next = q + 1 == QUERIES ? 0 : q + 1;
        return s.index.search(s.queries, q * s.dim, 10, s.ef, owner -> true);
    }
}
