package io.vexfs.bench.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** Runs one client operation in a closed loop on N threads for a fixed time. */
final class Load {
    private Load() {
    }

    /** One operation of a client thread; {@code seq} counts that thread's calls from 0. */
    @FunctionalInterface
    interface ClientOp {
        void run(int thread, long seq) throws Exception;
    }

    /** Operations completed and the wall time they took, from the common start to the last thread's end. */
    record Rate(long ops, double seconds, int threads) {
        double perSecond() {
            return ops / seconds;
        }

        /** Mean time one client waited for one operation. */
        double microsPerOp() {
            return seconds * threads / ops * 1e6;
        }
    }

    static Rate run(int threads, double seconds, ClientOp op) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<FutureTask<Long>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            FutureTask<Long> task = new FutureTask<>(() -> {
                go.await();
                long n = 0;
                while (System.nanoTime() < deadline[0]) {
                    op.run(thread, n);
                    n++;
                }
                return n;
            });
            tasks.add(task);
            Thread.ofPlatform().name("client-" + t).start(task);
        }
        long t0 = System.nanoTime();
        deadline[0] = t0 + (long) (seconds * 1e9);
        go.countDown();
        long total = 0;
        for (FutureTask<Long> task : tasks) {
            try {
                total += task.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a client operation failed: " + e.getCause(), e.getCause());
            }
        }
        return new Rate(total, (System.nanoTime() - t0) / 1e9, threads);
    }
}
