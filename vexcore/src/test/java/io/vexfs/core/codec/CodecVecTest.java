package io.vexfs.core.codec;

import static io.vexfs.core.codec.VectorFiles.assertRefused;
import static io.vexfs.core.codec.VectorFiles.assertSameBits;
import static io.vexfs.core.codec.VectorFiles.assertVecRefused;
import static io.vexfs.core.codec.VectorFiles.decode;
import static io.vexfs.core.codec.VectorFiles.decodeVec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CodecVecTest {
    @Test
    void readsOneVectorPerLine() throws Exception {
        VectorData data = decodeVec("1 2 3\n4 5 6\n");
        assertEquals(VectorFormat.VEC, data.format());
        assertEquals(2, data.rows());
        assertEquals(3, data.dim());
        assertSameBits(new float[] {1, 2, 3, 4, 5, 6}, data.values());
        assertNull(data.npyHeader());
    }

    @Test
    void separatorsAreAnyMixOfSpacesTabsAndCommas() throws Exception {
        assertSameBits(new float[] {1, 2, 3, 4}, decodeVec("1, 2,3\t4\n").values());
        assertSameBits(new float[] {1, 2, 3, 4}, decodeVec("  1 ,\t, 2,,3 \t4 ,\n").values());
    }

    @Test
    void acceptsCrLfAndAMissingFinalNewline() throws Exception {
        VectorData data = decodeVec("1 2\r\n3 4\r\n5 6");
        assertEquals(3, data.rows());
        assertSameBits(new float[] {1, 2, 3, 4, 5, 6}, data.values());
    }

    @Test
    void trailingEmptyLinesAreFine() throws Exception {
        VectorData data = decodeVec("1 2\n\n  \n\t\r\n\n");
        assertEquals(1, data.rows());
        assertEquals(2, data.dim());
    }

    @Test
    void emptyInputHasNoRows() throws Exception {
        for (String text : new String[] {"", "\n", "\n\n  \n"}) {
            VectorData data = decodeVec(text);
            assertEquals(0, data.rows(), text);
            assertEquals(0, data.dim(), text);
            assertEquals(0, data.values().length, text);
        }
        assertEquals(0, decode(VectorFormat.VEC, new byte[0], 128).dim());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1 2\\n\\n3 4\\n|line 2",
        "1 2\\n  \\t\\n3 4|line 2",
        "\\n1 2\\n|line 1",
        "1\\n\\n\\n2\\n|line 2",
        "1\\r\\n\\r\\n2\\r\\n|line 2",
    })
    void anEmptyLineBeforeAVectorIsRefused(String text, String where) {
        assertVecRefused(unescape(text), where, "empty line");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0", "+1", "1.", ".5", "-.5", "+.5e1", "1e5", "1E+5", "1.5e-3", "00012", "0.000",
        "0e999999999999", "3.4028235e38", "3.40282356e38", "1.17549435E-38", "1.4e-45", "7e-46", "1e-50", "-1e-50",
        "123456789012345678901234567890", "0.1000000014901161193847656250000000001", "16777217", "9007199254740993"})
    void numbersFollowTheStrictGrammarAndRoundLikeParseFloat(String token) throws Exception {
        assertSameBits(new float[] {Float.parseFloat(token)}, decodeVec(token + "\n").values());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0x1p3", "0x10", "1.5f", "1.5F", "2d", ".", "-", "+", "e5", ".e5", "1e", "1e+", "1e5.5",
        "1..2", "1.2.3", "--1", "+-1", "1-2", "abc", "1_000", "\u0661", "１"})
    void otherTokensAreNotNumbers(String token) {
        assertVecRefused("1\n" + token + "\n", "line 2", "'" + shown(token) + "' is not a decimal number");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NaN", "nan", "Infinity", "-Infinity", "inf", "+inf", "-INF"})
    void nanAndInfinityAreRefusedWithAHint(String token) {
        assertVecRefused("1 " + token + "\n", "line 1",
                "'" + token + "' is not a decimal number (NaN and infinity are not allowed)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e39", "-1e39", "3.5e38", "3.4028236e38", "1e999999999999999"})
    void numbersBeyondFloat32AreRefused(String token) {
        assertVecRefused("1\n2\n" + token + "\n", "line 3", "'" + token + "' is out of float32 range");
    }

    @Test
    void longAndUnprintableTokensAreShownTruncatedAndEscaped() {
        String longToken = "x".repeat(100);
        assertVecRefused(longToken, "line 1", "'" + "x".repeat(32) + "...' is not a decimal number");
        assertVecRefused("1\u00002", "line 1", "'1\\x002' is not a decimal number");
        assertRefused(VectorFormat.VEC, new byte[] {'1', (byte) 0xff}, 0, "line 1", "'1\\xff' is not a decimal number");
    }

    @Test
    void aNumberLongerThanTheReadBufferIsRefused() {
        String huge = "1".repeat(1 << 20) + "2";
        assertVecRefused("3\n" + huge + "\n", "line 2",
                "'" + "1".repeat(32) + "...' is too long for a number (1048576+ characters)");
    }

    @Test
    void everyLineMustHaveTheFirstLinesDimension() {
        assertVecRefused("1 2\n3 4\n1 2 3\n", "line 3", "dimension 3 differs from the first line's 2");
        assertVecRefused("1 2\n3\n", "line 2", "dimension 1 differs from the first line's 2");
    }

    @Test
    void everyLineMustHaveTheCollectionsDimension() throws Exception {
        byte[] twoByTwo = "1 2\n3 4\n".getBytes(StandardCharsets.US_ASCII);
        assertRefused(VectorFormat.VEC, twoByTwo, 3, "line 1", "dimension 2 differs from the collection's 3");
        assertRefused(VectorFormat.VEC, "1 2 3\n4 5\n".getBytes(StandardCharsets.US_ASCII), 3, "line 2",
                "dimension 2 differs from the collection's 3");
        assertEquals(2, decode(VectorFormat.VEC, twoByTwo, 2).dim());
    }

    @Test
    void theDimensionIsAtMost65536() throws Exception {
        String max = "1 ".repeat(VectorCodec.MAX_DIMENSION) + "\n";
        assertEquals(VectorCodec.MAX_DIMENSION, decodeVec(max).dim());
        assertVecRefused("1\n" + max.strip() + " 1\n", "line 2", "more than 65536 numbers (the maximum dimension)");
    }

    @Test
    void theFirstFaultIsReported() {
        assertVecRefused("1 2\n\nx y\n", "line 2", "empty line");
        assertVecRefused("1 2\r\n3 x\r\n", "line 2", "'x' is not a decimal number");
    }

    /**
     * The fast path must round exactly as Float.parseFloat: many shapes of numbers, including
     * decimals just either side of the midpoints between adjacent floats, over several megabytes
     * so tokens straddle the read buffer's boundary.
     */
    @Test
    void parsingAgreesWithParseFloatBitForBit() throws Exception {
        Random random = new Random(20240611);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isFinite(f)) {
                tokens.add(Float.toString(f));
            }
            tokens.add(Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(60) - 30)));
            tokens.add(Float.toString((float) random.nextGaussian()));
            tokens.add(randomDigits(random));
            tokens.addAll(nearMidpoints(random));
        }
        StringBuilder text = new StringBuilder();
        List<Float> expected = new ArrayList<>();
        for (String token : tokens) {
            float f = Float.parseFloat(token);
            if (Float.isFinite(f)) {
                text.append(token).append('\n');
                expected.add(f);
            }
        }
        assertEquals(tokens.size(), expected.size(), "all generated tokens are in float32 range");
        VectorData data = decodeVec(text.toString());
        float[] expectedValues = new float[expected.size()];
        for (int i = 0; i < expectedValues.length; i++) {
            expectedValues[i] = expected.get(i);
        }
        assertSameBits(expectedValues, data.values());
    }

    @Test
    void longLinesSpanTheReadBuffer() throws Exception {
        Random random = new Random(7);
        int dim = 3000;
        int rows = 60;
        float[] values = new float[rows * dim];
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < dim; i++) {
                values[r * dim + i] = random.nextFloat() * 2 - 1;
                text.append(values[r * dim + i]).append(i % 3 == 0 ? ", " : "\t");
            }
            text.append("\r\n");
        }
        VectorData data = decodeVec(text.toString());
        assertEquals(rows, data.rows());
        assertEquals(dim, data.dim());
        assertSameBits(values, data.values());
    }

    private static String randomDigits(Random random) {
        StringBuilder sb = new StringBuilder();
        if (random.nextBoolean()) {
            sb.append('-');
        }
        int intDigits = random.nextInt(12);
        for (int i = 0; i < intDigits; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        int fracDigits = random.nextInt(intDigits == 0 ? 20 : 14) + (intDigits == 0 ? 1 : 0);
        if (fracDigits > 0) {
            sb.append('.');
        }
        for (int i = 0; i < fracDigits; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        if (random.nextBoolean()) {
            sb.append('e').append(random.nextInt(50) - 30);
        }
        return sb.toString();
    }

    /** The exact midpoint between a random float and the next, and decimals a hair below and above it. */
    private static List<String> nearMidpoints(Random random) {
        float f = Math.abs(Float.intBitsToFloat(random.nextInt()));
        if (!Float.isFinite(f) || f == Float.MAX_VALUE) {
            return List.of();
        }
        BigDecimal midpoint = new BigDecimal(f).add(new BigDecimal(Math.nextUp(f))).divide(BigDecimal.TWO);
        int digits = 9 + random.nextInt(12);
        return List.of(midpoint.toString(),
                midpoint.round(new MathContext(digits, RoundingMode.DOWN)).toString(),
                midpoint.round(new MathContext(digits, RoundingMode.UP)).toString());
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\r", "\r").replace("\\t", "\t");
    }

    /** A token as error messages show it: non-ASCII bytes of its UTF-8 as \xNN. */
    private static String shown(String token) {
        StringBuilder sb = new StringBuilder();
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            sb.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
        }
        return sb.toString();
    }
}
