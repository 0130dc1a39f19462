package io.vexfs.core.codec;

import static io.vexfs.core.codec.VectorFiles.assertRefused;
import static io.vexfs.core.codec.VectorFiles.assertSameBits;
import static io.vexfs.core.codec.VectorFiles.decode;
import static io.vexfs.core.codec.VectorFiles.npy;
import static io.vexfs.core.codec.VectorFiles.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vexfs.core.content.VectorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CodecNpyTest {
    private static final VectorFormat NPY = VectorFormat.NPY;
    private static final float[] SIX = {1, 2, 3, 4, 5, 6};

    @Test
    void readsHandMadeHeadersOfEveryVersionAndSpellingAndReadsThemBackByteForByte() throws Exception {
        String[] twoByThree = {
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(60) + "\n",
            "{\"shape\":(2,3),\"fortran_order\":False,\"descr\":\"<f4\"}\n",
            "{'fortran_order': False, 'shape': (2, 3,), 'descr': '<f4',}   \n",
            " { 'descr' : '<f4' ,\t'fortran_order' : False , 'shape' : ( 2 , 3 ) , }\n",
            "{'descr':'<f4','fortran_order':False,'shape':(2,3)}",
        };
        for (int major = 1; major <= 3; major++) {
            for (String header : twoByThree) {
                byte[] file = npy(major, header, SIX);
                VectorData data = decode(NPY, file, 0);
                assertEquals(2, data.rows(), header);
                assertEquals(3, data.dim(), header);
                assertSameBits(SIX, data.values());
                assertArrayEquals(Arrays.copyOf(file, file.length - 24), data.npyHeader(), header);
                assertArrayEquals(file, readAll(VectorContents.render(data)), header);
            }
        }
    }

    @Test
    void aOneDimensionalArrayIsOneVector() throws Exception {
        byte[] file = npy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }          \n", SIX);
        VectorData data = decode(NPY, file, 6);
        assertEquals(1, data.rows());
        assertEquals(6, data.dim());
        assertSameBits(SIX, data.values());
        assertArrayEquals(file, readAll(VectorContents.render(data)));
    }

    @Test
    void zeroRowsAreAnEmptyFileThatKeepsItsDeclaredDimension() throws Exception {
        VectorData data = decode(NPY, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }\n"), 0);
        assertEquals(0, data.rows());
        assertEquals(5, data.dim());
        VectorData none = decode(NPY, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 0), }\n"), 7);
        assertEquals(0, none.rows());
        assertEquals(0, none.dim());
        assertEquals(0, decode(NPY, new byte[0], 7).rows());
    }

    @Test
    void largeDataIsReadAcrossChunks() throws Exception {
        Random random = new Random(11);
        float[] values = new float[700_001 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        byte[] file = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (700001, 3), }\n", values);
        assertSameBits(values, decode(NPY, file, 3).values());
    }

    @Test
    void theCanonicalHeaderIsNumpysVersion1HeaderAlignedTo64Bytes() {
        byte[] header = VectorCodec.npyHeader(3, 4);
        String text = new String(header, 10, header.length - 10, StandardCharsets.ISO_8859_1);
        assertEquals(128, header.length);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, Arrays.copyOf(header, 10));
        assertTrue(text.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }    "), text);
        assertTrue(text.endsWith(" \n"), text);
        for (int rows : new int[] {0, 1, 9, 10, 12345, Integer.MAX_VALUE}) {
            for (int dim : new int[] {0, 1, 128, 65536}) {
                assertEquals(0, VectorCodec.npyHeader(rows, dim).length % 64, rows + "x" + dim);
            }
        }
    }

    @Test
    void badMagicOrVersionIsRefused() {
        byte[] good = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n", SIX);
        byte[] badMagic = good.clone();
        badMagic[5] = 'X';
        assertRefused(NPY, badMagic, 0, "header", "not an .npy file: it does not start with \\x93NUMPY");
        for (int[] version : new int[][] {{0, 0}, {4, 0}, {1, 1}, {2, 5}}) {
            byte[] file = good.clone();
            file[6] = (byte) version[0];
            file[7] = (byte) version[1];
            assertRefused(NPY, file, 0, "header",
                    "version " + version[0] + "." + version[1] + " is not supported (1.0, 2.0 and 3.0 are)");
        }
    }

    @Test
    void aFileEndingInsideTheHeaderIsRefused() {
        byte[] v1 = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n", SIX);
        assertRefused(NPY, Arrays.copyOf(v1, 5), 0, "header", "a file of 5 bytes is too short for an .npy header");
        assertRefused(NPY, Arrays.copyOf(v1, 40), 0, "header",
                "the file ends inside the header (header length 56, file size 40)");
        byte[] v2 = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n", SIX);
        assertRefused(NPY, Arrays.copyOf(v2, 11), 0, "header", "the file ends inside the header length");
        ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -1);
        assertRefused(NPY, v2, 0, "header", "header length 4294967295 is over the limit of 1048576 bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<f8", "|f4", ">f4", "<i4", "f4", "float32", "<f2"})
    void onlyLittleEndianFloat32IsAccepted(String descr) {
        assertHeaderRefused("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (6,), }\n",
                "dtype '" + descr + "' is not float32 little-endian ('<f4')");
    }

    @Test
    void fortranOrderAndOtherShapesAreRefused() {
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n",
                "fortran_order True is not supported");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }\n",
                "3-dimensional arrays are not supported (a vector is 1-dimensional, rows of vectors 2-dimensional)");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n",
                "0-dimensional arrays are not supported (a vector is 1-dimensional, rows of vectors 2-dimensional)");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }\n",
                "shape (6) is not a tuple; write (6,)");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0), }\n",
                "dimension 0 of shape (2, 0) is not between 1 and 65536");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }\n",
                "dimension 0 of shape (0,) is not between 1 and 65536");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 65537), }\n",
                "dimension 65537 of shape (1, 65537) is not between 1 and 65536");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 65536), }\n",
                "shape (100000, 65536) has more than 2147483639 numbers");
    }

    @Test
    void theHeaderMustHaveExactlyTheThreeKeys() {
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False}\n", "the header dict has no 'shape'");
        assertHeaderRefused("{'shape': (6,), 'fortran_order': False}\n", "the header dict has no 'descr'");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 'x'}\n",
                "unexpected key 'extra' (an .npy header has only 'descr', 'fortran_order' and 'shape')");
        assertHeaderRefused("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n",
                "key 'descr' appears twice");
    }

    @Test
    void aMalformedDictNamesWhereParsingStopped() {
        assertHeaderRefused("['descr']\n", "malformed header dict: expected '{' at offset 0, found '['descr']\\x0a'");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': false, 'shape': (6,)}\n",
                "malformed header dict: expected True or False at offset 34, found 'false, 'shape': (6,)}\\x0a'");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': [6]}\n",
                "malformed header dict: expected '(' at offset 50, found '[6]}\\x0a'");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x\n",
                "malformed header dict: expected nothing but padding after the dict at offset 56, found 'x\\x0a'");
        assertHeaderRefused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)",
                "malformed header dict: expected '}' at offset 54, found the end");
        assertHeaderRefused("{'descr: '<f4'}",
                "malformed header dict: expected ':' at offset 10, found '<f4'}'");
        assertHeaderRefused("{'descr': '<f4, 'fortran_order': False}",
                "malformed header dict: expected '}' at offset 17, found 'fortran_order': False}'");
    }

    @Test
    void dataMustBeExactlyRowsTimesDimFloats() {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
        assertRefused(NPY, npy(1, header, 1, 2, 3, 4, 5), 0, "row 1",
                "truncated data: 20 bytes where shape (2, 3) needs 24");
        assertRefused(NPY, npy(1, header), 0, "row 0", "truncated data: 0 bytes where shape (2, 3) needs 24");
        assertRefused(NPY, npy(1, header, 1, 2, 3, 4, 5, 6, 7), 0, "row 2",
                "4 bytes beyond the data of shape (2, 3)");
        byte[] oneExtraByte = Arrays.copyOf(npy(1, header, SIX), npy(1, header, SIX).length + 1);
        assertRefused(NPY, oneExtraByte, 0, "row 2", "1 bytes beyond the data of shape (2, 3)");
    }

    @Test
    void nanAndInfinityAreRefusedNamingTheRow() {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n";
        assertRefused(NPY, npy(1, header, 1, 2, 3, 4, 5, Float.NaN), 0, "row 2", "NaN at index 1 is not a finite number");
        assertRefused(NPY, npy(1, header, Float.POSITIVE_INFINITY, 2, 3, 4, 5, 6), 0, "row 0",
                "Infinity at index 0 is not a finite number");
    }

    @Test
    void theDeclaredDimensionMustBeTheCollections() {
        assertRefused(NPY, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", SIX), 4,
                "header", "dimension 3 differs from the collection's 4");
        assertRefused(NPY, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n", SIX), 4,
                "header", "dimension 6 differs from the collection's 4");
        assertRefused(NPY, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }\n"), 4,
                "header", "dimension 3 differs from the collection's 4");
    }

    private static void assertHeaderRefused(String header, String reason) {
        assertRefused(NPY, npy(1, header, SIX), 0, "header", reason);
    }
}
