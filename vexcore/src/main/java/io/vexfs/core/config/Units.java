package io.vexfs.core.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes and durations as vexfs spells them, in the configuration file and on vexctl's command
 * line alike: one grammar, so that what one accepts the other does too. Sizes are whole bytes or
 * a whole number with B, KiB, MiB, GiB, TiB (K, M, G, T are the same binary multiples);
 * durations are a whole number with ns, us, ms, s, m or h, or bare whole seconds. Fractions are
 * refused rather than rounded: "1.5GiB" is written "1536MiB".
 */
public final class Units {
    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;
    public static final long TIB = 1L << 40;

    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*([A-Za-z]*)\\s*");
    private static final Map<String, Long> SIZE_UNITS = Map.of(
            "", 1L, "B", 1L, "K", KIB, "KiB", KIB, "M", MIB, "MiB", MIB, "G", GIB, "GiB", GIB, "T", TIB, "TiB", TIB);
    private static final List<Map.Entry<String, Long>> SIZE_RENDER_UNITS = List.of(
            Map.entry("TiB", TIB), Map.entry("GiB", GIB), Map.entry("MiB", MIB), Map.entry("KiB", KIB));

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*(ns|us|ms|s|m|h)?\\s*");
    private static final Map<String, Duration> DURATION_UNITS = Map.of(
            "ns", Duration.ofNanos(1), "us", Duration.ofNanos(1000), "ms", Duration.ofMillis(1),
            "s", Duration.ofSeconds(1), "m", Duration.ofMinutes(1), "h", Duration.ofHours(1));
    private static final String[] DURATION_RENDER_UNITS = {"h", "m", "s", "ms", "us", "ns"};

    private static final String SIZE_FORM = "whole bytes or a whole number with B, KiB, MiB, GiB, TiB (or K, M, G, T),"
            + " e.g. 512, 4KiB, 256MiB";
    private static final String DURATION_FORM = "a whole number with ns, us, ms, s, m or h, or whole seconds,"
            + " e.g. 500ms, 300s, 5m, 1h";

    /** Why a size or duration text was refused. */
    public static final class UnitException extends IllegalArgumentException {
        private final boolean tooLarge;
        private final String expected;

        UnitException(String text, String what, String expected, boolean tooLarge) {
            super("'" + text + "' " + (tooLarge ? "is too large" : "is not a " + what + ": expected " + expected));
            this.tooLarge = tooLarge;
            this.expected = expected;
        }

        /** Well formed, but beyond a long of bytes or nanoseconds. */
        public boolean tooLarge() {
            return tooLarge;
        }

        /** The accepted form, for a message of the caller's own. */
        public String expected() {
            return expected;
        }
    }

    private Units() {
    }

    /** Bytes from "512", "4KiB", "64M", "1 GiB". */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        Long unit = m.matches() ? SIZE_UNITS.get(m.group(2)) : null;
        if (unit == null) {
            throw new UnitException(text, "size", SIZE_FORM, false);
        }
        return exact(new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit)), text, "size", SIZE_FORM);
    }

    /** A duration from "500ms", "10s", "5m", "1h", "250us", or "90" (seconds). */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new UnitException(text, "duration", DURATION_FORM, false);
        }
        Duration unit = m.group(2) == null ? Duration.ofSeconds(1) : DURATION_UNITS.get(m.group(2));
        return Duration.ofNanos(exact(new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit.toNanos())), text,
                "duration", DURATION_FORM));
    }

    private static long exact(BigInteger value, String text, String what, String expected) {
        if (value.bitLength() > 63) {
            throw new UnitException(text, what, expected, true);
        }
        return value.longValueExact();
    }

    /** The largest binary unit that represents {@code bytes} exactly: "128KiB", "4097B". */
    public static String formatSize(long bytes) {
        for (Map.Entry<String, Long> unit : SIZE_RENDER_UNITS) {
            if (bytes != 0 && bytes % unit.getValue() == 0) {
                return bytes / unit.getValue() + unit.getKey();
            }
        }
        return bytes + "B";
    }

    /** The largest unit that represents {@code d} exactly: "10m", "500ms", "0s". */
    public static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        for (String unit : DURATION_RENDER_UNITS) {
            long size = DURATION_UNITS.get(unit).toNanos();
            if (nanos % size == 0) {
                return nanos / size + unit;
            }
        }
        throw new IllegalStateException("1ns divides every duration");
    }
}
