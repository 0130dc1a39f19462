package io.vexfs.ctl;

import java.io.Console;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The dashboard's keyboard: on a terminal, stdin goes raw (stty -icanon -echo) so a single q
 * quits without Enter, and the old settings come back on close or on Ctrl-C. Elsewhere it only waits.
 */
final class Terminal implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");

    private final String saved;
    private final Thread restoreOnExit;

    private Terminal(String saved) {
        this.saved = saved;
        this.restoreOnExit = saved == null ? null : new Thread(this::restore, "vexctl-stty-restore");
        if (restoreOnExit != null) {
            Runtime.getRuntime().addShutdownHook(restoreOnExit);
        }
    }

    static Terminal open() throws IOException {
        Console console = System.console();
        if (console == null || !console.isTerminal()) {
            return new Terminal(null);
        }
        String saved = stty("-g").strip();
        stty("-icanon", "-echo", "min", "0", "time", "0");
        return new Terminal(saved);
    }

    boolean raw() {
        return saved != null;
    }

    /** Waits {@code d}; true as soon as q is pressed. */
    boolean waitForQuit(Duration d) throws IOException {
        if (!raw()) {
            Observation.sleep(d);
            return false;
        }
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            while (System.in.available() > 0) {
                int c = System.in.read();
                if (c == 'q' || c == 'Q') {
                    return true;
                }
            }
            Observation.sleep(Duration.ofMillis(50));
        }
        return false;
    }

    private void restore() {
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("vexctl: could not restore the terminal (run 'stty sane'): " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (raw()) {
            restore();
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        }
    }

    private static String stty(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(TTY).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed: "
                        + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running stty", e);
        }
        return out;
    }
}
