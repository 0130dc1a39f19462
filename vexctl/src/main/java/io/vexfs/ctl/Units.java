package io.vexfs.ctl;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.Locale;

/** Formatting of figures, and the command line's durations (parsed by the mount's own {@link io.vexfs.core.config.Units}). */
final class Units {
    private Units() {
    }

    /** Picocli converter for duration options, in the mount's grammar (300s, 5m, 1h, 500ms): a bad one is a usage error (exit 2). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                Duration d = io.vexfs.core.config.Units.parseDuration(value);
                if (d.isZero()) {
                    throw new TypeConversionException("duration '" + value + "' must be more than zero");
                }
                return d;
            } catch (io.vexfs.core.config.Units.UnitException e) {
                throw new TypeConversionException("bad duration '" + value + "': "
                        + (e.tooLarge() ? "too large" : "expected " + e.expected()));
            }
        }
    }

    static String bytes(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", v) : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** A latency given in microseconds, in the unit that keeps it readable. */
    static String micros(double micros) {
        if (micros >= 1e6) {
            return String.format(Locale.ROOT, "%.2f s", micros / 1e6);
        }
        if (micros >= 1e3) {
            return String.format(Locale.ROOT, "%.2f ms", micros / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f us", micros);
    }

    /** A percentile of the mount's timer: 0 means no operation in its recent window, shown as "-". */
    static String quantile(double micros) {
        return micros == 0 ? "-" : micros(micros);
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, perSecond >= 100 ? "%.0f/s" : "%.1f/s", perSecond);
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.2f", v);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
    }
}
