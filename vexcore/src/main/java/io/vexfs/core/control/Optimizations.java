package io.vexfs.core.control;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.fs.ControlFile;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The live optimisation toggles of .vexfs/optimizations: each name switches a real code path
 * ({@code simd}: SIMD or scalar kernels, {@code memory}: pooled or plain buffers, ...).
 * Reads as "NAME on|off" lines; takes the same lines.
 */
public final class Optimizations implements ControlFile.Writer {
    /** One toggle: how to read it and how to set it. */
    public record Toggle(String name, BooleanSupplier state, Consumer<Boolean> set) {
    }

    /** A line that names a toggle and its new state. */
    private record Setting(Toggle toggle, boolean on) {
    }

    private final Map<String, Toggle> toggles = new ConcurrentSkipListMap<>();

    public void add(Toggle toggle) {
        toggles.put(toggle.name(), toggle);
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        for (Toggle t : toggles.values()) {
            sb.append(t.name()).append(' ').append(t.state().getAsBoolean() ? "on" : "off").append('\n');
        }
        return sb.toString();
    }

    @Override
    public void checkLine(String line, int number) throws InvalidInputException {
        parse(line, number);
    }

    /** Applies "NAME on|off" lines; all are checked before any is applied. */
    @Override
    public void write(String text) throws InvalidInputException {
        String[] lines = text.split("\n", -1);
        Setting[] settings = new Setting[lines.length];
        for (int i = 0; i < lines.length; i++) {
            settings[i] = parse(lines[i], i + 1);
        }
        for (Setting s : settings) {
            if (s != null) {
                s.toggle().set().accept(s.on());
            }
        }
    }

    /** One line; null for a blank or comment line. */
    private Setting parse(String raw, int number) throws InvalidInputException {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        String[] words = line.split("\\s+");
        String where = "line " + number;
        if (words.length != 2) {
            throw new InvalidInputException(where, "expected 'NAME on|off', got '" + line + "'");
        }
        Toggle t = toggles.get(words[0].toLowerCase(Locale.ROOT));
        if (t == null) {
            throw new InvalidInputException(where, "unknown optimization '" + words[0] + "' (known: "
                    + String.join(", ", toggles.keySet()) + ")");
        }
        return switch (words[1].toLowerCase(Locale.ROOT)) {
            case "on" -> new Setting(t, true);
            case "off" -> new Setting(t, false);
            default -> throw new InvalidInputException(where, "expected on or off, got '" + words[1] + "'");
        };
    }
}
