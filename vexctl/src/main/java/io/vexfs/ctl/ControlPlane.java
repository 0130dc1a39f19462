package io.vexfs.ctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A live mount's {@code .vexfs/} directory: the only way vexctl observes or tunes a mount.
 * Every read is a fresh read of the virtual file, so each call sees the mount's current state.
 */
record ControlPlane(Path mount) {
    static final String DIR = ".vexfs";

    /** The control plane of {@code mount}; exit 3 when no mount answers there. */
    static ControlPlane open(Path mount) {
        Path metrics = mount.resolve(DIR).resolve("metrics");
        if (!Files.isDirectory(mount)) {
            throw new Vexctl.MountUnreachableException("no vexfs mount at " + mount + " (no such directory)");
        }
        if (!Files.isReadable(metrics)) {
            throw new Vexctl.MountUnreachableException("no vexfs mount at " + mount + " (" + metrics
                    + " is missing; mount with ./scripts/vexfs mount or pass --mount DIR)");
        }
        return new ControlPlane(mount);
    }

    Path file(String name) {
        return mount.resolve(DIR).resolve(name);
    }

    boolean has(String name) {
        return Files.exists(file(name));
    }

    String read(String name) throws IOException {
        return Files.readString(file(name), StandardCharsets.UTF_8);
    }

    /** Writes {@code text} as one write and close: the mount applies it on close. */
    void write(String name, String text) throws IOException {
        Files.writeString(file(name), text, StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    MetricsScrape scrape() throws IOException {
        long nanos = System.nanoTime();
        return MetricsScrape.parse(read("metrics"), nanos);
    }

    /** The live toggles of .vexfs/optimizations, in the mount's order. */
    Map<String, Boolean> optimizations() throws IOException {
        Map<String, Boolean> toggles = new LinkedHashMap<>();
        for (String line : read("optimizations").split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length == 2) {
                toggles.put(words[0], words[1].equals("on"));
            }
        }
        return toggles;
    }

    /** The effective configuration the mount runs with. */
    VexConfigFile config() throws IOException {
        return VexConfigFile.parse(read("config"), mount.resolve(DIR).resolve("config"));
    }

    /** One line of .vexfs/slowlog. */
    record SlowOp(String time, String op, long micros, String path) {
    }

    List<SlowOp> slowlog() throws IOException {
        List<SlowOp> ops = new ArrayList<>();
        for (String line : read("slowlog").split("\n")) {
            String[] f = line.split("\t", 4);
            if (f.length == 4) {
                ops.add(new SlowOp(f[0], f[1], Long.parseLong(f[2]), f[3]));
            }
        }
        return ops;
    }

    /** One line of .vexfs/errors. */
    record ErrorEntry(String time, String path, String errno, String reason) {
    }

    List<ErrorEntry> errors() throws IOException {
        List<ErrorEntry> errors = new ArrayList<>();
        for (String line : read("errors").split("\n")) {
            String[] f = line.split("\t", 4);
            if (f.length == 4) {
                errors.add(new ErrorEntry(f[0], f[1], f[2], f[3]));
            }
        }
        return errors;
    }

    /** The state of .vexfs/profile, or null when this mount has no profiler. */
    ProfileState profile() throws IOException {
        try {
            return ProfileState.parse(read("profile"));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Lines "state recording|idle" and "file /path/last.jfr" of .vexfs/profile. */
    record ProfileState(String state, Path lastRecording) {
        static ProfileState parse(String text) {
            String state = "unknown";
            Path file = null;
            for (String line : text.split("\n")) {
                String[] kv = line.strip().split("\\s+", 2);
                if (kv.length == 2 && kv[0].equals("state")) {
                    state = kv[1];
                } else if (kv.length == 2 && kv[0].equals("file") && !kv[1].isBlank() && !kv[1].equals("none")) {
                    file = Path.of(kv[1]);
                }
            }
            return new ProfileState(state, file);
        }
    }
}
