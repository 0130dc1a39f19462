package io.vexfs.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vexfs.core.content.FileContent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** Helpers the codec and content tests share: decoding byte arrays, building binary files, reading contents. */
public final class VectorFiles {
    private VectorFiles() {
    }

    /**
     * Decodes a whole file, and checks that the push decoder gives the same rows when the same
     * bytes arrive a byte at a time (small files) and at random split points.
     */
    public static VectorData decode(VectorFormat format, byte[] bytes, int expectedDim)
            throws InvalidInputException, IOException {
        VectorData whole = VectorCodec.decode(format, new ByteArrayInputStream(bytes), bytes.length, expectedDim);
        for (int[] cuts : splits(bytes.length)) {
            Pushed pushed;
            try {
                pushed = push(format, bytes, expectedDim, cuts);
            } catch (InvalidInputException e) {
                throw new AssertionError("split " + describe(cuts) + " refused what the whole file passes: " + e.getMessage(), e);
            }
            assertEquals(whole.rows(), pushed.shape().rows(), "rows, split " + describe(cuts));
            assertEquals(whole.dim(), pushed.shape().dim(), "dim, split " + describe(cuts));
            assertArrayEquals(whole.npyHeader(), pushed.shape().npyHeader(), "header, split " + describe(cuts));
            assertSameBits(whole.values(), pushed.values());
        }
        return whole;
    }

    /** What a push decoder emitted for a whole file, and the shape it returned. */
    public record Pushed(float[] values, DecodedShape shape, int sinkCalls) {
    }

    /**
     * Pushes {@code bytes} into a decoder in pieces that end at {@code cuts} (ascending), then
     * finishes; with the whole-file decoder's limit on numbers, to compare like with like.
     */
    public static Pushed push(VectorFormat format, byte[] bytes, int expectedDim, int[] cuts)
            throws InvalidInputException, IOException {
        Gathering sink = new Gathering();
        VectorStreamDecoder decoder = StreamDecoder.create(format, expectedDim, 1, VectorCodec.MAX_VALUES, sink);
        MemorySegment all = MemorySegment.ofArray(bytes);
        int from = 0;
        for (int cut : cuts) {
            decoder.accept(all.asSlice(from, cut - from));
            from = cut;
        }
        decoder.accept(all.asSlice(from));
        DecodedShape shape = decoder.finish();
        return new Pushed(sink.values(), shape, sink.calls);
    }

    /** A sink that keeps every row it is given. */
    public static final class Gathering implements RowSink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        public int calls;
        public long rows;

        @Override
        public void rows(MemorySegment floats, int rowCount, int dim) {
            assertEquals((long) rowCount * dim * Float.BYTES, floats.byteSize(), "whole rows only");
            bytes.writeBytes(floats.toArray(ValueLayout.JAVA_BYTE));
            rows += rowCount;
            calls++;
        }

        public float[] values() {
            byte[] all = bytes.toByteArray();
            float[] values = new float[all.length / Float.BYTES];
            ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            return values;
        }
    }

    /** Split points to try: every byte for a small file, and three random splittings (fixed seeds). */
    static List<int[]> splits(int length) {
        List<int[]> all = new ArrayList<>();
        if (length <= BYTE_AT_A_TIME_MAX) {
            all.add(IntStream.range(1, length).toArray());
        }
        for (int seed = 1; seed <= 3; seed++) {
            Random random = new Random(seed * 7919L + length);
            int pieces = 1 + random.nextInt(Math.max(1, Math.min(length, 200)));
            all.add(random.ints(pieces, 0, length + 1).sorted().distinct().toArray());
        }
        return all;
    }

    private static final int BYTE_AT_A_TIME_MAX = 1 << 16;

    private static String describe(int[] cuts) {
        return cuts.length > 12 ? cuts.length + " cuts" : Arrays.toString(cuts);
    }

    public static VectorData decodeVec(String text) throws InvalidInputException, IOException {
        return decode(VectorFormat.VEC, text.getBytes(StandardCharsets.UTF_8), 0);
    }

    /**
     * Asserts that decoding fails with exactly this where and reason, whole and at every split
     * point tried: the push decoder judges a fault the same way however the bytes arrive.
     */
    public static void assertRefused(VectorFormat format, byte[] bytes, int expectedDim, String where, String reason) {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> VectorCodec.decode(format, new ByteArrayInputStream(bytes), bytes.length, expectedDim));
        assertEquals(where, e.where(), e.getMessage());
        assertEquals(reason, e.reason(), e.getMessage());
        for (int[] cuts : splits(bytes.length)) {
            InvalidInputException split = assertThrows(InvalidInputException.class,
                    () -> push(format, bytes, expectedDim, cuts), () -> "split " + describe(cuts));
            assertEquals(where, split.where(), () -> "split " + describe(cuts) + ": " + split.getMessage());
            assertEquals(reason, split.reason(), () -> "split " + describe(cuts) + ": " + split.getMessage());
        }
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
