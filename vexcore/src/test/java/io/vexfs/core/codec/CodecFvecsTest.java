package io.vexfs.core.codec;

import static io.vexfs.core.codec.VectorFiles.assertRefused;
import static io.vexfs.core.codec.VectorFiles.assertSameBits;
import static io.vexfs.core.codec.VectorFiles.decode;
import static io.vexfs.core.codec.VectorFiles.fvecs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CodecFvecsTest {
    private static final VectorFormat FVECS = VectorFormat.FVECS;

    @Test
    void readsRecordsOfDimensionThenFloats() throws Exception {
        VectorData data = decode(FVECS, fvecs(3, 1, 2, 3, -0f, 0.5f, Float.MIN_VALUE), 0);
        assertEquals(FVECS, data.format());
        assertEquals(2, data.rows());
        assertEquals(3, data.dim());
        assertSameBits(new float[] {1, 2, 3, -0f, 0.5f, Float.MIN_VALUE}, data.values());
        assertNull(data.npyHeader());
    }

    @Test
    void emptyInputHasNoRows() throws Exception {
        VectorData data = decode(FVECS, new byte[0], 16);
        assertEquals(0, data.rows());
        assertEquals(0, data.dim());
    }

    @Test
    void manyRecordsAcrossTheReadBuffer() throws Exception {
        Random random = new Random(3);
        for (int dim : new int[] {1, 7, 100, 65536}) {
            float[] values = new float[(3_000_000 / (4 * dim) + 1) * dim];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            VectorData data = decode(FVECS, fvecs(dim, values), dim);
            assertEquals(values.length / dim, data.rows());
            assertSameBits(values, data.values());
        }
    }

    @Test
    void dimensionMustBeBetween1And65536() {
        for (int dim : new int[] {0, -1, 65537, Integer.MIN_VALUE}) {
            assertRefused(FVECS, record(dim, 1f), 0, "row 0", "dimension " + dim + " is not between 1 and 65536");
            assertRefused(FVECS, concat(fvecs(1, 5f, 6f), record(dim, 1f)), 0, "row 2",
                    "dimension " + dim + " is not between 1 and 65536");
        }
    }

    @Test
    void everyRecordMustHaveTheFirstRecordsDimension() {
        assertRefused(FVECS, concat(fvecs(2, 1, 2, 3, 4), record(3, 1, 2, 3)), 0, "row 2",
                "dimension 3 differs from row 0's 2");
        assertRefused(FVECS, concat(fvecs(2, 1, 2), record(1, 1), record(1, 1)), 0, "row 1",
                "dimension 1 differs from row 0's 2");
    }

    @Test
    void everyRecordMustHaveTheCollectionsDimension() throws Exception {
        byte[] file = concat(fvecs(2, 1, 2, 3, 4), record(3, 1, 2, 3));
        assertRefused(FVECS, fvecs(2, 1, 2), 3, "row 0", "dimension 2 differs from the collection's 3");
        assertRefused(FVECS, file, 2, "row 2", "dimension 3 differs from the collection's 2");
        assertEquals(2, decode(FVECS, fvecs(2, 1, 2, 3, 4), 2).rows());
    }

    @Test
    void aTruncatedRecordNamesItsRowAndWhatIsMissing() {
        byte[] twoRows = fvecs(3, 1, 2, 3, 4, 5, 6);
        assertRefused(FVECS, Arrays.copyOf(twoRows, 2), 0, "row 0",
                "truncated record: 2 of the 4 bytes of its dimension are present");
        assertRefused(FVECS, Arrays.copyOf(twoRows, 4), 0, "row 0",
                "truncated record: 0 of its 12 float bytes (3 floats) are present");
        assertRefused(FVECS, Arrays.copyOf(twoRows, 17), 0, "row 1",
                "truncated record: 1 of the 4 bytes of its dimension are present");
        assertRefused(FVECS, Arrays.copyOf(twoRows, 27), 0, "row 1",
                "truncated record: 7 of its 12 float bytes (3 floats) are present");
        assertRefused(FVECS, concat(twoRows, record(3, 1)), 0, "row 2",
                "truncated record: 4 of its 12 float bytes (3 floats) are present");
    }

    @Test
    void nanAndInfinityAreRefusedNamingTheRow() {
        assertRefused(FVECS, fvecs(2, 1, 2, 3, Float.NaN), 0, "row 1", "NaN at index 1 is not a finite number");
        assertRefused(FVECS, fvecs(2, Float.NEGATIVE_INFINITY, 2), 0, "row 0",
                "-Infinity at index 0 is not a finite number");
        float[] values = new float[5000 * 4];
        values[4321 * 4 + 2] = Float.POSITIVE_INFINITY;
        assertRefused(FVECS, fvecs(4, values), 0, "row 4321", "Infinity at index 2 is not a finite number");
        byte[] quietNaN = fvecs(1, 0f);
        ByteBuffer.wrap(quietNaN).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x7fc0_0001);
        assertRefused(FVECS, quietNaN, 0, "row 0", "NaN at index 0 is not a finite number");
    }

    @Test
    void aStreamShorterThanItsDeclaredSizeIsAnIoFault() {
        byte[] file = fvecs(2, 1, 2);
        assertThrows(EOFException.class,
                () -> VectorCodec.decode(FVECS, new ByteArrayInputStream(file), file.length + 8, 0));
    }

    /** One record with any value in its dimension field. */
    private static byte[] record(int dimField, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN).putInt(dimField);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
