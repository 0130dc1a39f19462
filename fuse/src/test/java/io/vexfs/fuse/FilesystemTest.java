package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ordinary filesystem behaviour through a real mount, with Java file I/O and shell tools. */
class FilesystemTest {
    private static MountFixture m;

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start();
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
    }

    @Test
    void collectionsAreDirectoriesWithSettings() throws IOException {
        Path c = m.path("coll");
        Files.createDirectory(c);
        assertTrue(Files.isDirectory(c));
        String settings = Files.readString(c.resolve(".collection"));
        assertTrue(settings.contains("metric = l2"), settings);
        assertTrue(settings.contains("k = 10"), settings);
        Files.writeString(c.resolve(".collection"), "metric = cosine\nk = 5\n");
        String after = Files.readString(c.resolve(".collection"));
        assertTrue(after.contains("metric = cosine") && after.contains("k = 5"), after);
        // dim set by the first vector, then fixed.
        Files.writeString(c.resolve("a.vec"), "1 2 3\n");
        assertTrue(Files.readString(c.resolve(".collection")).contains("dim = 3"));
        IOException e = assertThrows(IOException.class,
                () -> Files.writeString(c.resolve(".collection"), "dim = 4\n"));
        assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
        assertTrue(Files.readString(c.resolve(".collection")).contains("dim = 3"));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(c));
        Files.delete(c.resolve("a.vec"));
        Files.delete(c);
        assertFalse(Files.exists(c));
    }

    @Test
    void subdirectoriesInsideACollection() throws IOException {
        Path sub = m.path("subs/a/b");
        Files.createDirectories(sub);
        Files.writeString(sub.resolve("x.vec"), "0.5 0.25\n");
        assertEquals("0.5 0.25\n", Files.readString(sub.resolve("x.vec")));
        m.sh("ls -R subs").ok();
        assertEquals(0, m.sh("rm -r subs").exit());
        assertFalse(Files.exists(m.path("subs")));
    }

    @Test
    void ordinaryFilesAreStoredByteForByte() throws IOException {
        Files.createDirectories(m.path("plain"));
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        Path f = m.path("plain/blob.bin");
        Files.write(f, bytes);
        assertArrayEquals(bytes, Files.readAllBytes(f));
        assertEquals(bytes.length, Files.size(f));
        Files.writeString(m.path("notes.txt"), "top-level ordinary file\n");
        assertEquals("top-level ordinary file\n", Files.readString(m.path("notes.txt")));
    }

    @Test
    void shellToolsCopyCatMoveRemove() throws IOException {
        Path src = m.root.resolve("local.vec");
        Files.writeString(src, "1.5, 2.5, -3\n4 5 6\n");
        m.sh("mkdir -p shell && cp " + src + " shell/v.vec").ok();
        assertEquals("1.5 2.5 -3\n4 5 6\n", m.sh("cat shell/v.vec").ok().out());
        m.sh("cp shell/v.vec " + m.root.resolve("back.vec")).ok();
        assertEquals("1.5 2.5 -3\n4 5 6\n", Files.readString(m.root.resolve("back.vec")));
        m.sh("mv shell/v.vec shell/w.vec").ok();
        assertFalse(Files.exists(m.path("shell/v.vec")));
        assertTrue(m.sh("ls shell").ok().out().contains("w.vec"));
        m.sh("rm shell/w.vec").ok();
        assertEquals("", m.sh("ls shell").ok().out());
    }

    @Test
    void moveAcrossCollectionsNeedsTheSameDimension() throws IOException {
        m.sh("mkdir -p d3 d3b d2 && echo '1 2 3' > d3/a.vec && echo '1 2' > d2/b.vec").ok();
        m.sh("mv d3/a.vec d3b/a.vec").ok();
        assertEquals("1 2 3\n", Files.readString(m.path("d3b/a.vec")));
        // rename(2) fails with EINVAL; mv words EINVAL from rename as "subdirectory of itself".
        MountFixture.Result r = m.sh("mv d3b/a.vec d2/a.vec");
        assertNotEquals(0, r.exit());
        assertTrue(Files.readString(m.path(".vexfs/errors")).contains("differs from the target collection's 2"));
        assertEquals("1 2 3\n", Files.readString(m.path("d3b/a.vec")));
        assertFalse(Files.exists(m.path("d2/a.vec")));
    }

    @Test
    void renameConvertsBetweenFormats() throws IOException {
        m.sh("mkdir -p conv && printf '1 2\\n3 4\\n' > conv/a.vec && mv conv/a.vec conv/a.fvecs").ok();
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(m.path("conv/a.fvecs"))).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(24, b.remaining());
        assertEquals(2, b.getInt());
        assertEquals(1f, b.getFloat());
        assertEquals(2f, b.getFloat());
        m.sh("mv conv/a.fvecs conv/a.npy").ok();
        byte[] npy = Files.readAllBytes(m.path("conv/a.npy"));
        assertEquals((byte) 0x93, npy[0]);
        assertTrue(new String(npy, StandardCharsets.ISO_8859_1).contains("'shape': (2, 2)"));
        m.sh("mv conv/a.npy conv/a.vec").ok();
        assertEquals("1 2\n3 4\n", Files.readString(m.path("conv/a.vec")));
    }

    @Test
    void randomOffsetWritesWithDd() throws IOException {
        Files.createDirectories(m.path("dd"));
        byte[] base = new byte[100_000];
        new Random(3).nextBytes(base);
        Files.write(m.path("dd/f.bin"), base);
        m.sh("printf 'HELLO' | dd of=dd/f.bin bs=1 seek=5000 conv=notrunc status=none").ok();
        byte[] expected = base.clone();
        System.arraycopy("HELLO".getBytes(StandardCharsets.US_ASCII), 0, expected, 5000, 5);
        assertArrayEquals(expected, Files.readAllBytes(m.path("dd/f.bin")));
        // A write past the end leaves a hole of zeros.
        m.sh("printf 'Z' | dd of=dd/f.bin bs=1 seek=200000 conv=notrunc status=none").ok();
        byte[] grown = Files.readAllBytes(m.path("dd/f.bin"));
        assertEquals(200_001, grown.length);
        assertEquals(0, grown[150_000]);
        assertEquals('Z', grown[200_000]);
    }

    @Test
    void truncateAndFtruncate() throws IOException {
        Files.createDirectories(m.path("tr"));
        Files.writeString(m.path("tr/t.txt"), "0123456789");
        m.sh("truncate -s 4 tr/t.txt").ok();
        assertEquals("0123", Files.readString(m.path("tr/t.txt")));
        try (FileChannel ch = FileChannel.open(m.path("tr/t.txt"), StandardOpenOption.WRITE)) {
            ch.truncate(2);
        }
        assertEquals("01", Files.readString(m.path("tr/t.txt")));
        m.sh("truncate -s 0 tr/t.txt").ok();
        assertEquals(0, Files.size(m.path("tr/t.txt")));
    }

    @Test
    void chmodAndTimestampsAreKept() throws IOException {
        Files.createDirectories(m.path("attrs"));
        Path f = m.path("attrs/a.txt");
        Files.writeString(f, "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        m.sh("touch -d '2001-02-03 04:05:06 UTC' attrs/a.txt").ok();
        assertEquals(FileTime.fromMillis(981173106000L), Files.getLastModifiedTime(f));
        m.sh("chmod 755 attrs").ok();
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(m.path("attrs"))));
    }

    @Test
    void posixErrors() throws IOException {
        Files.createDirectories(m.path("errs/dir"));
        Files.writeString(m.path("errs/f.txt"), "f");
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(m.path("errs/dir")));
        assertThrows(NoSuchFileException.class, () -> Files.readString(m.path("errs/none")));
        assertTrue(m.sh("cat errs/f.txt/x").err().contains("Not a directory"));
        assertTrue(m.sh("echo x > errs/dir").err().contains("Is a directory"));

        assertTrue(m.sh("mv errs/dir errs/dir/inside").exit() != 0);
        // A collection cannot become a subdirectory: rename gets EXDEV and mv falls back to copying.
        m.sh("mkdir -p outer && mv errs outer/").ok();
        assertTrue(Files.isDirectory(m.path("outer/errs/dir")));
        assertEquals("f", Files.readString(m.path("outer/errs/f.txt")));
        assertFalse(Files.exists(m.path("errs")));
        assertTrue(Files.readString(m.path(".vexfs/errors")).contains("EXDEV"));
    }

    @Test
    void aVectorFileOutsideACollectionIsRefused() throws IOException {
        MountFixture.Result r = m.sh("echo '1 2 3' > top.vec");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Invalid argument"), r.err());
        assertFalse(Files.exists(m.path("top.vec")));
        assertTrue(Files.readString(m.path(".vexfs/errors")).contains("inside a collection"));
    }

    @Test
    void hostileNamesStayInside() throws IOException {
        Files.createDirectories(m.path("hostile"));
        Set<String> around = listing(m.root);
        // Names that a server joining paths naively would follow out of its data directory.
        for (String name : new String[]{"..x", "...", "..\\..\\escape", "%2e%2e", "a\\b"}) {
            Files.writeString(m.path("hostile").resolve(name), name);
            assertEquals(name, Files.readString(m.path("hostile").resolve(name)));
        }
        MountFixture.Result tooLong = m.sh("touch hostile/" + "n".repeat(300));
        assertTrue(tooLong.err().contains("File name too long"), tooLong.err());
        // Non-UTF-8 bytes in a name are refused, not merged with another name.
        assertNotEquals(0, m.sh("touch $'hostile/bad\\xff\\xfename'").exit());
        assertEquals(around, listing(m.root), "nothing appeared beside the mount");
        try (Stream<Path> s = Files.list(m.data)) {
            assertEquals(Set.of("FORMAT", "wal", "segments"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        try (Stream<Path> s = Files.list(m.data.resolve("wal"))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().matches("(wal-\\d+\\.log|checkpoint-\\d+\\.ckpt|LOCK)")));
        }
        try (Stream<Path> s = Files.list(m.data.resolve("segments"))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().matches("seg-[0-9a-f]{16}\\.(dat|tmp)")));
        }
    }

    private static Set<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("mount-")).collect(Collectors.toSet());
        }
    }

    @Test
    void readdirListsOneHundredThousandEntries() throws IOException {
        Files.createDirectories(m.path("big"));
        int n = 100_000;
        // touch in batches through xargs: real shell tools, many creates.
        m.sh("cd big && seq -f 'f%06g.txt' 0 " + (n - 1) + " | xargs touch").ok();
        String out = m.sh("ls big | wc -l").ok().out().strip();
        assertEquals(String.valueOf(n), out);
        try (Stream<Path> s = Files.list(m.path("big"))) {
            assertEquals(n, s.count());
        }
        m.sh("rm -r big").ok();
    }

    @Test
    void statfsReportsTheDataDirectorysFilesystem() throws IOException {
        String df = m.sh("df -B1 --output=size . | tail -1").ok().out().strip();
        String host = MountFixture.run("df", "-B1", "--output=size", m.data.toString()).ok().out().lines().skip(1).findFirst().orElseThrow().strip();
        assertEquals(host, df);
    }

    @Test
    void fsyncReturnsAfterTheLogIsSynced() throws IOException {
        Files.createDirectories(m.path("sync"));
        try (FileChannel ch = FileChannel.open(m.path("sync/s.vec"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("1 2 3\n".getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        assertEquals("1 2 3\n", Files.readString(m.path("sync/s.vec")));
        String metrics = Files.readString(m.path(".vexfs/metrics"));
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("vexfs_wal_fsyncs_total") && !l.endsWith(" 0.0")), metrics);
    }

    @Test
    void writesAreInvisibleUntilClose() throws IOException {
        Files.createDirectories(m.path("atomic"));
        Files.writeString(m.path("atomic/a.vec"), "1 1\n");
        try (OutputStream out = Files.newOutputStream(m.path("atomic/a.vec"))) {
            out.write("2 2\n3 3\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Another reader still sees the committed content.
            assertEquals("1 1\n", m.sh("cat atomic/a.vec").ok().out());
        }
        assertEquals("2 2\n3 3\n", Files.readString(m.path("atomic/a.vec")));
    }
}
