package io.vexfs.core.config;

import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * How one configuration key is read from a TOML value and written back. Each kind checks
 * its own range so that every refusal names the key, the accepted form and what was given.
 */
sealed interface ValueType {

    /** Converts what tomlj parsed into the typed value, or explains why it cannot. */
    Object parse(String key, Object raw, Path baseDir) throws InvalidValueException;

    /** The TOML value (right-hand side) that {@link #parse} reads back to {@code value}. */
    String render(Object value);

    /** Why a value was refused; the loader adds the file and the line. */
    final class InvalidValueException extends Exception {
        InvalidValueException(String reason) {
            super(reason);
        }
    }

    record Flag() implements ValueType {
        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            if (raw instanceof Boolean b) {
                return b;
            }
            throw new InvalidValueException(key + " must be true or false, not " + describe(raw));
        }

        @Override
        public String render(Object value) {
            return value.toString();
        }
    }

    record Count(int min, int max) implements ValueType {
        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            if (!(raw instanceof Long n)) {
                throw new InvalidValueException(key + " must be an integer, not " + describe(raw));
            }
            if (n < min || n > max) {
                throw new InvalidValueException(key + " must be " + min + ".." + max + ", not " + n);
            }
            return n.intValue();
        }

        @Override
        public String render(Object value) {
            return value.toString();
        }
    }

    record Fraction(double min, double max) implements ValueType {
        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            double x;
            if (raw instanceof Double d) {
                x = d;
            } else if (raw instanceof Long n) {
                x = n;
            } else {
                throw new InvalidValueException(key + " must be a number like 0.5, not " + describe(raw));
            }
            if (!(x >= min && x <= max)) {
                throw new InvalidValueException(key + " must be " + min + ".." + max + ", not " + describe(raw));
            }
            return x;
        }

        @Override
        public String render(Object value) {
            return value.toString();
        }
    }

    /** Bytes: an integer, or a string with a binary unit. K, M, G, T mean KiB, MiB, GiB, TiB. */
    record Size(long min, long max) implements ValueType {
        private static final Pattern FORM = Pattern.compile("\\s*(\\d+)\\s*([A-Za-z]*)\\s*");
        private static final Map<String, Long> UNITS = Map.of(
                "", 1L, "B", 1L,
                "K", Units.KIB, "KiB", Units.KIB,
                "M", Units.MIB, "MiB", Units.MIB,
                "G", Units.GIB, "GiB", Units.GIB,
                "T", Units.TIB, "TiB", Units.TIB);
        private static final List<Map.Entry<String, Long>> RENDER_UNITS = List.of(
                Map.entry("TiB", Units.TIB), Map.entry("GiB", Units.GIB),
                Map.entry("MiB", Units.MIB), Map.entry("KiB", Units.KIB));

        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            BigInteger bytes = switch (raw) {
                case Long n -> BigInteger.valueOf(n);
                case String s -> parseText(key, s);
                default -> throw notASize(key, raw);
            };
            if (bytes.bitLength() > 63) {
                throw new InvalidValueException(key + " is too large: " + describe(raw));
            }
            if (bytes.compareTo(BigInteger.valueOf(min)) < 0 || bytes.compareTo(BigInteger.valueOf(max)) > 0) {
                throw new InvalidValueException(key + " must be " + rangeText() + ", not " + describe(raw));
            }
            return bytes.longValueExact();
        }

        private static BigInteger parseText(String key, String text) throws InvalidValueException {
            Matcher m = FORM.matcher(text);
            Long unit = m.matches() ? UNITS.get(m.group(2)) : null;
            if (unit == null) {
                throw notASize(key, text);
            }
            return new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit));
        }

        private static InvalidValueException notASize(String key, Object raw) {
            return new InvalidValueException(key + " must be a size like \"256MiB\", not " + describe(raw)
                    + " (units: B, KiB, MiB, GiB, TiB, or K, M, G, T)");
        }

        private String rangeText() {
            return max == Long.MAX_VALUE ? "at least " + format(min) : format(min) + ".." + format(max);
        }

        @Override
        public String render(Object value) {
            return quote(format((Long) value));
        }

        /** The largest binary unit that represents {@code bytes} exactly: "128KiB", "4097B". */
        static String format(long bytes) {
            for (Map.Entry<String, Long> unit : RENDER_UNITS) {
                if (bytes != 0 && bytes % unit.getValue() == 0) {
                    return bytes / unit.getValue() + unit.getKey();
                }
            }
            return bytes + "B";
        }
    }

    /** A duration: integer seconds, or a string with ns, us, ms, s, m or h. */
    record Span(Duration min, Duration max) implements ValueType {
        private static final Pattern FORM = Pattern.compile("\\s*(\\d+)\\s*(ns|us|ms|s|m|h)?\\s*");
        private static final Map<String, Duration> UNITS = Map.of(
                "ns", Duration.ofNanos(1), "us", Duration.ofNanos(1000), "ms", Duration.ofMillis(1),
                "s", Duration.ofSeconds(1), "m", Duration.ofMinutes(1), "h", Duration.ofHours(1));
        private static final String[] RENDER_UNITS = {"h", "m", "s", "ms", "us", "ns"};

        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            BigInteger nanos = switch (raw) {
                case Long n -> BigInteger.valueOf(n).multiply(BigInteger.valueOf(1_000_000_000L));
                case String s -> parseText(key, s);
                default -> throw notADuration(key, raw);
            };
            if (nanos.compareTo(BigInteger.valueOf(min.toNanos())) < 0
                    || nanos.compareTo(BigInteger.valueOf(max.toNanos())) > 0) {
                throw new InvalidValueException(
                        key + " must be " + format(min) + ".." + format(max) + ", not " + describe(raw));
            }
            return Duration.ofNanos(nanos.longValueExact());
        }

        private static BigInteger parseText(String key, String text) throws InvalidValueException {
            Matcher m = FORM.matcher(text);
            if (!m.matches()) {
                throw notADuration(key, text);
            }
            Duration unit = m.group(2) == null ? Duration.ofSeconds(1) : UNITS.get(m.group(2));
            return new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit.toNanos()));
        }

        private static InvalidValueException notADuration(String key, Object raw) {
            return new InvalidValueException(key + " must be a duration like \"500ms\", \"10s\", \"10m\", \"1h\""
                    + " or whole seconds, not " + describe(raw));
        }

        @Override
        public String render(Object value) {
            return quote(format((Duration) value));
        }

        /** The largest unit that represents {@code d} exactly: "10m", "500ms", "0s". */
        static String format(Duration d) {
            long nanos = d.toNanos();
            if (nanos == 0) {
                return "0s";
            }
            for (String unit : RENDER_UNITS) {
                long size = UNITS.get(unit).toNanos();
                if (nanos % size == 0) {
                    return nanos / size + unit;
                }
            }
            throw new IllegalStateException("1ns divides every duration");
        }
    }

    /** A filesystem path; a relative one is resolved against the base directory. */
    record Location() implements ValueType {
        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            if (!(raw instanceof String s)) {
                throw new InvalidValueException(key + " must be a path in quotes, not " + describe(raw));
            }
            if (s.isBlank()) {
                throw new InvalidValueException(key + " must not be empty");
            }
            try {
                return baseDir.toAbsolutePath().resolve(s).normalize();
            } catch (InvalidPathException e) {
                throw new InvalidValueException(key + " is not a usable path: " + e.getReason());
            }
        }

        @Override
        public String render(Object value) {
            return quote(value.toString());
        }
    }

    /** How a refused value is shown in a message: as it would be written in TOML. */
    static String describe(Object raw) {
        return switch (raw) {
            case String s -> quote(s);
            case TomlTable t -> "a table";
            case TomlArray a -> "an array";
            default -> raw.toString();
        };
    }

    /** A TOML basic string: quotes, backslashes and control characters escaped. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
