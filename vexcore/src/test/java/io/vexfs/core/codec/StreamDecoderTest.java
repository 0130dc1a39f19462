package io.vexfs.core.codec;

import static io.vexfs.core.codec.VectorFiles.fvecs;
import static io.vexfs.core.codec.VectorFiles.npy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The push decoders' contract with a writer: what each write refuses, what only the end refuses, what the sink gets. */
class StreamDecoderTest {
    private static final String HEADER_2X3 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";

    private final VectorFiles.Gathering sink = new VectorFiles.Gathering();

    private static MemorySegment text(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static MemorySegment bytes(byte[] b, int from, int to) {
        return MemorySegment.ofArray(Arrays.copyOfRange(b, from, to));
    }

    private static void assertFault(InvalidInputException e, String where, String reason) {
        assertEquals(where, e.where(), e.getMessage());
        assertTrue(e.reason().contains(reason), e.getMessage());
    }

    @Test
    void aVecLineIsJudgedByTheWriteThatEndsIt() throws Exception {
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.VEC, 0, sink);
        d.accept(text("1 2\n3 "));
        d.accept(text("x"));
        assertFault(assertThrows(InvalidInputException.class, () -> d.accept(text("\n"))), "line 2", "'x'");

        VectorStreamDecoder wrongDim = VectorStreamDecoder.of(VectorFormat.VEC, 2, sink);
        wrongDim.accept(text("1 2\n4 5 "));
        assertFault(assertThrows(InvalidInputException.class, () -> wrongDim.accept(text("6\n"))),
                "line 2", "dimension 3 differs from the collection's 2");

        VectorStreamDecoder nan = VectorStreamDecoder.of(VectorFormat.VEC, 0, sink);
        assertFault(assertThrows(InvalidInputException.class, () -> nan.accept(text("1 NaN 3\n"))), "line 1", "NaN");
    }

    @Test
    void anUnterminatedLastVecLineIsJudgedAtTheEnd() throws Exception {
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.VEC, 0, sink);
        d.accept(text("1 2\n3 x"));
        assertFault(assertThrows(InvalidInputException.class, d::finish), "line 2", "'x' is not a decimal number");

