package io.vexfs.core.fs;

import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.Span;
import io.vexfs.core.content.VectorContent;
import io.vexfs.core.storage.CorruptDataException;
import io.vexfs.core.storage.Segment;
import io.vexfs.pool.BufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The storage engine as a library: shared open files, segments, sparse sizes, links, recovery, compaction, corruption. */
class StorageEngineTest {
    @TempDir
    Path dir;
    private BufferPool pool;
    private VexStore store;

    @BeforeEach
    void open() throws IOException {
        pool = BufferPool.builder().capacity(16 << 20).build();
        store = VexStore.open(options(0));
    }

    private StoreOptions options(long compactionMinDead) {
        return options(dir, compactionMinDead);
    }

    private StoreOptions options(Path data, long compactionMinDead) {
        StoreOptions d = StoreOptions.defaults(data, pool);
        return new StoreOptions(d.dataDir(), d.walSegmentBytes(), false, compactionMinDead, 0.5, d.checkpointLogBytes(),
                d.checkpointLogRecords(), pool, d.metrics(), d.errors());
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        pool.close();
    }

    private Path data;

    private void reopen() throws IOException {
        store.close();
        store = VexStore.open(options(data == null ? dir : data, 0));
    }

    private void write(String path, byte[] bytes, int chunk) throws FsException {
        Handle h = store.create(path, 0644, 0, 0);
        try {
            h.truncate(0);
            for (int at = 0; at < bytes.length; at += chunk) {
                h.write(at, MemorySegment.ofArray(bytes).asSlice(at, Math.min(chunk, bytes.length - at)));
            }
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    private byte[] read(String path) throws FsException {
        Handle h = store.open(path, false, false);
        try {
            byte[] buf = new byte[(int) store.stat(path).size()];
            for (int at = 0; at < buf.length; ) {
                at += h.read(at, MemorySegment.ofArray(buf).asSlice(at, Math.min(100_000, buf.length - at)));
            }
            return buf;
        } finally {
            h.release(path);
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] fvecs(int rows, int dim, long seed) {
        Random random = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(rows * (4 + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            b.putInt(dim);
            for (int i = 0; i < dim; i++) {
                b.putFloat(random.nextFloat() - 0.5f);
            }
        }
        return b.array();
    }

    private FileNode node(String path) throws FsException {
        return (FileNode) store.require(FsPath.parse(path));
    }

    @Test
    void handlesOfOneFileShareWhatIsWritten() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        write("/d/shared.bin", new byte[16384], 16384);
        List<Handle> handles = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            handles.add(store.open("/d/shared.bin", true, false));
        }
        for (int i = 0; i < 4; i++) {
            byte[] mine = new byte[4096];
            Arrays.fill(mine, (byte) (i + 1));
            handles.get(i).write(i * 4096L, MemorySegment.ofArray(mine));
        }
        byte[] seen = new byte[16384];
        handles.get(3).read(0, MemorySegment.ofArray(seen));
        assertEquals(1, seen[0], "a write through one handle is seen through another before any close");
        handles.get(0).write(16384, MemorySegment.ofArray(new byte[10]));
        assertEquals(16394, store.stat("/d/shared.bin").size(), "stat sees the staged size");
        for (Handle h : handles) {
            h.flush("/d/shared.bin");
            h.release("/d/shared.bin");
        }
        byte[] all = read("/d/shared.bin");
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, all[i * 4096], "range " + i);
            assertEquals(i + 1, all[i * 4096 + 4095], "range " + i);
        }
        reopen();
        assertArrayEquals(all, read("/d/shared.bin"));
    }

