package io.vexfs.bench;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.RowSink;
import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.codec.VectorStreamDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The push decoders as a mount's write path drives them: one file of 128-dimensional random
 * vectors (about 32 MB in each format) handed over in 128 KiB writes from native memory, as
 * FUSE's buffers are. The sink copies the rows into a native buffer, as the store copies them
 * into a segment file. Beside each, {@code copy} moves the same file's bytes in the same
 * writes with plain MemorySegment.copy calls into that buffer: the rate no decoder can beat. The
 * secondary result "megabytes" is the file bytes decoded per second, in MB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class DecoderBench {
    private static final int DIM = 128;
    private static final int ROWS = 62_500;
    private static final int WRITE_BYTES = 128 * 1024;

    @Param({"vec", "fvecs", "npy"})
    public String format;

    private VectorFormat vectorFormat;
    private Arena arena;
    private MemorySegment file;
    private MemorySegment destination;
    private RowSink sink;

    /** File bytes decoded, reported by JMH as a rate: MB/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public double megabytes;

        @Setup(Level.Iteration)
        public void reset() {
            megabytes = 0;
        }
    }

    @Setup
    public void setUp() throws IOException {
        vectorFormat = VectorFormat.valueOf(format.toUpperCase(java.util.Locale.ROOT));
        Random random = new Random(42);
        float[] values = new float[ROWS * DIM];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        byte[] bytes = encode(vectorFormat, values);
        arena = Arena.ofShared();
        file = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, file, 0, bytes.length);
        destination = arena.allocate(1 << 20, 64);
        sink = (floats, rowCount, dim) -> MemorySegment.copy(floats, 0, destination, 0, floats.byteSize());
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long decode(Traffic traffic) throws InvalidInputException, IOException {
        VectorStreamDecoder decoder = VectorStreamDecoder.of(vectorFormat, DIM, sink);
        long size = file.byteSize();
        for (long at = 0; at < size; at += WRITE_BYTES) {
            decoder.accept(file.asSlice(at, Math.min(WRITE_BYTES, size - at)));
        }
        traffic.megabytes += size / 1e6;
        return decoder.finish().rows();
    }

    /** The same writes moved by plain copies: the baseline. */
    @Benchmark
    public void copy(Traffic traffic, Blackhole hole) {
        long size = file.byteSize();
        for (long at = 0; at < size; at += WRITE_BYTES) {
            long n = Math.min(WRITE_BYTES, size - at);
            MemorySegment.copy(file, at, destination, 0, n);
        }
        hole.consume(destination.get(ValueLayout.JAVA_BYTE, 0));
        traffic.megabytes += size / 1e6;
    }

    private static byte[] encode(VectorFormat format, float[] values) {
        return switch (format) {
            case VEC -> {
                StringBuilder text = new StringBuilder();
                for (int r = 0; r < ROWS; r++) {
                    for (int i = 0; i < DIM; i++) {
                        text.append(i == 0 ? "" : " ").append(values[r * DIM + i]);
                    }
                    text.append('\n');
                }
                yield text.toString().getBytes(StandardCharsets.US_ASCII);
            }
            case FVECS -> {
                ByteBuffer b = ByteBuffer.allocate(ROWS * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
                for (int r = 0; r < ROWS; r++) {
                    b.putInt(DIM);
                    for (int i = 0; i < DIM; i++) {
                        b.putFloat(values[r * DIM + i]);
                    }
                }
                yield b.array();
            }
            case NPY -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(VectorCodec.npyHeader(ROWS, DIM));
                ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(values);
                out.writeBytes(b.array());
                yield out.toByteArray();
            }
        };
    }
}
