package io.vexfs.bench;

import io.vexfs.pool.BufferPool;
import io.vexfs.pool.LeakDetection;
import io.vexfs.pool.PooledBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One buffer's life (acquire, one write, release) from the pool against the allocations it
 * replaces, at one and two threads. Each variant writes a long into its buffer so that none of
 * them can be optimised away.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PoolBench {

    @State(Scope.Benchmark)
    public static class BufferSize {
        @Param({"1024", "4096", "16384"})
        public int bytes;
    }

    /** One pool shared by the benchmark's threads, as the filesystem shares one. */
    @State(Scope.Benchmark)
    public static class SharedPool {
        /** false measures the pool's live "memory off" path: a shared arena per buffer. */
        @Param({"true", "false"})
        public boolean pooling;
        @Param({"OFF", "SAMPLED"})
        public LeakDetection leakDetection;
        public BufferPool pool;

        @Setup
        public void open() {
            pool = BufferPool.builder().capacity(256L << 20).leakDetection(leakDetection).pooling(pooling).build();
        }

        @TearDown
        public void close() {
            pool.close();
        }
    }

    @Benchmark
    @Threads(1)
    public long pool(SharedPool shared, BufferSize size) {
        return poolCycle(shared.pool, size.bytes);
    }

    @Benchmark
    @Threads(2)
    public long poolTwoThreads(SharedPool shared, BufferSize size) {
        return poolCycle(shared.pool, size.bytes);
    }

    @Benchmark
    @Threads(1)
    public long confinedArena(BufferSize size) {
        return confinedArenaCycle(size.bytes);
    }

    @Benchmark
    @Threads(2)
    public long confinedArenaTwoThreads(BufferSize size) {
        return confinedArenaCycle(size.bytes);
    }

    @Benchmark
    @Threads(1)
    public void directByteBuffer(BufferSize size, Blackhole blackhole) {
        blackhole.consume(directByteBufferCycle(size.bytes));
    }

    @Benchmark
    @Threads(2)
    public void directByteBufferTwoThreads(BufferSize size, Blackhole blackhole) {
        blackhole.consume(directByteBufferCycle(size.bytes));
    }

    @Benchmark
    @Threads(1)
    public void heapArray(BufferSize size, Blackhole blackhole) {
        blackhole.consume(heapArrayCycle(size.bytes));
    }

    @Benchmark
    @Threads(2)
    public void heapArrayTwoThreads(BufferSize size, Blackhole blackhole) {
        blackhole.consume(heapArrayCycle(size.bytes));
    }

    private static long poolCycle(BufferPool pool, int bytes) {
        try (PooledBuffer buffer = pool.acquire(bytes)) {
            MemorySegment segment = buffer.segment();
            segment.set(ValueLayout.JAVA_LONG, 0, bytes);
            return segment.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private static long confinedArenaCycle(int bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(bytes, Long.BYTES);
            segment.set(ValueLayout.JAVA_LONG, 0, bytes);
            return segment.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private static ByteBuffer directByteBufferCycle(int bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
        buffer.putLong(0, bytes);
        return buffer;
    }

    private static byte[] heapArrayCycle(int bytes) {
        byte[] array = new byte[bytes];
        array[0] = (byte) bytes;
        return array;
    }
}
