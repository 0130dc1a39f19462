package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many writers into one collection at once: every file there, every byte right. */
class ConcurrencyTest {
    private static final int WRITERS = 8;
    private static final int FILES = 1000;

    private static String content(int writer, int file) {
        return writer + " " + file + " " + (writer * 1000 + file) + " 0.5\n";
    }

    @Test
    void eightWritersOfAThousandFilesEach() throws Exception {
        try (MountFixture m = MountFixture.start()) {
            Path coll = m.path("many");
            Files.createDirectory(coll);
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int f = 0; f < FILES; f++) {
                        Files.writeString(coll.resolve("w" + writer + "-" + f + ".vec"), content(writer, f));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            try (Stream<Path> s = Files.list(coll)) {
                assertEquals(WRITERS * FILES, s.count());
            }
            for (int w = 0; w < WRITERS; w++) {
                for (int f = 0; f < FILES; f++) {
                    assertEquals(content(w, f), Files.readString(coll.resolve("w" + w + "-" + f + ".vec")));
                }
            }
            String stats = Files.readString(m.path(".vexfs/stats"));
            assertTrue(stats.lines().anyMatch(l -> l.matches("\\s+many\\s+8000 vectors.*")), stats);
            // The same after a crash and remount.
            m.kill9();
            m.mount();
            try (Stream<Path> s = Files.list(m.path("many"))) {
                assertEquals(WRITERS * FILES, s.count());
            }
            assertEquals(content(7, 999), Files.readString(m.path("many/w7-999.vec")));
        }
    }
}
