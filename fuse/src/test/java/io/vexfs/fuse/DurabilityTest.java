package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What close() and fsync() promise, checked by killing and remounting the real process. */
class DurabilityTest {

    private static Map<String, byte[]> writeFiles(MountFixture m, int n, long seed) throws IOException {
        Random r = new Random(seed);
        Map<String, byte[]> written = new HashMap<>();
        Files.createDirectories(m.path("crash/sub"));
        for (int i = 0; i < n; i++) {
            String name = (i % 3 == 0 ? "crash/sub/" : "crash/") + "f" + i + (i % 2 == 0 ? ".vec" : ".txt");
            StringBuilder sb = new StringBuilder();
            for (int d = 0; d < 8; d++) {
                sb.append(i % 2 == 0 ? String.valueOf(r.nextInt(1000) / 8f) : "w" + r.nextInt()).append(' ');
            }
            byte[] bytes = (sb.toString().strip() + "\n").getBytes();
            Files.write(m.path(name), bytes);
            written.put(name, Files.readAllBytes(m.path(name)));
        }
        return written;
    }

    @Test
    void closedFilesSurviveKill9() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Map<String, byte[]> written = writeFiles(m, 300, 1);
            m.sh("mkdir -p crash/moved && mv crash/f1.txt crash/moved/f1.txt && rm crash/sub/f3.txt && chmod 600 crash/f5.txt").ok();
            written.put("crash/moved/f1.txt", written.remove("crash/f1.txt"));
            written.remove("crash/sub/f3.txt");
            m.kill9();
            assertFalse(m.mounted());
            m.mount();
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                assertArrayEquals(e.getValue(), Files.readAllBytes(m.path(e.getKey())), e.getKey());
            }
            assertFalse(Files.exists(m.path("crash/sub/f3.txt")));
            assertFalse(Files.exists(m.path("crash/f1.txt")));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(m.path("crash/f5.txt"))));
            assertTrue(Files.readString(m.path("crash/.collection")).contains("dim = 8"));
        }
    }

    @Test
    void sigtermUnmountsCleanlyAndRemountRestoresEverything() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Map<String, byte[]> written = writeFiles(m, 50, 2);
            // 143 = 128 + SIGTERM: the JVM's exit status after a SIGTERM-initiated shutdown.
            int exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            assertFalse(m.mounted());
            assertTrue(m.log().contains("vexfs: unmounted"), m.log());
            m.mount();
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                assertArrayEquals(e.getValue(), Files.readAllBytes(m.path(e.getKey())), e.getKey());
            }
        }
    }

    @Test
    void aTornLogTailIsDroppedAndReported() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Files.createDirectories(m.path("torn"));
            Files.writeString(m.path("torn/keep.vec"), "1 2 3 4\n");
            Files.writeString(m.path("torn/keep.txt"), "kept\n");
            m.stop();
            Path segment;
            try (Stream<Path> s = Files.list(m.data.resolve("wal"))) {
                List<Path> logs = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
                segment = logs.get(logs.size() - 1);
            }
            long goodEnd = Files.size(segment);
            m.mount();
            Files.writeString(m.path("torn/lost.vec"), "5 6 7 8\n");
            m.kill9();
            // Cut the last record in the middle, as a crash during the write would.
            long end = Files.size(segment);
            assertTrue(end > goodEnd);
            try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
                raf.setLength(goodEnd + (end - goodEnd) / 2);
            }
            m.mount();
            assertEquals("1 2 3 4\n", Files.readString(m.path("torn/keep.vec")));
            assertEquals("kept\n", Files.readString(m.path("torn/keep.txt")));
            assertTrue(m.log().contains("torn tail"), m.log());
            assertTrue(Files.readString(m.path(".vexfs/errors")).contains("torn tail"));
            // The mount goes on normally after the repair.
            Files.writeString(m.path("torn/after.vec"), "9 9 9 9\n");
            m.stop();
            m.mount();
            assertEquals("9 9 9 9\n", Files.readString(m.path("torn/after.vec")));
            assertFalse(m.log().contains("torn tail"), m.log());
        }
    }

    @Test
    void overwritesAreCompactedAndStayCorrect() throws IOException {
        String config = "[storage]\ncompaction_min_dead = \"1MiB\"\ncompaction_dead_ratio = 0.5\nwal_segment_size = \"1MiB\"\n";
        try (MountFixture m = MountFixture.start(config)) {
            Files.createDirectories(m.path("churn"));
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                big.append(i).append(' ').append(i + 0.5f).append('\n');
            }
            for (int round = 0; round < 40; round++) {
                Files.writeString(m.path("churn/big.vec"), big.toString());
                Files.writeString(m.path("churn/last.txt"), "round " + round + "\n");
            }
            // Compaction runs in the background: wait for it to be counted.
            String metrics = "";
            for (int i = 0; i < 200 && !compacted(metrics); i++) {
                metrics = Files.readString(m.path(".vexfs/metrics"));
                sleep(50);
            }
            assertTrue(compacted(metrics), metrics);
            long logBytes;
            try (Stream<Path> s = Files.walk(m.data)) {
                logBytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            assertTrue(logBytes < 8L << 20, "data dir holds " + logBytes + " bytes after compaction");
            m.kill9();
            m.mount();
            assertEquals("round 39\n", Files.readString(m.path("churn/last.txt")));
            assertEquals(big.toString(), Files.readString(m.path("churn/big.vec")));
        }
    }

    private static boolean compacted(String metrics) {
        return metrics.lines().anyMatch(l -> l.startsWith("vexfs_compactions_total") && !l.endsWith(" 0.0"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
