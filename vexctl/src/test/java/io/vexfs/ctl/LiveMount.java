package io.vexfs.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real vexfs mount in a child JVM (io.vexfs.fuse.Main from the test classpath), with its
 * own data directory and mount point under /tmp; closed with SIGTERM and a lazy fusermount3.
 */
final class LiveMount implements AutoCloseable {
    final Path root;
    final Path mnt;
    private final Process process;
    private final Path log;

    private LiveMount(Path root, Process process, Path log) {
        this.root = root;
        this.mnt = root.resolve("mnt");
        this.process = process;
        this.log = log;
    }

    /** Mounts with {@code configText} (TOML) as its config file. */
    static LiveMount start(String configText) throws IOException {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "vexfs-test-ctl");
        Path config = root.resolve("vexfs.conf");
        Files.writeString(config, configText);
        Path mnt = root.resolve("mnt");
        Files.createDirectories(mnt);
        Path log = root.resolve("mount.log");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "io.vexfs.fuse.Main", "mount", "--data", root.resolve("data").toString(), "--mountpoint", mnt.toString(),
                "--config", config.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LiveMount m = new LiveMount(root, p, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("vexfs: mounted")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String out = Files.readString(log);
                m.close();
                throw new IOException("mount did not come up:\n" + out);
            }
            sleepMillis(50);
        }
        return m;
    }

    /** The result of one vexctl command line run in this JVM. */
    record Run(int exit, String out, String err) {
    }

    Run vexctl(String... args) {
        String[] withMount = new String[args.length + 2];
        withMount[0] = "--mount";
        withMount[1] = mnt.toString();
        System.arraycopy(args, 0, withMount, 2, args.length);
        return run(withMount);
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Vexctl.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(rc, out.toString(), err.toString());
    }

    MetricsScrape scrape() throws IOException {
        return ControlPlane.open(mnt).scrape();
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            if (Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " fuse")) {
                new ProcessBuilder("fusermount3", "-u", "-z", mnt.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
            }
            new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the mount", e);
        }
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