    @Test
    void aLargeFileStagesOnDiskAndGetsASegmentOfItsOwn() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        byte[] big = random(5 << 20, 1);
        write("/d/big.bin", big, 128 * 1024);
        ExtentContent c = (ExtentContent) node("/d/big.bin").content();
        assertEquals(1, c.spans().size());
        assertNotSame(store.segments().active(), c.spans().get(0).segment());
        assertEquals(big.length, c.spans().get(0).segment().length());
        assertArrayEquals(big, read("/d/big.bin"));
        reopen();
        assertArrayEquals(big, read("/d/big.bin"));
    }

    @Test
    void fvecsWrittenInOrderStreamsItsFloatsAndReadsBackExactly() throws Exception {
        store.mkdir("/v", 0755, 0, 0);
        byte[] file = fvecs(5000, 64, 2);
        write("/v/base.fvecs", file, 131072);
        VectorContent c = (VectorContent) node("/v/base.fvecs").content();
        assertEquals(5000, c.rows());
        assertEquals(5000L * 64 * 4, c.floats().length());
        assertArrayEquals(file, read("/v/base.fvecs"));
        assertEquals(5000, store.collections().get("v").vectorCount());
        reopen();
        assertArrayEquals(file, read("/v/base.fvecs"));
        assertEquals(64, store.collections().get("v").settings().dim());
    }

    @Test
    void badVectorBytesAreRefusedByTheWriteThatHoldsThem() throws Exception {
        store.mkdir("/v", 0755, 0, 0);
        write("/v/a.vec", "1 2 3\n".getBytes(StandardCharsets.UTF_8), 100);
        Handle h = store.open("/v/a.vec", true, true);
        FsException e = assertThrows(FsException.class,
                () -> h.write(0, MemorySegment.ofArray("4 5 6\n1 2 x\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("line 2", e.where());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> h.flush("/v/a.vec")).errno());
        h.release("/v/a.vec");
        assertEquals("1 2 3\n", new String(read("/v/a.vec"), StandardCharsets.UTF_8));

        byte[] good = fvecs(10, 3, 3);
        byte[] bad = fvecs(10, 4, 4);
        Handle f = store.create("/v/b.fvecs", 0644, 0, 0);
        f.write(0, MemorySegment.ofArray(good));
        FsException wrongDim = assertThrows(FsException.class, () -> f.write(good.length, MemorySegment.ofArray(bad)));
        assertEquals("row 10", wrongDim.where());
        f.release("/v/b.fvecs");
        assertEquals(0, store.stat("/v/b.fvecs").size());
    }

    @Test
    void whatOnlyTheEndShowsIsRefusedByClose() throws Exception {
        store.mkdir("/v", 0755, 0, 0);
        byte[] file = fvecs(3, 4, 5);
        Handle h = store.create("/v/t.fvecs", 0644, 0, 0);
        h.write(0, MemorySegment.ofArray(file).asSlice(0, file.length - 2));
        FsException e = assertThrows(FsException.class, () -> h.flush("/v/t.fvecs"));
        assertEquals(Errno.EINVAL, e.errno());
        h.release("/v/t.fvecs");
        assertEquals(0, store.collections().get("v").vectorCount());
    }

    @Test
    void vectorsWrittenOutOfOrderAreJudgedWholeAtCommit() throws Exception {
        store.mkdir("/v", 0755, 0, 0);
        byte[] file = fvecs(100, 8, 6);
        Handle h = store.create("/v/o.fvecs", 0644, 0, 0);
        h.write(0, MemorySegment.ofArray(file).asSlice(0, 1000));
        h.write(2000, MemorySegment.ofArray(file).asSlice(2000, file.length - 2000));
        h.write(1000, MemorySegment.ofArray(file).asSlice(1000, 1000));
        h.flush("/v/o.fvecs");
        h.release("/v/o.fvecs");
        assertArrayEquals(file, read("/v/o.fvecs"));
        assertEquals(100, store.collections().get("v").vectorCount());
    }

    @Test
    void sizesAre64BitAndHolesCostNothing() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        write("/d/sparse", new byte[0], 1);
        store.truncate("/d/sparse", 999_999_999_999_999L);
        assertEquals(999_999_999_999_999L, store.stat("/d/sparse").size());
        assertTrue(node("/d/sparse").content().spans().isEmpty(), "a truncated-up file stores no bytes");
        Handle h = store.open("/d/sparse", true, false);
        long at = (2L << 30) + 1;
        h.write(at, MemorySegment.ofArray(new byte[]{42}));
        h.flush("/d/sparse");
        h.release("/d/sparse");
        reopen();
        assertEquals(999_999_999_999_999L, store.stat("/d/sparse").size());
        Handle r = store.open("/d/sparse", false, false);
        byte[] around = new byte[3];
        r.read(at - 1, MemorySegment.ofArray(around));
        assertArrayEquals(new byte[]{0, 42, 0}, around);
        byte[] tail = new byte[8];
        assertEquals(8, r.read(999_999_999_999_991L, MemorySegment.ofArray(tail)));
        assertArrayEquals(new byte[8], tail);
        r.release("/d/sparse");
    }

    @Test
    void hardLinksSymlinksAndSpecialFilesPersist() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        write("/d/a.txt", "one".getBytes(StandardCharsets.UTF_8), 100);
        store.link("/d/a.txt", "/d/b.txt");
        assertEquals(2, store.stat("/d/a.txt").nlink());
        assertEquals(store.stat("/d/a.txt").ino(), store.stat("/d/b.txt").ino());
        write("/d/b.txt", "two".getBytes(StandardCharsets.UTF_8), 100);
        assertEquals("two", new String(read("/d/a.txt"), StandardCharsets.UTF_8));
        store.symlink("../d/a.txt", "/d/link", 0, 0);
        assertEquals("../d/a.txt", store.readlink("/d/link"));
        assertEquals(FileType.SYMLINK, store.stat("/d/link").type());
        store.mknod("/d/fifo", FileType.FIFO | 0600, 0, 0, 0);
        assertEquals(FileType.FIFO, store.stat("/d/fifo").type());
        write("/d/v.vec", "1 2\n".getBytes(StandardCharsets.UTF_8), 100);
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> store.link("/d/v.vec", "/d/w.vec")).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> store.link("/d", "/e")).errno());
        for (int round = 0; round < 2; round++) {
            reopen();
            assertEquals(2, store.stat("/d/b.txt").nlink());
            assertEquals("two", new String(read("/d/b.txt"), StandardCharsets.UTF_8));
            assertEquals("../d/a.txt", store.readlink("/d/link"));
            assertEquals(FileType.FIFO, store.stat("/d/fifo").type());
            store.checkpoint();
        }
        store.unlink("/d/a.txt");
        assertEquals(1, store.stat("/d/b.txt").nlink());
        assertEquals(1, store.collections().get("d").vectorCount(), "a symlink is a name, not a second copy to search");
    }

    @Test
    void directoriesCountTheirLinksAndTheirTimesFollowTheirEntries() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        store.mkdir("/d/x", 0755, 0, 0);
        store.mkdir("/d/y", 0755, 0, 0);
        assertEquals(4, store.stat("/d").nlink());
        long before = store.stat("/d").mtimeNs();
        Thread.sleep(5);
        write("/d/f.txt", new byte[1], 1);
        long afterCreate = store.stat("/d").mtimeNs();
        assertTrue(afterCreate > before);
        Thread.sleep(5);
        store.rename("/d/f.txt", "/d/x/g.txt");
        assertTrue(store.stat("/d").mtimeNs() > afterCreate);
        assertTrue(store.stat("/d/x").ctimeNs() > afterCreate);
        long afterRename = store.stat("/d/x").mtimeNs();
        Thread.sleep(5);
        store.unlink("/d/x/g.txt");
        assertTrue(store.stat("/d/x").mtimeNs() > afterRename);
        store.rmdir("/d/y");
        assertEquals(3, store.stat("/d").nlink());
        long mtime = store.stat("/d").mtimeNs();
        reopen();
        assertEquals(mtime, store.stat("/d").mtimeNs());
        assertEquals(3, store.stat("/d").nlink());
    }

    @Test
    void aWriteByAnotherUserClearsSetIdBits() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        write("/d/s", new byte[1], 1);
        store.chmod("/d/s", 06755);
        Handle h = store.open("/d/s", true, false);
        h.write(0, MemorySegment.ofArray(new byte[1]), 1000);
        h.release("/d/s");
        assertEquals(0755, store.stat("/d/s").mode());
    }

    @Test
    void compactionKeepsLiveBytesFreesDeadOnesAndNeverDisturbsAReader() throws Exception {
        store.close();
        store = VexStore.open(options(1));
        store.mkdir("/d", 0755, 0, 0);
        for (int i = 0; i < 40; i++) {
            write("/d/f" + i, random(50_000, i), 50_000);
        }
        Segment first = node("/d/f0").content().spans().get(0).segment();
        for (int i = 0; i < 36; i++) {
            store.unlink("/d/f" + i);
        }
        Handle reader = store.open("/d/f39", false, false);
        byte[] partly = new byte[100];
        reader.read(0, MemorySegment.ofArray(partly));
        store.checkpoint();
        assertTrue(store.compact() >= 1, "the mostly-dead segment is compacted");
        assertNotSame(first, node("/d/f39").content().spans().get(0).segment());
        byte[] rest = new byte[50_000];
        reader.read(0, MemorySegment.ofArray(rest));
        assertArrayEquals(random(50_000, 39), rest, "an open reader still reads");
        reader.release("/d/f39");
        store.checkpoint();
        assertFalse(Files.exists(first.path()), "the old segment is deleted once retired and unread");
        for (int i = 36; i < 40; i++) {
            assertArrayEquals(random(50_000, i), read("/d/f" + i));
        }
        reopen();
        for (int i = 36; i < 40; i++) {
            assertArrayEquals(random(50_000, i), read("/d/f" + i));
        }
    }

    @Test
    void aFlippedByteFailsReadsOfItsFileOnly() throws Exception {
        store.mkdir("/d", 0755, 0, 0);
        byte[] a = random(3 << 20, 7);
        byte[] b = random(1000, 8);
        write("/d/a.bin", a, 1 << 20);
        write("/d/b.bin", b, 1000);
        Span span = node("/d/a.bin").content().spans().get(0);
        Path segmentFile = span.segment().path();
        reopen();
        try (FileChannel ch = FileChannel.open(segmentFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{(byte) ~a[1_000_000]}), 4096 + 1_000_000);
        }
        reopen();
        assertThrows(CorruptDataException.class, () -> read("/d/a.bin"));
        assertArrayEquals(b, read("/d/b.bin"));
        Handle h = store.open("/d/a.bin", false, false);
        byte[] head = new byte[65536];
        h.read(0, MemorySegment.ofArray(head));
        assertArrayEquals(Arrays.copyOf(a, 65536), head, "blocks before the bad one still read");
        h.release("/d/a.bin");
    }

    @Test
    void theFirstReleaseDataDirectoryIsConvertedAndNothingIsLost() throws Exception {
        store.close();
        Path golden = Path.of("src/test/resources/golden/format1");
        data = dir.resolve("first-release");
        copyTree(golden.resolve("wal"), data.resolve("wal"));
        store = VexStore.open(options(data, 0));
        assertTrue(Files.exists(data.resolve("FORMAT")));
        assertTrue(Files.isDirectory(data.resolve("format1-backup")));
        checkAgainst(golden.resolve("expected.txt"));
        assertEquals("cosine", store.collections().get("cos").settings().metric().key());
        assertEquals(8, store.collections().get("cos").settings().m());
        reopen();
        checkAgainst(golden.resolve("expected.txt"));
    }

    @Test
    void aDataDirectoryThisReleaseWroteAndCrashedOnMountsExactly() throws Exception {
        store.close();
        Path golden = Path.of("src/test/resources/golden/format2");
        data = dir.resolve("this-release");
        copyTree(golden, data);
        Files.delete(data.resolve("expected.txt"));
        store = VexStore.open(options(data, 0));
        // Written by this release, then killed with a checkpoint, log records and an unsealed segment on disk.
        assertTrue(store.recoveryReport().recordsReplayed() > store.recoveryReport().checkpointRecords());
        checkTree(golden.resolve("expected.txt"));
        assertEquals(6, store.collections().get("docs").vectorCount());
        reopen();
        checkTree(golden.resolve("expected.txt"));
    }

    /** Lines: path D mode mtime | path F size mode nlink sha256 | path L target | path P | path S size offset char. */
    private void checkTree(Path expected) throws Exception {
        for (String line : Files.readAllLines(expected)) {
            String[] f = line.split(" ");
            String path = f[0].equals(".") ? "/" : f[0].substring(1);
            StatInfo s = store.stat(path);
            switch (f[1]) {
                case "D" -> {
                    assertTrue(s.directory(), path);
                    assertEquals(Integer.parseInt(f[2], 8), s.mode(), path);
                    assertEquals(Long.parseLong(f[3]), s.mtimeNs() / 1_000_000_000L, path);
                }
                case "F" -> {
                    byte[] bytes = read(path);
                    assertEquals(Long.parseLong(f[2]), bytes.length, path);
                    assertEquals(Integer.parseInt(f[3], 8), s.mode(), path);
                    assertEquals(Integer.parseInt(f[4]), s.nlink(), path);
                    assertEquals(f[5], HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), path);
                }
                case "L" -> assertEquals(f[2], store.readlink(path), path);
                case "P" -> assertEquals(FileType.FIFO, s.type(), path);
                case "S" -> {
                    assertEquals(Long.parseLong(f[2]), s.size(), path);
                    Handle h = store.open(path, false, false);
                    byte[] around = new byte[3];
                    h.read(Long.parseLong(f[3]) - 1, MemorySegment.ofArray(around));
                    h.release(path);
                    assertArrayEquals(new byte[]{0, (byte) f[4].charAt(0), 0}, around, path);
                }
                default -> throw new AssertionError("bad line " + line);
            }
        }
    }

    private void checkAgainst(Path expected) throws Exception {
        for (String line : Files.readAllLines(expected)) {
            String[] f = line.split(" ");
            String path = f[0].substring(1);
            if (f.length == 1) {
                assertTrue(store.stat(path.isEmpty() ? "/" : path).directory(), path);
                continue;
            }
            byte[] bytes = read(path);
            assertEquals(Long.parseLong(f[1]), bytes.length, path);
            assertEquals(Integer.parseInt(f[2], 8), store.stat(path).mode(), path);
            assertEquals(f[3], HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), path);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void contentAndSearchViewsPointAtTheSameStoredFloats() throws Exception {
        store.mkdir("/v", 0755, 0, 0);
        write("/v/a.vec", "1 2\n3 4\n".getBytes(StandardCharsets.UTF_8), 100);
        VectorContent c = (VectorContent) node("/v/a.vec").content();
        assertInstanceOf(Segment.class, c.floats().segment());
        var entry = store.collections().get("v").snapshot().entries().get(0);
        assertEquals(2, entry.rows());
        assertEquals(16, entry.vectors().byteSize());
    }
}
