package io.vexfs.core.content;

import static io.vexfs.core.codec.VectorFiles.assertSameBits;
import static io.vexfs.core.codec.VectorFiles.decode;
import static io.vexfs.core.codec.VectorFiles.fvecs;
import static io.vexfs.core.codec.VectorFiles.npy;
import static io.vexfs.core.codec.VectorFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.codec.VectorData;
import io.vexfs.core.codec.VectorFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorContentsTest {
    /** Floats whose text or bits are easy to get wrong. */
    static final float[] AWKWARD = {
        -0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.intBitsToFloat(0x0000_1234), Float.intBitsToFloat(0x807f_ffff),
        Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), Float.MAX_VALUE, -Float.MAX_VALUE, Math.nextDown(Float.MAX_VALUE),
        0.1f, Math.nextUp(0.1f), Math.nextDown(0.1f), 1 / 3f, -2 / 3f, 1e-5f, 1.5e-5f, 1e7f, 9999999f, 16777216f,
        1.2345679e8f, 0.001f, 9.999999e-4f, 100f, -1f, 3.4e38f, 1e-45f, 2.5e-44f,
    };

    @Test
    void vecTextIsTheShortestDecimalTidied() {
        float[] values = {1, -0.0f, 1e-5f, 1.5e-5f, 0.1f, 1.2345679e8f, Float.MAX_VALUE, Float.MIN_VALUE, 1e10f, 100f,
            1e7f, 0.001f, -2.5f, 0};
        String text = vecText(new VectorData(VectorFormat.VEC, 2, 7, values, null));
        assertEquals("1 -0 1E-5 1.5E-5 0.1 1.2345679E8 3.4028235E38\n1.4E-45 1E10 100 1E7 0.001 -2.5 0\n", text);
        assertEquals("", vecText(new VectorData(VectorFormat.VEC, 0, 0, new float[0], null)));
    }

    @Test
    void fvecsIsDimensionThenFloatsLittleEndianPerRow() {
        float[] values = {1, 2, 3, 4, 5, 6};
        FileContent content = VectorContents.render(new VectorData(VectorFormat.FVECS, 2, 3, values, null));
        assertEquals(2 * (4 + 12), content.size());
        assertArrayEquals(fvecs(3, values), readAll(content));
    }

    @Test
    void npyWithoutAHeaderGetsNumpysHeader() {
        float[] values = {1, 2, 3, 4, 5, 6};
        FileContent content = VectorContents.render(new VectorData(VectorFormat.NPY, 3, 2, values, null));
        byte[] header = VectorCodec.npyHeader(3, 2);
        byte[] all = readAll(content);
        assertEquals(header.length + 24, content.size());
        assertArrayEquals(header, Arrays.copyOf(all, header.length));
        assertSameBits(values, toFloats(Arrays.copyOfRange(all, header.length, all.length)));
    }

    @Test
    void fvecsRoundTripsBitForBitAndByteForByte() throws Exception {
        Random random = new Random(1);
        for (int round = 0; round < 30; round++) {
            int dim = dimFor(round, random);
            float[] values = randomValues(random, (1 + random.nextInt(4)) * dim);
            byte[] file = fvecs(dim, values);
            VectorData data = decode(VectorFormat.FVECS, file, dim);
            FileContent content = VectorContents.render(data);
            assertEquals(file.length, content.size());
            assertArrayEquals(file, readAll(content));
            assertSameBits(values, decode(VectorFormat.FVECS, readAll(content), 0).values());
            BytesContentTest.assertPiecesEqual(file, content, random);
        }
    }

    @Test
    void npyRoundTripsBitForBitAndByteForByte() throws Exception {
        Random random = new Random(2);
        for (int round = 0; round < 30; round++) {
            int dim = dimFor(round, random);
            int rows = 1 + random.nextInt(4);
            float[] values = randomValues(random, rows * dim);
            String shape = rows == 1 && random.nextBoolean() ? "(" + dim + ",)" : "(" + rows + ", " + dim + ")";
            byte[] file = npy(1 + random.nextInt(3),
                    "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }" + " ".repeat(random.nextInt(80)) + "\n",
                    values);
            VectorData data = decode(VectorFormat.NPY, file, 0);
            FileContent content = VectorContents.render(data);
            assertEquals(file.length, content.size());
            assertArrayEquals(file, readAll(content));
            assertSameBits(values, decode(VectorFormat.NPY, readAll(content), dim).values());
            BytesContentTest.assertPiecesEqual(file, content, random);
        }
    }

    @Test
    void vecRoundTripsBitForBit() throws Exception {
        Random random = new Random(3);
        for (int round = 0; round < 30; round++) {
            int dim = dimFor(round, random);
            int rows = 1 + random.nextInt(4);
            float[] values = randomValues(random, rows * dim);
            FileContent content = VectorContents.render(new VectorData(VectorFormat.VEC, rows, dim, values, null));
            byte[] text = readAll(content);
            VectorData decoded = decode(VectorFormat.VEC, text, dim);
            assertEquals(rows, decoded.rows());
            assertSameBits(values, decoded.values());
            assertArrayEquals(text, readAll(VectorContents.render(decoded)));
            BytesContentTest.assertPiecesEqual(text, content, random);
        }
    }

    @Test
    void largeVecTextSpansManyChunks() throws Exception {
        Random random = new Random(4);
        int dim = 1000;
        float[] values = randomValues(random, 300 * dim);
        FileContent content = VectorContents.render(new VectorData(VectorFormat.VEC, 300, dim, values, null));
        byte[] text = readAll(content);
        assertEquals(text.length, content.size());
        assertSameBits(values, decode(VectorFormat.VEC, text, dim).values());
        BytesContentTest.assertPiecesEqual(text, content, random);
    }

    @Test
    void convertingKeepsTheVectorsThroughEveryFormat() throws Exception {
        Random random = new Random(5);
        float[] values = randomValues(random, 3 * 17);
        VectorData vec = new VectorData(VectorFormat.VEC, 3, 17, values, null);
        VectorData npy = VectorCodec.convert(vec, VectorFormat.NPY);
        VectorData fvecs = VectorCodec.convert(decode(VectorFormat.NPY, readAll(VectorContents.render(npy)), 17),
                VectorFormat.FVECS);
        VectorData back = VectorCodec.convert(decode(VectorFormat.FVECS, readAll(VectorContents.render(fvecs)), 17),
                VectorFormat.VEC);
        assertArrayEquals(VectorCodec.npyHeader(3, 17), npy.npyHeader());
        assertEquals(VectorFormat.VEC, back.format());
        assertSameBits(values, decode(VectorFormat.VEC, readAll(VectorContents.render(back)), 17).values());
        assertEquals(vec, VectorCodec.convert(vec, VectorFormat.VEC));
    }

    @Test
    void binaryContentRendersIntoNativeMemoryAtOddOffsets() throws Exception {
        float[] values = randomValues(new Random(6), 5 * 33);
        byte[] file = fvecs(33, values);
        FileContent content = VectorContents.render(decode(VectorFormat.FVECS, file, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(file.length + 16).asSlice(3);
            assertEquals(file.length - 7, content.read(7, dst));
            assertArrayEquals(Arrays.copyOfRange(file, 7, file.length),
                    dst.asSlice(0, file.length - 7).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    private static int dimFor(int round, Random random) {
        return switch (round) {
            case 0 -> 1;
            case 1 -> 4096;
            default -> 1 + random.nextInt(4096);
        };
    }

    /** Random floats of every magnitude, with the awkward ones mixed in. */
    static float[] randomValues(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = switch (random.nextInt(4)) {
                case 0 -> AWKWARD[random.nextInt(AWKWARD.length)];
                case 1 -> (float) random.nextGaussian();
                default -> finiteBits(random);
            };
        }
        System.arraycopy(AWKWARD, 0, values, 0, Math.min(count, AWKWARD.length));
        return values;
    }

    private static float finiteBits(Random random) {
        while (true) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isFinite(f)) {
                return f;
            }
        }
    }

    private static String vecText(VectorData data) {
        return new String(readAll(VectorContents.render(data)), StandardCharsets.US_ASCII);
    }

    private static float[] toFloats(byte[] littleEndian) {
        float[] floats = new float[littleEndian.length / 4];
        ByteBuffer.wrap(littleEndian).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
        return floats;
    }
}
