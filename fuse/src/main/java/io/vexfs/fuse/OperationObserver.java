package io.vexfs.fuse;

import io.micrometer.core.instrument.Timer;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.metrics.SlowLog;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.metrics.VexMetrics;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What every FUSE operation passes through: a bound on how many run at once
 * (max_concurrent_operations), its timer, the slow-operation log and the error log.
 */
final class OperationObserver {
    private final Timer[] timers = new Timer[Op.values().length];
    private final VexMetrics metrics;
    private final SlowLog slowLog;
    private final ErrorLog errors;
    private final Semaphore slots;
    private volatile boolean zeroCopy;

    OperationObserver(VexMetrics metrics, SlowLog slowLog, ErrorLog errors, int maxConcurrent, boolean zeroCopy) {
        this.metrics = metrics;
        this.slowLog = slowLog;
        this.errors = errors;
        this.slots = new Semaphore(maxConcurrent);
        this.zeroCopy = zeroCopy;
        for (Op op : Op.values()) {
            timers[op.ordinal()] = metrics.opTimer(op.label());
        }
    }

    long begin() {
        slots.acquireUninterruptibly();
        return System.nanoTime();
    }

    void end(Op op, String path, long t0) {
        long nanos = System.nanoTime() - t0;
        slots.release();
        timers[op.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        slowLog.record(op.label(), path, nanos);
    }

    void rejected(Op op, String path, FsException e) {
        metrics.increment(VexCounter.REJECTED_OPERATIONS);
        errors.record(path, e.errno().name(), e.where(), op.label() + ": " + e.getMessage());
    }

    boolean zeroCopy() {
        return zeroCopy;
    }

    void setZeroCopy(boolean on) {
        zeroCopy = on;
    }
}
