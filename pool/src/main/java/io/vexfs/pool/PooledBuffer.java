package io.vexfs.pool;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * One acquisition from a {@link BufferPool}: a segment of {@link #capacity()} bytes, at least
 * the size asked for, whose content is not zeroed. Each acquisition gets its own handle even
 * when slots are reused, so that a second {@link #close()} is detected instead of freeing
 * someone else's buffer. Closing may happen on any thread.
 *
 * <p>After release, {@link #segment()} throws. A segment obtained before release stays
 * addressable (a slot's slab lives on, and outside memory is freed only once unreachable), so
 * code must not keep it past {@link #close()}.
 */
public final class PooledBuffer implements AutoCloseable {
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(PooledBuffer.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BufferPool pool;
    private final MemorySegment segment;
    final long requested;
    final Tier tier;
    final TierSlab slab;
    final int slot;
    /** Set by the pool before the buffer is handed out, when leak detection is on. */
    Lease lease;
    @SuppressWarnings("unused") // written through RELEASED
    private volatile boolean released;

    PooledBuffer(BufferPool pool, MemorySegment segment, long requested, Tier tier, TierSlab slab, int slot) {
        this.pool = pool;
        this.segment = segment;
        this.requested = requested;
        this.tier = tier;
        this.slab = slab;
        this.slot = slot;
    }

    /** The buffer's memory: exactly {@link #capacity()} bytes. */
    public MemorySegment segment() {
        if (released) {
            throw new IllegalStateException("buffer used after release: " + this);
        }
        return segment;
    }

    public long capacity() {
        return segment.byteSize();
    }

    /** The size that was asked for. */
    public long requested() {
        return requested;
    }

    /** Whether the buffer is a pool slot, rather than an allocation outside the pool. */
    public boolean pooled() {
        return slab != null;
    }

    /** The size class of the request; empty when it was larger than every tier. */
    public Optional<Tier> tier() {
        return Optional.ofNullable(tier);
    }

    /**
     * Returns the buffer to its pool.
     *
     * @throws IllegalStateException if it was already released
     */
    @Override
    public void close() {
        pool.release(this);
    }

    boolean markReleased() {
        return RELEASED.compareAndSet(this, false, true);
    }

    @Override
    public String toString() {
        return "PooledBuffer[requested=" + requested + ", capacity=" + capacity() + ", tier=" + tier
                + ", pooled=" + pooled() + "]";
    }
}
