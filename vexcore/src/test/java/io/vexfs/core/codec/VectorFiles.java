package io.vexfs.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vexfs.core.content.FileContent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Helpers the codec and content tests share: decoding byte arrays, building binary files, reading contents. */
public final class VectorFiles {
    private VectorFiles() {
    }

    public static VectorData decode(VectorFormat format, byte[] bytes, int expectedDim)
            throws InvalidInputException, IOException {
        return VectorCodec.decode(format, new ByteArrayInputStream(bytes), bytes.length, expectedDim);
    }

    public static VectorData decodeVec(String text) throws InvalidInputException, IOException {
        return decode(VectorFormat.VEC, text.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** Asserts that decoding fails with exactly this where and reason. */
    public static void assertRefused(VectorFormat format, byte[] bytes, int expectedDim, String where, String reason) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode(format, bytes, expectedDim));
        assertEquals(where, e.where(), e.getMessage());
        assertEquals(reason, e.reason(), e.getMessage());
    }

    public static void assertVecRefused(String text, String where, String reason) {
        assertRefused(VectorFormat.VEC, text.getBytes(StandardCharsets.UTF_8), 0, where, reason);
    }

    /** An .fvecs file of rows x dim values, row-major. */
    public static byte[] fvecs(int dim, float... values) {
        int rows = values.length / dim;
        ByteBuffer b = ByteBuffer.allocate(rows * (4 + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            b.putInt(dim);
            for (int i = 0; i < dim; i++) {
                b.putFloat(values[r * dim + i]);
            }
        }
        return b.array();
    }

    /** An .npy file: magic, version major.0, the header text as given (no padding added), then the floats LE. */
    public static byte[] npy(int major, String headerText, float... values) {
        byte[] text = headerText.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + text.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    public static byte[] readAll(FileContent content) {
        byte[] all = new byte[Math.toIntExact(content.size())];
        assertEquals(all.length, content.read(0, MemorySegment.ofArray(all)));
        return all;
    }

    public static void assertSameBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            int index = i;
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    () -> "value " + index + ": " + expected[index] + " vs " + actual[index]);
        }
    }
}
