package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad vector input (DESIGN.md §4): close() fails with EINVAL, the file keeps its
 * previous content, nothing is committed, and .vexfs/errors names the path, where and why.
 */
class BadInputTest {
    private static MountFixture m;

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start();
        Files.createDirectories(m.path("c"));
        Files.writeString(m.path("c/base.vec"), "1 2 3\n");
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
    }

    /** Writes {@code bad} over a file holding {@code good}; checks the refusal end to end. */
    private void refused(String name, byte[] good, byte[] bad, String where, String reason) throws IOException {
        Path f = m.path("c/" + name);
        Files.write(f, good);
        byte[] before = Files.readAllBytes(f);
        IOException e = assertThrows(IOException.class, () -> {
            try (OutputStream out = Files.newOutputStream(f)) {
                out.write(bad);
            }
        });
        assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f), "previous content kept");
        String errors = Files.readString(m.path(".vexfs/errors"));
        String line = errors.lines().filter(l -> l.contains("/c/" + name)).reduce((a, b) -> b).orElse("");
        assertTrue(line.contains("EINVAL"), errors);
        assertTrue(line.contains(where), "expected '" + where + "' in: " + line);
        assertTrue(line.contains(reason), "expected '" + reason + "' in: " + line);
        assertTrue(line.contains("flush:"), "refused at close: " + line);
        assertTrue(errors.lines().noneMatch(l -> l.contains("/c/" + name) && l.contains("release:")),
                "reported once, at close: " + errors);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] fvecs(int dim, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(dim);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void aNumberThatDoesNotParse() throws IOException {
        refused("p.vec", ascii("4 5 6\n"), ascii("1 2 3\n4 five 6\n"), "line 2", "five");
    }

    @Test
    void nanAndInfinity() throws IOException {
        refused("n.vec", ascii("4 5 6\n"), ascii("1 NaN 3\n"), "line 1", "NaN");
        refused("i.vec", ascii("4 5 6\n"), ascii("1 2 1e39\n"), "line 1", "out of float32 range");
        refused("n.fvecs", fvecs(3, 1, 2, 3), fvecs(3, 1, Float.POSITIVE_INFINITY, 3), "row 0", "not a finite number");
    }

    @Test
    void aDimensionThatDiffersFromTheCollections() throws IOException {
        refused("d.vec", ascii("4 5 6\n"), ascii("1 2\n"), "line 1", "differs from the collection's 3");
        refused("d.fvecs", fvecs(3, 1, 2, 3), fvecs(2, 1, 2), "row 0", "differs");
    }

    @Test
    void anEmptyLineInTheMiddle() throws IOException {
        refused("e.vec", ascii("4 5 6\n"), ascii("1 2 3\n\n4 5 6\n"), "line 2", "empty line");
    }

    @Test
    void aTruncatedFvecsRecord() throws IOException {
        byte[] whole = fvecs(3, 1, 2, 3);
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 2);
        refused("t.fvecs", whole, cut, "row 0", "truncated");
    }

    @Test
    void aMalformedOrNonFloat32NpyHeader() throws IOException {
        byte[] good = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", 12);
        refused("h.npy", good, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", 24), "header", "<f8");
        refused("g.npy", good, npy("{'descr': '<f4', 'shape': (1, 3 }", 12), "header", "");
        refused("f.npy", good, ascii("not an npy file at all"), "header", "");
    }

    private static byte[] npy(String dict, int dataBytes) {
        String header = dict;
        int total = 10 + header.length() + 1;
        header = header + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put(ascii("NUMPY")).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(ascii(header));
        return b.array();
    }

    @Test
    void refusedFilesAreNotSearchableOrCounted() throws IOException {
        String before = Files.readString(m.path("c/.collection"));
        // bash ignores close() errors on '>', so write with dd, which reports them.
        MountFixture.Result r = m.sh("printf '1 2 3\\n1 2\\n' | dd of=c/new.vec status=none");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Invalid argument"), r.err());
        // A new file that was refused on its first commit exists, empty.
        assertEquals(0, Files.size(m.path("c/new.vec")));
        assertEquals(before, Files.readString(m.path("c/.collection")));
    }

    @Test
    void cpOfABadFileFailsAndLeavesNothingBehind() throws IOException {
        Path bad = m.root.resolve("bad.vec");
        Files.writeString(bad, "1 2 3\n1 x 3\n");
        MountFixture.Result r = m.sh("cp " + bad + " c/copied.vec");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Invalid argument"), r.err());
        assertEquals(0, Files.size(m.path("c/copied.vec")));
    }

    @Test
    void badCollectionSettings() throws IOException {
        MountFixture.Result r = m.sh("echo 'metric = manhattan' | tee c/.collection > /dev/null");
        assertNotEquals(0, r.exit());
        assertTrue(Files.readString(m.path("c/.collection")).contains("metric = l2"));
        assertTrue(Files.readString(m.path(".vexfs/errors")).contains("manhattan"));
        assertNotEquals(0, m.sh("echo 'colour = blue' | tee c/.collection > /dev/null").exit());
        assertFalse(Files.readString(m.path("c/.collection")).contains("colour"));
    }
}
