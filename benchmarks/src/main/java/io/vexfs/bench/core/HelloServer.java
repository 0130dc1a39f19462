package io.vexfs.bench.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * libfuse's own example server (hello.c, fuse3, built by the script), the C baseline. It serves
 * one read-only file at the mount's root whose name and content we choose.
 */
final class HelloServer {
    /** Our mount's options that fuse3 accepts; see {@link CoreBench#OPTION_NOTES} for the others. */
    static final String OPTIONS = "attr_timeout=0,entry_timeout=0,negative_timeout=0,default_permissions";
    static final String FILE_NAME = "hello";

    private final Path binary;
    private final Path mountpoint;
    private final Path log;
    private Process process;

    HelloServer(Path binary, Path mountpoint, Path log) {
        this.binary = binary;
        this.mountpoint = mountpoint;
        this.log = log;
    }

    Path file() {
        return mountpoint.resolve(FILE_NAME);
    }

    void start(String contents) throws IOException, InterruptedException {
        Files.createDirectories(mountpoint);
        process = new ProcessBuilder(List.of(binary.toString(), "-f", "-o", OPTIONS, "--name=" + FILE_NAME,
                "--contents=" + contents, mountpoint.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Mounts.isMounted(mountpoint)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("the C hello server did not mount " + mountpoint + "; see " + log);
            }
            Thread.sleep(20);
        }
    }

    void stop() throws IOException, InterruptedException {
        Mounts.detach(mountpoint);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the C hello server did not exit after its unmount");
        }
    }
}
