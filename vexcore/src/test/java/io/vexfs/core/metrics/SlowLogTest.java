package io.vexfs.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlowLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T10:15:30.123456Z"), ZoneOffset.UTC);

    @Test
    void keepsSlowOperationsSlowestFirstAndIgnoresFastOnes() {
        SlowLog log = new SlowLog(Duration.ofMillis(10), 8, CLOCK);
        log.record("read", "/docs/a.vec", 9_999_999);
        log.record("write", "/docs/b.vec", 12_000_000);
        log.record("getattr", "/docs", 10_000_000);
        log.record("read", "/docs/c.vec", 250_000_000);
        assertEquals("""
                2025-03-01T10:15:30.123Z\tread\t250000\t/docs/c.vec
                2025-03-01T10:15:30.123Z\twrite\t12000\t/docs/b.vec
                2025-03-01T10:15:30.123Z\tgetattr\t10000\t/docs
                """, log.render());
    }

    @Test
    void isBoundedToTheMostRecent() {
        SlowLog log = new SlowLog(Duration.ZERO, 3, CLOCK);
        for (int i = 1; i <= 10; i++) {
            log.record("read", "/f" + i, i * 1_000L);
        }
        List<String> paths = log.render().lines().map(l -> l.split("\t")[3]).toList();
        assertEquals(List.of("/f10", "/f9", "/f8"), paths);
    }

    @Test
    void pathsCannotBreakTheLine() {
        SlowLog log = new SlowLog(Duration.ZERO, 3, CLOCK);
        log.record("create", "/d/a\tb\nc\\d", 1_000);
        assertEquals("2025-03-01T10:15:30.123Z\tcreate\t1\t/d/a\\tb\\nc\\\\d\n", log.render());
    }

    @Test
    void concurrentRecordingLosesNothing() throws Exception {
        int threads = 8;
        int perThread = 10;
        SlowLog log = new SlowLog(Duration.ofMillis(1), threads * perThread, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 100_000; i++) {
                    log.record("getattr", "/fast", 1_000);
                    if (i % 10_000 == 0) {
                        log.record("read", "/t" + thread, 2_000_000);
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(threads * perThread, log.render().lines().count());
    }
}
