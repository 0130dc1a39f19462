package io.vexfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real vexfs mount in a child JVM, for tests: its own data directory and mount point under
 * /tmp, started like the launcher starts it, stopped with SIGTERM or killed with SIGKILL.
 */
final class MountFixture implements AutoCloseable {
    final Path root;
    final Path data;
    final Path mnt;
    private final Path config;
    private Process process;
    private Path log;
    private int starts;
    /** JVM options of the next mount(): the heap cap, test hooks such as -Dvexfs.crashAt. */
    private List<String> jvmOptions = List.of("-Xmx2g");

    private MountFixture(Path root, Path config) {
        this.root = root;
        this.data = root.resolve("data");
        this.mnt = root.resolve("mnt");
        this.config = config;
    }

    static MountFixture start() throws IOException {
        return start(null);
    }

    /** Starts a mount; {@code configText} (TOML) replaces the defaults when given. */
    static MountFixture start(String configText) throws IOException {
        MountFixture m = prepare(configText);
        m.mount();
        return m;
    }

    /** A fixture not mounted yet (to put something under its data directory first); {@link #mount()} starts it. */
    static MountFixture prepare(String configText) throws IOException {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "vexfs-test");
        Path config = null;
        if (configText != null) {
            config = root.resolve("vexfs.conf");
            Files.writeString(config, configText);
        }
        return new MountFixture(root, config);
    }

    /** The JVM options the next {@link #mount()} uses (replacing the default -Xmx2g). */
    MountFixture jvmOptions(String... options) {
        jvmOptions = List.of(options);
        return this;
    }

    /** (Re)mounts the same data directory. */
    void mount() throws IOException {
        Files.createDirectories(mnt);
        log = root.resolve("mount-" + (++starts) + ".log");
        List<String> cmd = new ArrayList<>(javaCommand(jvmOptions));
        cmd.addAll(List.of(Main.class.getName(), "mount", "--data", data.toString(), "--mountpoint", mnt.toString()));
        if (config != null) {
            cmd.addAll(List.of("--config", config.toString()));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains("vexfs: mounted")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IOException("mount exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            sleep(50);
        }
        throw new IOException("mount did not come up in 60 s:\n" + Files.readString(log));
    }

    static List<String> javaCommand(List<String> options) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return cmd;
    }

    /** The mount's process id, for reading its memory from /proc. */
    long pid() {
        return process.pid();
    }

    /** Waits for the mount process to exit by itself (a crash point halting it); returns its exit code. */
    int awaitExit(long seconds) throws IOException {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                throw new IOException("the mount did not exit within " + seconds + " s:\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        detach();
        return process.exitValue();
    }

    /** The mount's output so far. */
    String log() throws IOException {
        return Files.readString(log);
    }

    Path path(String relative) {
        return mnt.resolve(relative);
    }

    /** SIGTERM: the mount unmounts and syncs; returns its exit code. */
    int stop() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("mount did not stop on SIGTERM:\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        detach();
        return process.exitValue();
    }

    /** SIGKILL: no shutdown at all, as in a crash; the dead mount is detached. */
    void kill9() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        detach();
    }

    boolean mounted() throws IOException {
        return Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " fuse");
    }

    private void detach() throws IOException {
        if (mounted()) {
            run("fusermount3", "-u", "-z", mnt.toString());
        }
    }

    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            stop();
        }
        detach();
        run("rm", "-rf", root.toString());
    }

    /** The result of a command run to completion. */
    record Result(int exit, String out, String err) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + ": " + err + out);
            }
            return this;
        }
    }

    /** Runs a command (a real shell tool) with the mount point as working directory. */
    Result sh(String script) throws IOException {
        return runIn(mnt, "bash", "-c", script);
    }

    static Result run(String... cmd) throws IOException {
        return runIn(Path.of("/tmp"), cmd);
    }

    static Result runIn(Path dir, String... cmd) throws IOException {
        Path out = Files.createTempFile("vexfs-cmd", ".out");
        Path err = Files.createTempFile("vexfs-cmd", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