        VectorStreamDecoder ok = VectorStreamDecoder.of(VectorFormat.VEC, 0, sink);
        ok.accept(text("1 2\n3 4"));
        assertEquals(new DecodedShape(VectorFormat.VEC, 2, 2, null), ok.finish());
    }

    @Test
    void rowsReachTheSinkAtTheWriteThatCompletesThem() throws Exception {
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.VEC, 0, sink);
        d.accept(text("1 2\n3 4\n5"));
        assertEquals(2, sink.rows);
        assertArrayEquals(new float[] {1, 2, 3, 4}, sink.values());
        d.accept(text(" 6\n"));
        assertEquals(3, sink.rows);
        d.finish();
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, sink.values());
    }

    @Test
    void anFvecsRecordOfTheWrongDimensionIsRefusedOnceItsFourBytesArrive() throws Exception {
        byte[] file = fvecs(2, 1, 2, 3, 4);
        byte[] bad = fvecs(3, 1, 2, 3);
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.FVECS, 0, sink);
        d.accept(MemorySegment.ofArray(file));
        d.accept(bytes(bad, 0, 3));
        assertFault(assertThrows(InvalidInputException.class, () -> d.accept(bytes(bad, 3, 4))),
                "row 2", "dimension 3 differs from row 0's 2");
        assertEquals(2, sink.rows);

        VectorStreamDecoder zero = VectorStreamDecoder.of(VectorFormat.FVECS, 0, sink);
        assertFault(assertThrows(InvalidInputException.class, () -> zero.accept(bytes(new byte[8], 0, 4))),
                "row 0", "dimension 0 is not between 1 and 65536");
    }

    @Test
    void aTruncatedFvecsRecordIsRefusedOnlyAtTheEnd() throws Exception {
        byte[] file = fvecs(3, 1, 2, 3, 4, 5, 6);
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.FVECS, 0, sink);
        d.accept(bytes(file, 0, file.length - 5));
        assertEquals(1, sink.rows, "the whole first record went on");
        assertFault(assertThrows(InvalidInputException.class, d::finish), "row 1", "truncated record: 7 of its 12 float bytes");
    }

    @Test
    void nanIsRefusedByTheWriteThatCompletesItsRow() throws Exception {
        byte[] file = fvecs(2, 1, 2, Float.NaN, 4);
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.FVECS, 0, sink);
        d.accept(bytes(file, 0, file.length - 1));
        assertFault(assertThrows(InvalidInputException.class, () -> d.accept(bytes(file, file.length - 1, file.length))),
                "row 1", "NaN at index 0");

        byte[] npyFile = npy(1, HEADER_2X3, 1, 2, 3, 4, Float.POSITIVE_INFINITY, 6);
        VectorStreamDecoder n = VectorStreamDecoder.of(VectorFormat.NPY, 0, sink);
        assertFault(assertThrows(InvalidInputException.class, () -> n.accept(MemorySegment.ofArray(npyFile))),
                "row 1", "Infinity at index 1");
    }

    @Test
    void anNpyHeaderIsJudgedAsSoonAsItsBytesAreThere() throws Exception {
        byte[] badMagic = npy(1, HEADER_2X3, 1, 2, 3, 4, 5, 6);
        badMagic[1] = 'X';
        VectorStreamDecoder magic = VectorStreamDecoder.of(VectorFormat.NPY, 0, sink);
        assertFault(assertThrows(InvalidInputException.class, () -> magic.accept(bytes(badMagic, 0, 6))),
                "header", "not an .npy file");

        byte[] f8 = npy(1, HEADER_2X3.replace("<f4", "<f8"));
        VectorStreamDecoder dtype = VectorStreamDecoder.of(VectorFormat.NPY, 0, sink);
        dtype.accept(bytes(f8, 0, f8.length - 1));
        assertFault(assertThrows(InvalidInputException.class, () -> dtype.accept(bytes(f8, f8.length - 1, f8.length))),
                "header", "dtype '<f8'");

        byte[] good = npy(1, HEADER_2X3, 1, 2, 3, 4, 5, 6);
        VectorStreamDecoder wrongDim = VectorStreamDecoder.of(VectorFormat.NPY, 4, sink);
        assertFault(assertThrows(InvalidInputException.class, () -> wrongDim.accept(MemorySegment.ofArray(good))),
                "header", "dimension 3 differs from the collection's 4");
    }

    @Test
    void npyDataShorterOrLongerThanItsShapeIsRefusedAtTheEnd() throws Exception {
        byte[] file = npy(1, HEADER_2X3, 1, 2, 3, 4, 5, 6);
        VectorStreamDecoder shortData = VectorStreamDecoder.of(VectorFormat.NPY, 0, sink);
        shortData.accept(bytes(file, 0, file.length - 4));
        assertFault(assertThrows(InvalidInputException.class, shortData::finish), "row 1", "truncated data: 20 bytes");

        VectorStreamDecoder longData = VectorStreamDecoder.of(VectorFormat.NPY, 0, sink);
        longData.accept(MemorySegment.ofArray(file));
        longData.accept(text("xyz"));
        assertFault(assertThrows(InvalidInputException.class, longData::finish), "row 2", "3 bytes beyond the data");
    }

    @Test
    void afterARefusalEveryCallRefusesAgain() throws Exception {
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.VEC, 0, sink);
        d.accept(text("1 2\n"));
        assertThrows(InvalidInputException.class, () -> d.accept(text("1 y\n")));
        assertFault(assertThrows(InvalidInputException.class, () -> d.accept(text("3 4\n"))), "line 2", "'y'");
        assertFault(assertThrows(InvalidInputException.class, d::finish), "line 2", "'y'");
        assertEquals(1, sink.rows, "nothing after the refusal reached the sink");
    }

    @Test
    void aSinkFailureStopsTheDecoder() throws Exception {
        IOException full = new IOException("No space left on device");
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.FVECS, 0, (floats, rows, dim) -> {
            throw full;
        });
        assertSame(full, assertThrows(IOException.class, () -> d.accept(MemorySegment.ofArray(fvecs(1, 5f)))));
        IOException again = assertThrows(IOException.class, () -> d.accept(MemorySegment.ofArray(fvecs(1, 6f))));
        assertSame(full, again.getCause());
        assertThrows(IOException.class, d::finish);
    }

    @Test
    void fvecsRowsGoToTheSinkInBatchesWithoutTheirDimensionFields() throws Exception {
        float[] values = new float[10_000 * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.FVECS, 4, sink);
        d.accept(MemorySegment.ofArray(fvecs(4, values)));
        assertEquals(new DecodedShape(VectorFormat.FVECS, 10_000, 4, null), d.finish());
        assertEquals(1, sink.calls, "160 KB of rows in one write: one batch, not one call per row");
        assertArrayEquals(values, sink.values());
    }

    @Test
    void npyRowsGoToTheSinkStraightFromTheWritersBuffer() throws Exception {
        byte[] file = npy(1, HEADER_2X3, 1, 2, 3, 4, 5, 6);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment written = arena.allocate(file.length);
            MemorySegment.copy(MemorySegment.ofArray(file), 0, written, 0, file.length);
            long[] seen = new long[2];
            VectorStreamDecoder d = VectorStreamDecoder.of(VectorFormat.NPY, 0, (floats, rows, dim) -> {
                seen[0] = floats.address();
                seen[1] = rows;
            });
            d.accept(written);
            d.finish();
            assertEquals(written.address() + file.length - 24, seen[0], "no copy: the sink reads the written bytes");
            assertEquals(2, seen[1]);
        }
    }

    @Test
    void aLimitOnNumbersNamesTheFirstRowOverIt() {
        VectorFiles.Gathering gathering = new VectorFiles.Gathering();
        assertFault(assertThrows(InvalidInputException.class, () -> pushLimited(VectorFormat.VEC,
                "1 2 3\n4 5 6\n7 8 9\n".getBytes(StandardCharsets.US_ASCII), 7, gathering)),
                "line 3", "more than 7 numbers in one file");
        assertFault(assertThrows(InvalidInputException.class, () -> pushLimited(VectorFormat.FVECS,
                fvecs(3, 1, 2, 3, 4, 5, 6, 7, 8, 9), 7, gathering)), "row 2", "more than 7 numbers in one file");
        assertFault(assertThrows(InvalidInputException.class, () -> pushLimited(VectorFormat.NPY,
                npy(1, HEADER_2X3, 1, 2, 3, 4, 5, 6), 5, gathering)), "header", "shape (2, 3) has more than 5 numbers");
    }

    private static void pushLimited(VectorFormat format, byte[] file, long maxValues, RowSink sink) throws Exception {
        StreamDecoder d = StreamDecoder.create(format, 0, 1, maxValues, sink);
        d.accept(MemorySegment.ofArray(file));
        d.finish();
    }
}
