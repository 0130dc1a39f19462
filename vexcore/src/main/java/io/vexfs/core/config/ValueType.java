package io.vexfs.core.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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

    /** Bytes: an integer, or a string with a binary unit ({@link Units#parseSize}). */
    record Size(long min, long max) implements ValueType {
        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            long bytes;
            try {
                bytes = switch (raw) {
                    case Long n -> n;
                    case String s -> Units.parseSize(s);
                    default -> throw notASize(key, raw);
                };
            } catch (Units.UnitException e) {
                throw e.tooLarge() ? new InvalidValueException(key + " is too large: " + describe(raw)) : notASize(key, raw);
            }
            if (bytes < min || bytes > max) {
                throw new InvalidValueException(key + " must be " + rangeText() + ", not " + describe(raw));
            }
            return bytes;
        }

        private static InvalidValueException notASize(String key, Object raw) {
            return new InvalidValueException(key + " must be a size like \"256MiB\", not " + describe(raw)
                    + " (units: B, KiB, MiB, GiB, TiB, or K, M, G, T)");
        }

        private String rangeText() {
            return max == Long.MAX_VALUE ? "at least " + Units.formatSize(min) : Units.formatSize(min) + ".." + Units.formatSize(max);
        }

        @Override
        public String render(Object value) {
            return quote(Units.formatSize((Long) value));
        }
    }

    /** A duration: integer seconds, or a string with a unit ({@link Units#parseDuration}). */
    record Span(Duration min, Duration max) implements ValueType {
        private static final long NANOS_PER_SECOND = 1_000_000_000L;

        @Override
        public Object parse(String key, Object raw, Path baseDir) throws InvalidValueException {
            Duration d;
            try {
                d = switch (raw) {
                    case Long n when n >= 0 && n <= Long.MAX_VALUE / NANOS_PER_SECOND -> Duration.ofSeconds(n);
                    case Long n -> throw outOfRange(key, raw);
                    case String s -> Units.parseDuration(s);
                    default -> throw notADuration(key, raw);
                };
            } catch (Units.UnitException e) {
                throw e.tooLarge() ? outOfRange(key, raw) : notADuration(key, raw);
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw outOfRange(key, raw);
            }
            return d;
        }

        private InvalidValueException outOfRange(String key, Object raw) {
            return new InvalidValueException(key + " must be " + Units.formatDuration(min) + ".."
                    + Units.formatDuration(max) + ", not " + describe(raw));
        }

        private static InvalidValueException notADuration(String key, Object raw) {
            return new InvalidValueException(key + " must be a duration like \"500ms\", \"10s\", \"10m\", \"1h\""
                    + " or whole seconds, not " + describe(raw));
        }

        @Override
        public String render(Object value) {
            return quote(Units.formatDuration((Duration) value));
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
