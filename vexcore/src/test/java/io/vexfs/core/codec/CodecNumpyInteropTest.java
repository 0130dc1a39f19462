package io.vexfs.core.codec;

import static io.vexfs.core.codec.VectorFiles.assertSameBits;
import static io.vexfs.core.codec.VectorFiles.decode;
import static io.vexfs.core.codec.VectorFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vexfs.core.content.VectorContents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our files against numpy's own reader and writer; skipped where /usr/bin/python3 with numpy is missing. */
class CodecNumpyInteropTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsNumpy() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        Assumptions.assumeTrue(python("import numpy").exitCode == 0, "python3 has no numpy");
    }

    @Test
    void decodesWhatNpSaveWritesAndReadsItBackByteForByte() throws Exception {
        Random random = new Random(8);
        int[][] shapes = {{1, 1}, {1, 300}, {4, 128}, {37, 3}, {2, 4096}, {0, 5}};
        for (int[] shape : shapes) {
            for (boolean oneDimensional : new boolean[] {false, true}) {
                if (oneDimensional && shape[0] != 1) {
                    continue;
                }
                float[] values = randomFloats(random, shape[0] * shape[1]);
                Path raw = dir.resolve("values.f32");
                Path npy = dir.resolve("saved.npy");
                Files.write(raw, littleEndian(values));
                String reshape = oneDimensional ? "(" + shape[1] + ",)" : "(" + shape[0] + ", " + shape[1] + ")";
                run("import numpy as np, sys; np.save(sys.argv[2], np.fromfile(sys.argv[1], dtype='<f4').reshape("
                        + reshape + "))", raw.toString(), npy.toString());
                byte[] file = Files.readAllBytes(npy);
                VectorData data = decode(VectorFormat.NPY, file, 0);
                assertEquals(shape[0], data.rows(), reshape);
                assertEquals(shape[1], data.dim(), reshape);
                assertSameBits(values, data.values());
                assertArrayEquals(file, readAll(VectorContents.render(data)), reshape);
                if (!oneDimensional) {
                    VectorData converted = VectorCodec.convert(
                            new VectorData(VectorFormat.FVECS, shape[0], shape[1], values, null), VectorFormat.NPY);
                    assertArrayEquals(file, readAll(VectorContents.render(converted)), "converted " + reshape);
                }
            }
        }
    }

    @Test
    void numpyAndPythonReadOurVecTextToTheSameFloats() throws Exception {
        Random random = new Random(9);
        int rows = 50;
        int dim = 64;
        float[] values = randomFloats(random, rows * dim);
        Path vec = dir.resolve("ours.vec");
        Files.write(vec, readAll(VectorContents.render(new VectorData(VectorFormat.VEC, rows, dim, values, null))));
        Path loadtxt = dir.resolve("loadtxt.f32");
        Path pyFloat = dir.resolve("pyfloat.f32");
        run("import numpy as np, sys, struct\n"
                + "np.loadtxt(sys.argv[1], dtype=np.float32, ndmin=2).astype('<f4').tofile(sys.argv[2])\n"
                + "with open(sys.argv[1]) as f, open(sys.argv[3], 'wb') as out:\n"
                + "    for line in f:\n"
                + "        out.write(b''.join(struct.pack('<f', float(t)) for t in line.split(' ')))\n",
                vec.toString(), loadtxt.toString(), pyFloat.toString());
        assertSameBits(values, floats(Files.readAllBytes(loadtxt)));
        assertSameBits(values, floats(Files.readAllBytes(pyFloat)));
    }

    private static float[] randomFloats(Random random, int count) {
        float[] special = {-0.0f, Float.MIN_VALUE, Float.intBitsToFloat(0x0004_0001), Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Math.nextUp(0.1f), 1 / 3f, 1e-5f, 1.5e-5f, 16777217f};
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            float f;
            do {
                f = i < special.length ? special[i]
                        : random.nextBoolean() ? (float) random.nextGaussian() : Float.intBitsToFloat(random.nextInt());
            } while (!Float.isFinite(f));
            values[i] = f;
        }
        return values;
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static float[] floats(byte[] littleEndian) {
        float[] values = new float[littleEndian.length / 4];
        ByteBuffer.wrap(littleEndian).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static void run(String script, String... args) throws IOException, InterruptedException {
        Result result = python(script, args);
        assertEquals(0, result.exitCode, result.output);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result python(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
        command.addAll(Arrays.asList(args));
        // Output goes to a file so a hung python cannot block us before the timeout.
        Path log = Files.createTempFile("vexfs-numpy", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "python timed out: " + Files.readString(log));
            }
            return new Result(process.exitValue(), Files.readString(log));
        } finally {
            Files.delete(log);
        }
    }
}
