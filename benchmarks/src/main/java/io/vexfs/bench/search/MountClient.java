package io.vexfs.bench.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A client of a live mount doing what a shell user does: writes a query into
 * {@code <collection>/.search/NAME} (the search runs when the file is closed), then reads the
 * ranked hits back; flips live toggles in .vexfs/optimizations.
 */
public final class MountClient {
    private final Path mount;

    public MountClient(Path mount) {
        this.mount = mount;
    }

    public Path mount() {
        return mount;
    }

    /** Writes "NAME on|off" and checks the mount reports the new state. */
    public void toggle(String name, boolean on) throws IOException {
        Path optimizations = mount.resolve(".vexfs/optimizations");
        String line = name + (on ? " on" : " off");
        Files.writeString(optimizations, line + "\n");
        if (!Files.readAllLines(optimizations).contains(line)) {
            throw new IllegalStateException("the mount did not take '" + line + "': " + Files.readString(optimizations));
        }
    }

    /** The text of one query: the k option line, then its numbers (shortest round-trip decimals). */
    public static byte[] queryText(float[] query, int k) {
        StringBuilder sb = new StringBuilder(query.length * 12 + 8).append("k=").append(k).append('\n');
        for (int i = 0; i < query.length; i++) {
            sb.append(i == 0 ? "" : " ").append(query[i]);
        }
        return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Write, close (the search), open and read the results: one query file's whole round trip. */
    public static byte[] search(Path queryFile, byte[] query) throws IOException {
        Files.write(queryFile, query);
        return Files.readAllBytes(queryFile);
    }

    public Path searchFile(String collection, String name) {
        return mount.resolve(collection).resolve(".search").resolve(name);
    }
}
