package io.vexfs.core.codec;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Parses one .vec number: the strict grammar {@code [+-]?(digits[.digits*]|.digits)([eE][+-]?digits)?},
 * rounded to float32 exactly as {@link Float#parseFloat} rounds.
 *
 * <p>Most numbers take a fast path: up to 18 significant digits scaled by an exact power of ten
 * in double arithmetic, then narrowed to float. That result is within a few double ulps of the
 * true value, so narrowing is correct unless the double lies near a float32 rounding boundary
 * (a midpoint between two floats); those rare numbers, subnormals, and large exponents go to
 * Float.parseFloat.
 */
final class DecimalParser {
    private static final int MAX_KEPT_DIGITS = 18;
    private static final int MAX_FAST_EXPONENT = 22;
    /** Below the 29 bits a double has beyond a float's mantissa, a float midpoint is exactly 1 << 28. */
    private static final long EXTRA_BITS_MASK = (1L << 29) - 1;
    private static final long MIDPOINT = 1L << 28;
    /** The fast path's worst error is about 3 double ulps; stay well clear of it. */
    private static final long MIDPOINT_MARGIN = 16;
    private static final int MAX_EXPONENT_DIGITS_VALUE = 100_000;
    private static final int TOKEN_SHOWN_BYTES = 32;
    private static final double[] POWERS_OF_TEN = new double[MAX_FAST_EXPONENT + 1];

    static {
        double p = 1;
        for (int i = 0; i <= MAX_FAST_EXPONENT; i++) {
            POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    private DecimalParser() {
    }

    /** Parses bytes[from, to) (non-empty); {@code line} is 1-based, for the error. */
    static float parse(byte[] bytes, int from, int to, long line) throws InvalidInputException {
        int i = from;
        boolean negative = false;
        if (bytes[i] == '-' || bytes[i] == '+') {
            negative = bytes[i] == '-';
            i++;
        }
        long significand = 0;
        int kept = 0;
        int exponent = 0;
        boolean digitSeen = false;
        for (; i < to && isDigit(bytes[i]); i++) {
            int d = bytes[i] - '0';
            digitSeen = true;
            if (kept < MAX_KEPT_DIGITS) {
                if (significand != 0 || d != 0) {
                    significand = significand * 10 + d;
                    kept++;
                }
            } else {
                exponent++;
            }
        }
        if (i < to && bytes[i] == '.') {
            for (i++; i < to && isDigit(bytes[i]); i++) {
                int d = bytes[i] - '0';
                digitSeen = true;
                if (kept < MAX_KEPT_DIGITS) {
                    if (significand != 0 || d != 0) {
                        significand = significand * 10 + d;
                        kept++;
                    }
                    exponent--;
                }
            }
        }
        if (!digitSeen) {
            throw notANumber(bytes, from, to, line);
        }
        if (i < to && (bytes[i] == 'e' || bytes[i] == 'E')) {
            i++;
            boolean negativeExponent = false;
            if (i < to && (bytes[i] == '-' || bytes[i] == '+')) {
                negativeExponent = bytes[i] == '-';
                i++;
            }
            int start = i;
            int value = 0;
            for (; i < to && isDigit(bytes[i]); i++) {
                if (value < MAX_EXPONENT_DIGITS_VALUE) {
                    value = value * 10 + (bytes[i] - '0');
                }
            }
            if (i == start) {
                throw notANumber(bytes, from, to, line);
            }
            exponent += negativeExponent ? -value : value;
        }
        if (i != to) {
            throw notANumber(bytes, from, to, line);
        }
        if (significand == 0) {
            return negative ? -0f : 0f;
        }
        if (exponent >= -MAX_FAST_EXPONENT && exponent <= MAX_FAST_EXPONENT) {
            double scaled = exponent >= 0
                    ? significand * POWERS_OF_TEN[exponent]
                    : significand / POWERS_OF_TEN[-exponent];
            if (scaled >= Float.MIN_NORMAL && scaled <= Float.MAX_VALUE
                    && Math.abs((Double.doubleToRawLongBits(scaled) & EXTRA_BITS_MASK) - MIDPOINT) > MIDPOINT_MARGIN) {
                float f = (float) scaled;
                return negative ? -f : f;
            }
        }
        float f = Float.parseFloat(new String(bytes, from, to - from, StandardCharsets.ISO_8859_1));
        if (Float.isInfinite(f)) {
            throw new InvalidInputException("line " + line, show(bytes, from, to) + " is out of float32 range");
        }
        return f;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static InvalidInputException notANumber(byte[] bytes, int from, int to, long line) {
        String token = show(bytes, from, to);
        String lower = token.toLowerCase(Locale.ROOT);
        boolean special = lower.contains("nan") || lower.contains("inf");
        return new InvalidInputException("line " + line,
                token + " is not a decimal number" + (special ? " (NaN and infinity are not allowed)" : ""));
    }

    /** The token quoted for a message: at most 32 bytes, non-printable bytes as \xNN. */
    static String show(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder("'");
        int end = Math.min(to, from + TOKEN_SHOWN_BYTES);
        for (int i = from; i < end; i++) {
            int b = bytes[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b));
            }
        }
        if (end < to) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
