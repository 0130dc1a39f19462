package io.vexfs.core.control;

import io.vexfs.core.codec.InvalidInputException;

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
public final class Optimizations {
    /** One toggle: how to read it and how to set it. */
    public record Toggle(String name, BooleanSupplier state, Consumer<Boolean> set) {
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

    /** Applies "NAME on|off" lines; all are checked before any is applied. */
    public void apply(String text) throws InvalidInputException {
        String[] lines = text.split("\n", -1);
        Toggle[] which = new Toggle[lines.length];
        boolean[] values = new boolean[lines.length];
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+");
            String where = "line " + (i + 1);
            if (words.length != 2) {
                throw new InvalidInputException(where, "expected 'NAME on|off', got '" + line + "'");
            }
            Toggle t = toggles.get(words[0].toLowerCase(Locale.ROOT));
            if (t == null) {
                throw new InvalidInputException(where, "unknown optimization '" + words[0] + "' (known: "
                        + String.join(", ", toggles.keySet()) + ")");
            }
            switch (words[1].toLowerCase(Locale.ROOT)) {
                case "on" -> values[i] = true;
                case "off" -> values[i] = false;
                default -> throw new InvalidInputException(where, "expected on or off, got '" + words[1] + "'");
            }
            which[i] = t;
        }
        for (int i = 0; i < lines.length; i++) {
            if (which[i] != null) {
                which[i].set().accept(values[i]);
            }
        }
    }
}
