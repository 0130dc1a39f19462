package io.vexfs.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsErrorLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T10:15:30Z"), ZoneOffset.UTC);

    @Test
    void rendersOldestFirstWithWhereWhenGiven() {
        ErrorLog log = new ErrorLog(4, CLOCK);
        log.record("/docs/a.vec", "EINVAL", "line 3", "'abc' is not a number");
        log.record("/docs/x", "ENOTEMPTY", "", "collection is not empty");
        assertEquals("""
                2025-03-01T10:15:30.000Z\t/docs/a.vec\tEINVAL\tline 3: 'abc' is not a number
                2025-03-01T10:15:30.000Z\t/docs/x\tENOTEMPTY\tcollection is not empty
                """, log.render());
    }

    @Test
    void isBoundedAndDropsTheOldest() {
        ErrorLog log = new ErrorLog(3, CLOCK);
        for (int i = 1; i <= 7; i++) {
            log.record("/f" + i, "EINVAL", "row " + i, "bad");
        }
        List<String> paths = log.render().lines().map(l -> l.split("\t")[1]).toList();
        assertEquals(List.of("/f5", "/f6", "/f7"), paths);
    }

    @Test
    void concurrentRecordingLosesNothingAndKeepsEachThreadsOrder() throws Exception {
        int threads = 8;
        int perThread = 200;
        ErrorLog log = new ErrorLog(threads * perThread, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    log.record("/t" + thread, "EINVAL", "", Integer.toString(i));
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        List<String> lines = log.render().lines().toList();
        assertEquals(threads * perThread, lines.size());
        for (int t = 0; t < threads; t++) {
            String path = "/t" + t;
            List<Integer> seq = lines.stream().map(l -> l.split("\t")).filter(f -> f[1].equals(path))
                    .map(f -> Integer.parseInt(f[3])).toList();
            assertEquals(perThread, seq.size());
            for (int i = 0; i < perThread; i++) {
                assertEquals(i, seq.get(i));
            }
        }
    }
}
