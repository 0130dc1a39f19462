package io.vexfs.fuse;

import io.vexfs.core.Vexfs;
import io.vexfs.core.config.ConfigException;
import io.vexfs.core.config.VexConfig;
import io.vexfs.core.storage.RecoveryReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The mount process: {@code vexfs mount [--config F] [--data DIR] [--mountpoint DIR]}.
 * Loads the configuration (refusing a bad one with its line), replays the data directory,
 * mounts, and on SIGTERM/SIGINT unmounts and syncs the log before exiting.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (UsageException e) {
            System.err.println("vexfs: " + e.getMessage());
            System.err.println("usage: vexfs mount [--config FILE] [--data DIR] [--mountpoint DIR] [--debug] | vexfs warmup");
            System.exit(2);
        }
    }

    static int run(String[] args) throws UsageException {
        if (args.length == 1 && args[0].equals("warmup")) {
            return Warmup.run();
        }
        if (args.length == 0 || !args[0].equals("mount")) {
            throw new UsageException("expected the command 'mount' (or 'warmup')");
        }
        Path config = null;
        Path data = null;
        Path mountpoint = null;
        boolean debug = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = Path.of(value(args, ++i, "--config"));
                case "--data" -> data = Path.of(value(args, ++i, "--data"));
                case "--mountpoint" -> mountpoint = Path.of(value(args, ++i, "--mountpoint"));
                case "--debug" -> debug = true;
                default -> throw new UsageException("unknown option '" + args[i] + "'");
            }
        }
        Path cwd = Path.of("").toAbsolutePath();
        VexConfig cfg;
        try {
            cfg = config == null ? VexConfig.defaults(cwd) : VexConfig.load(config, cwd);
        } catch (ConfigException e) {
            System.err.println("vexfs: " + e.getMessage());
            return 3;
        }
        if (data != null) {
            cfg = cfg.withDataDir(data.toAbsolutePath());
        }
        if (mountpoint != null) {
            cfg = cfg.withMountpoint(mountpoint.toAbsolutePath());
        }
        return mount(cfg, config, debug);
    }

    private static int mount(VexConfig cfg, Path configFile, boolean debug) {
        try {
            Files.createDirectories(cfg.mountpoint());
        } catch (IOException e) {
            System.err.println("vexfs: cannot create the mount point " + cfg.mountpoint() + ": " + e.getMessage());
            return 1;
        }
        Vexfs node;
        try {
            node = Vexfs.open(cfg, configFile);
        } catch (IOException e) {
            System.err.println("vexfs: " + e.getMessage());
            return 1;
        }
        node.notices().forEach(notice -> System.err.println("vexfs: " + notice));
        RecoveryReport report = node.recoveryReport();
        for (String problem : report.problems()) {
            System.err.println("vexfs: recovery: " + problem);
        }
        System.out.println("vexfs: replayed " + report.recordsReplayed() + " log records in " + node.replayMillis() + " ms");
        if (node.metricsPort() != 0) {
            System.out.println("vexfs: metrics at http://127.0.0.1:" + node.metricsPort() + "/metrics");
        }

        Mount mount = new Mount(node);
        VexFuse fuse = mount.fuse();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mount.unmount();
            try {
                if (!stopped.await(30, TimeUnit.SECONDS)) {
                    System.err.println("vexfs: the mount did not stop within 30 s; syncing the log anyway");
                    node.store().close();
                }
            } catch (InterruptedException | IOException e) {
                System.err.println("vexfs: shutdown: " + e);
            }
        }, "vexfs-shutdown"));
        Thread announcer = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                fuse.mountedLatch().await();
                System.out.println("vexfs: mounted " + cfg.dataDir() + " on " + cfg.mountpoint());
                System.out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int rc = 0;
        try {
            fuse.mount(cfg.mountpoint(), true, debug, mountOptions(cfg));
        } catch (RuntimeException e) {
            System.err.println("vexfs: mount failed: " + e.getMessage());
            rc = 1;
        } finally {
            announcer.interrupt();
            try {
                node.close();
            } catch (IOException e) {
                System.err.println("vexfs: closing the store: " + e.getMessage());
                rc = 1;
            }
            if (rc == 0) {
                System.out.println("vexfs: unmounted " + cfg.mountpoint());
            }
            System.out.flush();
            // Last: a SIGTERM's shutdown hook waits for this, then the JVM halts.
            stopped.countDown();
        }
        return rc;
    }

    static String[] mountOptions(VexConfig cfg) {
        double attr = cfg.attrTimeout().toMillis() / 1000.0;
        double entry = cfg.entryTimeout().toMillis() / 1000.0;
        List<String> o = new ArrayList<>(List.of(
                // The data directory is the mount's source in /proc/mounts, df and `vexfs status`.
                "fsname=" + optionValue(cfg.dataDir().toString()), "subtype=vexfs", "big_writes", "max_write=" + cfg.maxWrite(),
                "max_read=" + cfg.maxWrite(), "default_permissions", "atomic_o_trunc", "use_ino", "hard_remove",
                "attr_timeout=" + attr, "entry_timeout=" + entry, "negative_timeout=0"));
        if (cfg.allowOther()) {
            o.add("allow_other");
        }
        return new String[]{"-o", String.join(",", o)};
    }

    /** A value inside -o: libfuse splits options at commas, and a backslash escapes the next character. */
    private static String optionValue(String value) {
        return value.replace("\\", "\\\\").replace(",", "\\,");
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
