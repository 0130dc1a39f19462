package io.vexfs.bench.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One vexfs mount process, started exactly as a user starts it ({@code java ... -jar vexfs.jar
 * mount}), so that every measurement goes through the kernel and a separate JVM.
 */
final class VexMount {
    private static final List<String> JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    private static final Pattern REPLAYED = Pattern.compile("vexfs: replayed (\\d+) log records in (\\d+) ms");
    private static final long START_TIMEOUT_S = 180;
    private static final long STOP_TIMEOUT_S = 120;

    /** What one start took: until the "mounted" line, and what the mount said about its replay. */
    record Start(double seconds, long replayedRecords, long replayMillis) {
    }

    private final Path java;
    private final Path jar;
    private final Path config;
    private final Path data;
    private final Path mountpoint;
    private final Path log;
    private Process process;

    VexMount(Path java, Path jar, Path config, Path data, Path mountpoint, Path log) {
        this.java = java;
        this.jar = jar;
        this.config = config;
        this.data = data;
        this.mountpoint = mountpoint;
        this.log = log;
    }

    Path mountpoint() {
        return mountpoint;
    }

    /** Starts the mount and returns once it has printed "vexfs: mounted". */
    Start start() throws IOException, InterruptedException {
        if (process != null) {
            throw new IllegalStateException("already started: " + mountpoint);
        }
        Files.createDirectories(mountpoint);
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(JVM_FLAGS);
        // The launcher's start-up cache (scripts/env.sh records it; bench-core makes sure it is there and
        // current), so start-up is measured as users get it.
        Path cache = jar.resolveSibling("vexfs.aot");
        if (Files.exists(cache) && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0) {
            cmd.add("-XX:AOTCache=" + cache);
        }
        cmd.addAll(List.of("-jar", jar.toString(), "mount", "--config", config.toString(),
                "--data", data.toString(), "--mountpoint", mountpoint.toString()));
        CompletableFuture<Long> mounted = new CompletableFuture<>();
        CompletableFuture<Matcher> replayed = new CompletableFuture<>();
        long t0 = System.nanoTime();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Process started = process;
        Thread.ofPlatform().daemon(true).name("vexfs-output").start(
                () -> follow(started, mounted, replayed));
        try {
            long mountedAt = mounted.get(START_TIMEOUT_S, TimeUnit.SECONDS);
            Matcher m = replayed.getNow(null);
            if (m == null) {
                throw new IllegalStateException("the mount did not report its replay; see " + log);
            }
            return new Start((mountedAt - t0) / 1e9, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            process = null;
            throw new IllegalStateException("vexfs did not mount " + mountpoint + " (" + e.getMessage() + "); see " + log, e);
        }
    }

    /** Copies the mount's output to its log and completes the futures when the lines it waits for appear. */
    private void follow(Process p, CompletableFuture<Long> mounted, CompletableFuture<Matcher> replayed) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = in.readLine()) != null) {
                long now = System.nanoTime();
                Matcher m = REPLAYED.matcher(line);
                if (m.find()) {
                    replayed.complete(m);
                }
                if (line.startsWith("vexfs: mounted ")) {
                    mounted.complete(now);
                }
                out.write(line);
                out.write('\n');
                out.flush();
            }
            mounted.completeExceptionally(new IllegalStateException("the mount process exited"));
        } catch (IOException e) {
            mounted.completeExceptionally(e);
        }
    }

    /** SIGTERM, as an operator stops it; returns the seconds until the process has exited. */
    double stop() throws IOException, InterruptedException {
        if (process == null) {
            throw new IllegalStateException("not started: " + mountpoint);
        }
        long t0 = System.nanoTime();
        process.destroy();
        boolean exited = process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Process p = process;
        process = null;
        if (!exited) {
            p.destroyForcibly();
            Mounts.detach(mountpoint);
            throw new IllegalStateException("vexfs on " + mountpoint + " did not exit within " + STOP_TIMEOUT_S + " s of SIGTERM");
        }
        if (Mounts.isMounted(mountpoint)) {
            throw new IllegalStateException("vexfs exited but " + mountpoint + " is still mounted");
        }
        return seconds;
    }
}
