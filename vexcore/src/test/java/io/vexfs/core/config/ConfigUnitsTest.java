package io.vexfs.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vexfs.core.config.ValueType.InvalidValueException;
import io.vexfs.core.config.ValueType.Size;
import io.vexfs.core.config.ValueType.Span;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigUnitsTest {
    private static final Size ANY_SIZE = new Size(0, Long.MAX_VALUE);
    private static final Span ANY_SPAN = new Span(Duration.ZERO, Duration.ofDays(365));
    private static final Path BASE = Path.of(".");

    @ParameterizedTest
    @CsvSource({
        "512, 512", "0, 0", "512B, 512", "4KiB, 4096", "256MiB, 268435456", "1GiB, 1073741824",
        "16K, 16384", "64M, 67108864", "1G, 1073741824", "2TiB, 2199023255552", "'1 GiB', 1073741824",
    })
    void sizeStrings(String text, long bytes) throws InvalidValueException {
        assertEquals(bytes, ANY_SIZE.parse("k", text, BASE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "KiB", "1.5GiB", "-1K", "4kb", "4KB", "1 2K", "12 bananas"})
    void sizeStringsRefused(String text) {
        assertThrows(InvalidValueException.class, () -> ANY_SIZE.parse("k", text, BASE));
    }

    @ParameterizedTest
    @CsvSource({"0, 0B", "512, 512B", "4096, 4KiB", "4097, 4097B", "268435456, 256MiB", "1610612736, 1536MiB",
        "1073741824, 1GiB"})
    void sizesRenderInTheLargestExactUnit(long bytes, String text) throws InvalidValueException {
        assertEquals(text, Units.formatSize(bytes));
        assertEquals(bytes, ANY_SIZE.parse("k", text, BASE));
    }

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "10s, PT10S", "10m, PT10M", "1h, PT1H", "'90', PT1M30S", "250us, PT0.00025S",
        "0, PT0S"})
    void durationStrings(String text, Duration expected) throws InvalidValueException {
        assertEquals(expected, ANY_SPAN.parse("k", text, BASE));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 90, 3600})
    void durationsAsIntegerSeconds(long seconds) throws InvalidValueException {
        assertEquals(Duration.ofSeconds(seconds), ANY_SPAN.parse("k", seconds, BASE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "1.5s", "-1s", "10 minutes", "1d", "10M"})
    void durationStringsRefused(String text) {
        assertThrows(InvalidValueException.class, () -> ANY_SPAN.parse("k", text, BASE));
    }

    @ParameterizedTest
    @CsvSource({"PT0S, 0s", "PT0.5S, 500ms", "PT1M30S, 90s", "PT2H, 2h", "PT10M, 10m", "PT0.000001S, 1us"})
    void durationsRenderInTheLargestExactUnit(Duration d, String text) {
        assertEquals(text, Units.formatDuration(d));
    }
}
