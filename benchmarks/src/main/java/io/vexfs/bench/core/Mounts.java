package io.vexfs.bench.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The kernel's view of mounts, for waiting on a server and for cleaning up after one. */
final class Mounts {
    private Mounts() {
    }

    static boolean isMounted(Path mountpoint) throws IOException {
        String needle = " " + mountpoint.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(needle));
    }

    /** Lazy unmount, for a server that is gone or stuck; a failure here is reported, not hidden. */
    static void detach(Path mountpoint) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("fusermount3", "-u", "-z", mountpoint.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.err.println("bench-core: fusermount3 -u -z " + mountpoint + ": " + out);
        }
    }
}
