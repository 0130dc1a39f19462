package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The storage engine through a real mount: data larger than the heap, kills mid-flush, a full disk, a flipped byte. */
class StorageMountTest {
    private static final int DIM = 128;

    /** Row r of the big file: cheap to make, different for every row, exact in float32. */
    private static void row(ByteBuffer b, long r) {
        b.putInt(DIM);
        for (int i = 0; i < DIM; i++) {
            b.putFloat((float) ((r * 31 + i * 7) % 1000) / 8f);
        }
    }

    private static long crcOf(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }

    private static long rssAnonKb(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("RssAnon:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
    }

    private static String search(MountFixture m, String collection, String query) throws IOException {
        Path q = m.path(collection + "/.search/q");
        Files.writeString(q, query);
        return Files.readString(q);
    }

    @Test
    void gigabytesOfVectorsAndAnOrdinaryFileFitInA256MegabyteHeap() throws IOException {
        try (MountFixture m = MountFixture.prepare(null).jvmOptions("-Xmx256m")) {
            m.mount();
            Files.createDirectories(m.path("big"));
            long rows = (2L << 30) / (4 + 4 * DIM);
            CRC32C written = new CRC32C();
            try (FileChannel out = FileChannel.open(m.path("big/base.fvecs"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocateDirect((4 + 4 * DIM) * 2048).order(ByteOrder.LITTLE_ENDIAN);
                for (long r = 0; r < rows; ) {
                    b.clear();
                    for (int i = 0; i < 2048 && r < rows; i++, r++) {
                        row(b, r);
                    }
                    b.flip();
                    written.update(b.duplicate());
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            }
            m.sh("head -c 1073741824 /dev/zero | tr '\\0' 'v' > big/plain.bin").ok();
            assertEquals(rows * (4 + 4 * DIM), Files.size(m.path("big/base.fvecs")));
            assertEquals(1L << 30, Files.size(m.path("big/plain.bin")));
            assertEquals(written.getValue(), crcOf(m.path("big/base.fvecs")));
            StringBuilder query = new StringBuilder();
            ByteBuffer one = ByteBuffer.allocate(4 + 4 * DIM).order(ByteOrder.LITTLE_ENDIAN);
            row(one, 123_457);
            for (int i = 0; i < DIM; i++) {
                query.append(one.getFloat(4 + 4 * i)).append(' ');
            }
            String hits = search(m, "big", "k=1\n" + query.toString().strip() + "\n");
            assertTrue(hits.endsWith("big/base.fvecs#123457\n") || hits.contains("\t0\tbig/base.fvecs#"), hits);
            String metrics = Files.readString(m.path(".vexfs/metrics"));
            long heap = (long) Double.parseDouble(metrics.lines().filter(l -> l.startsWith("vexfs_heap_used_bytes "))
                    .findFirst().orElseThrow().split(" ")[1]);
            assertTrue(heap < 256L << 20, "heap " + heap);
            // Anonymous memory (heap, pool, staging) stays bounded; mapped segment pages are file-backed and the OS's to drop.
            long anon = rssAnonKb(m.pid());
            assertTrue(anon < 1024 * 1024, "RssAnon " + anon + " kB");
            java.util.regex.Matcher water = java.util.regex.Pattern.compile("of ([0-9.]+) MiB, high water ([0-9.]+) MiB")
                    .matcher(Files.readString(m.path(".vexfs/stats")));
            assertTrue(water.find());
            assertTrue(Double.parseDouble(water.group(2)) <= Double.parseDouble(water.group(1)),
                    "the pool's size is a cap: " + water.group());
            m.stop();
            m.mount();
            assertEquals(written.getValue(), crcOf(m.path("big/base.fvecs")));
            assertEquals(hits, search(m, "big", "k=1\n" + query.toString().strip() + "\n"));
            assertEquals("vvvv", m.sh("tail -c 4 big/plain.bin").ok().out());
        }
    }

    @Test
    void aKillAtAnyStepOfAFlushOrACompactionLosesNothingClosed() throws IOException {
        String config = """
                [storage]
                checkpoint_log_records = 1000
                compaction_min_dead = "0"
                compaction_dead_ratio = 0.1
                """;
        for (String step : List.of("checkpoint-before-write", "checkpoint-after-write", "compaction-after-copy",
                "compaction-after-swap")) {
            try (MountFixture m = MountFixture.prepare(config).jvmOptions("-Xmx512m", "-Dvexfs.crashAt=" + step)) {
                m.mount();
                Map<String, byte[]> closed = new LinkedHashMap<>();
                // A file whose unlink the crash cut short: the unlink may have been logged before the
                // mount died without answering, so it may be there (intact) or gone.
                Map<String, byte[]> unlinking = new LinkedHashMap<>();
                try {
                    Files.createDirectories(m.path("c"));
                    for (int i = 0; i < 3000; i++) {
                        String name = "c/f" + i + (i % 2 == 0 ? ".vec" : ".bin");
                        byte[] bytes = i % 2 == 0 ? (i + " " + (i + 1) + "\n").getBytes() : new byte[20_000 + i];
                        Files.write(m.path(name), bytes);
                        closed.put(name, bytes);
                        if (i % 4 == 1 && i > 1000) {
                            String gone = "c/f" + (i - 1000) + ".bin";
                            unlinking.put(gone, closed.remove(gone));
                            Files.deleteIfExists(m.path(gone));
                            unlinking.clear();
                        }
                    }
                } catch (IOException stopped) {
                    // The crash point halted the mount: what was closed before is what counts.
                }
                assertEquals(99, m.awaitExit(120), step + " was reached:\n" + m.log());
                m.jvmOptions("-Xmx512m");
                m.mount();
                for (Map.Entry<String, byte[]> e : closed.entrySet()) {
                    assertArrayEquals(e.getValue(), Files.readAllBytes(m.path(e.getKey())), step + ": " + e.getKey());
                }
                for (Map.Entry<String, byte[]> e : unlinking.entrySet()) {
                    if (Files.exists(m.path(e.getKey()))) {
                        assertArrayEquals(e.getValue(), Files.readAllBytes(m.path(e.getKey())), step + ": " + e.getKey() + ", unlinked at the crash");
                    }
                }
                try (var left = Files.list(m.data.resolve("segments"))) {
                    assertFalse(left.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary segment is left for data");
                }
            }
        }
    }

    @Test
    void aFullDiskFailsTheWriteThatHitItAndLosesNothing() throws IOException {
        try (MountFixture m = MountFixture.prepare(null)) {
            Files.createDirectories(m.data);
            MountFixture.run("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", m.data.toString()).ok();
            try {
                m.mount();
                Files.createDirectories(m.path("d"));
                for (int i = 0; i < 20; i++) {
                    Files.writeString(m.path("d/keep" + i + ".vec"), i + " 1 2\n");
                }
                MountFixture.Result full = m.sh("dd if=/dev/zero of=d/huge.bin bs=1M count=200 2>&1");
                assertNotEquals(0, full.exit(), full.out());
                assertTrue(full.out().contains("No space left on device"), full.out());
                for (int i = 0; i < 20; i++) {
                    assertEquals(i + " 1 2\n", Files.readString(m.path("d/keep" + i + ".vec")));
                }
                assertTrue(Files.readString(m.path(".vexfs/errors")).contains("ENOSPC"));
                Files.deleteIfExists(m.path("d/huge.bin"));
                // A large vector file streams to its segment behind its writes: the disk filling up fails a write too.
                MountFixture.Result vectors = m.sh("/usr/bin/python3 -c \"import struct,sys\n"
                        + "rec=struct.pack('<i', 3)+struct.pack('<3f',1,2,3)\nsys.stdout.buffer.write(rec*(200*1024*1024//16))\" "
                        + "| dd of=d/huge.fvecs bs=128K iflag=fullblock 2>&1");
                assertNotEquals(0, vectors.exit(), vectors.out());
                assertTrue(vectors.out().contains("No space left on device"), vectors.out());
                assertEquals(0, Files.size(m.path("d/huge.fvecs")), "nothing of the refused file is committed");
                Files.deleteIfExists(m.path("d/huge.fvecs"));
                for (int i = 0; i < 20; i++) {
                    assertEquals(i + " 1 2\n", Files.readString(m.path("d/keep" + i + ".vec")));
                }
                Files.writeString(m.path("d/after.vec"), "7 8 9\n");
                m.stop();
                m.mount();
                assertEquals("7 8 9\n", Files.readString(m.path("d/after.vec")));
                assertEquals("19 1 2\n", Files.readString(m.path("d/keep19.vec")));
                m.stop();
            } finally {
                MountFixture.run("umount", "-l", m.data.toString());
            }
        }
    }

    @Test
    void aFlippedByteFailsWhatTouchesItAndNothingElse() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Files.createDirectories(m.path("v/sub"));
            ByteBuffer b = ByteBuffer.allocate(5000 * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < 5000; r++) {
                row(b, r);
            }
            Files.write(m.path("v/big.fvecs"), b.array());
            StringBuilder near = new StringBuilder();
            for (int i = 0; i < DIM; i++) {
                near.append(i % 3).append(' ');
            }
            Files.writeString(m.path("v/sub/small.vec"), near.toString().strip() + "\n");
            m.stop();
            List<Path> segments = new ArrayList<>();
            try (var files = Files.list(m.data.resolve("segments"))) {
                files.sorted(Comparator.comparingLong(p -> -p.toFile().length())).forEach(segments::add);
            }
            Path biggest = segments.get(0);
            try (FileChannel ch = FileChannel.open(biggest, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer one = ByteBuffer.allocate(1);
                ch.read(one, 4096 + 1_000_000);
                one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
                ch.write(one, 4096 + 1_000_000);
            }
            m.mount();
            MountFixture.Result cat = m.sh("cat v/big.fvecs > /dev/null");
            assertNotEquals(0, cat.exit());
            assertTrue(cat.err().contains("Input/output error"), cat.err());
            String errors = Files.readString(m.path(".vexfs/errors"));
            assertTrue(errors.contains(biggest.getFileName().toString()) && errors.contains("EIO"), errors);
            assertTrue(errors.contains("offset " + (4096 + 983_040)), errors);
            assertEquals(near.toString().strip() + "\n", Files.readString(m.path("v/sub/small.vec")));
            String sub = search(m, "v", "k=1\nprefix=sub/\n" + near.toString().strip() + "\n");
            assertTrue(sub.contains("v/sub/small.vec"), sub);
            assertThrows(IOException.class, () -> search(m, "v", near.toString().strip() + "\n"));
        }
    }
}
