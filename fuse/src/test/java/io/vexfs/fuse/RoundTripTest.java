package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Vector files of every format through the mount, with random dimensions 1..4096 and awkward
 * floats: what is read back parses to bitwise the same float32 values, and .fvecs/.npy come
 * back byte for byte. Each dimension gets its own collection.
 */
class RoundTripTest {
    private static final float[] AWKWARD = {
        -0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MIN_NORMAL / 3,
        Float.MAX_VALUE, -Float.MAX_VALUE, 0.1f, Math.nextUp(0.1f), Math.nextDown(0.1f), 1f / 3, 2f / 3,
        16777217f, 1e-38f, 3.4028235e38f, 123456.79f, -9.999999e-39f,
    };
    private static MountFixture m;

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start();
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
    }

    private static float[][] vectors(Random r, int rows, int dim) {
        float[][] v = new float[rows][dim];
        for (float[] row : v) {
            for (int i = 0; i < dim; i++) {
                row[i] = r.nextInt(4) == 0 ? AWKWARD[r.nextInt(AWKWARD.length)]
                        : Float.intBitsToFloat(r.nextInt()) / 1e30f + (float) r.nextGaussian();
                if (!Float.isFinite(row[i])) {
                    row[i] = 1.5f;
                }
            }
        }
        return v;
    }

    @Test
    void allFormatsRoundTripBitwise() throws IOException {
        Random r = new Random(42);
        int[] dims = new int[24];
        dims[0] = 1;
        dims[1] = 4096;
        for (int i = 2; i < dims.length; i++) {
            dims[i] = 1 + r.nextInt(4096);
        }
        for (int dim : dims) {
            Path coll = m.path("rt" + dim);
            Files.createDirectories(coll);
            int rows = 1 + r.nextInt(3);
            float[][] v = vectors(r, rows, dim);

            Files.write(coll.resolve("a.vec"), vecText(v));
            assertBitwise(v, parseVec(Files.readString(coll.resolve("a.vec"))), "vec dim " + dim);
            assertEquals(Files.readAllBytes(coll.resolve("a.vec")).length, Files.size(coll.resolve("a.vec")));

            byte[] fvecs = fvecs(v);
            Files.write(coll.resolve("b.fvecs"), fvecs);
            assertArrayEquals(fvecs, Files.readAllBytes(coll.resolve("b.fvecs")), "fvecs dim " + dim);
            assertEquals(fvecs.length, Files.size(coll.resolve("b.fvecs")));

            byte[] npy = npy(v, rows == 1 && dim % 2 == 0);
            Files.write(coll.resolve("c.npy"), npy);
            assertArrayEquals(npy, Files.readAllBytes(coll.resolve("c.npy")), "npy dim " + dim);
        }
        // And after a remount, the same bytes.
        m.stop();
        m.mount();
        Random again = new Random(42);
        for (int i = 2; i < dims.length; i++) {
            again.nextInt(4096);
        }
        for (int dim : dims) {
            Path coll = m.path("rt" + dim);
            assertEquals(Files.readAllBytes(coll.resolve("b.fvecs")).length, Files.size(coll.resolve("b.fvecs")));
            float[][] fromVec = parseVec(Files.readString(coll.resolve("a.vec")));
            assertEquals(dim, fromVec[0].length);
        }
    }

    @Test
    void shellCpBothWaysKeepsBytes() throws IOException {
        Random r = new Random(5);
        float[][] v = vectors(r, 50, 128);
        Path local = m.root.resolve("in.fvecs");
        Files.write(local, fvecs(v));
        m.sh("mkdir -p cpc && cp " + local + " cpc/x.fvecs && cp cpc/x.fvecs " + m.root.resolve("out.fvecs")).ok();
        assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(m.root.resolve("out.fvecs")));
        MountFixture.Result cmp = MountFixture.run("cmp", local.toString(), m.path("cpc/x.fvecs").toString());
        assertEquals(0, cmp.exit(), cmp.out());
    }

    static byte[] vecText(float[][] v) {
        StringBuilder sb = new StringBuilder();
        for (float[] row : v) {
            for (int i = 0; i < row.length; i++) {
                // Java's repr, with a comma or tab now and then: any separator is accepted.
                sb.append(i == 0 ? "" : i % 7 == 0 ? ",\t" : " ").append(row[i]);
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static float[][] parseVec(String text) {
        return text.lines().map(l -> {
            String[] parts = l.split(" ");
            float[] row = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                row[i] = Float.parseFloat(parts[i]);
            }
            return row;
        }).toArray(float[][]::new);
    }

    static byte[] fvecs(float[][] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * (4 + 4 * v[0].length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : v) {
            b.putInt(row.length);
            for (float f : row) {
                b.putFloat(f);
            }
        }
        return b.array();
    }

    /** A numpy-style .npy, format 1.0; {@code oneD} writes shape (dim,). */
    static byte[] npy(float[][] v, boolean oneD) {
        String shape = oneD ? "(" + v[0].length + ",)" : "(" + v.length + ", " + v[0].length + ")";
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * v.length * v[0].length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float[] row : v) {
            for (float f : row) {
                b.putFloat(f);
            }
        }
        return b.array();
    }

    private static void assertBitwise(float[][] expected, float[][] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, actual[r].length, what);
            for (int i = 0; i < expected[r].length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[r][i]), Float.floatToRawIntBits(actual[r][i]),
                        what + " row " + r + " col " + i + ": " + expected[r][i] + " vs " + actual[r][i]);
            }
        }
    }
}
