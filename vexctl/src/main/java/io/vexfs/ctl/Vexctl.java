package io.vexfs.ctl;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The vexctl root command: global options, the command groups, and the exit codes scripts
 * rely on (0 ok, 1 a check failed, 2 usage error, 3 mount not reachable).
 */
@Command(name = "vexctl", mixinStandardHelpOptions = true, version = "vexctl 0.1.0",
        description = "Observe and tune a running VexFS mount through its <mount>/.vexfs/ control plane.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:a check failed (regression, leak, invalid config, failed setting)",
                "2:usage error (unknown command, bad option or duration)", "3:mount not reachable"},
        subcommands = {MetricsCommand.class, CacheCommand.class, MemoryCommand.class, SystemCommand.class,
                StorageCommand.class, PerformanceCommand.class, ProfileCommand.class, ContentionCommand.class,
                BottlenecksCommand.class, SlowLogCommand.class, ResourcesCommand.class, IoCommand.class,
                OptimizeCommand.class, ConfigCommand.class, LoadTestCommand.class, StressTestCommand.class,
                RegressionTestCommand.class, TextCommand.class, IndexCommand.class, AutoComplete.GenerateCompletion.class})
public final class Vexctl implements Runnable {
    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--mount", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "The vexfs mount point (default: mountpoint in the config file, resolved against the current directory).")
    Path mount;

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "The vexfs config file (default: etc/vexfs.conf of the vexfs checkout).")
    Path config;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The config file named by --config, or the checkout's etc/vexfs.conf (its root comes from the launcher). */
    Path configFile() {
        if (config != null) {
            return config;
        }
        String root = System.getProperty("vexfs.root");
        return (root == null ? Path.of("") : Path.of(root)).toAbsolutePath().resolve("etc/vexfs.conf");
    }

    /** The control plane of the mount named by --mount, or by the config's mountpoint. */
    ControlPlane controlPlane() {
        Path dir = mount;
        if (dir == null) {
            Path file = configFile();
            if (!Files.isRegularFile(file)) {
                throw new UsageException("no --mount given and no config file at " + file + " to find the mountpoint in");
            }
            try {
                dir = VexConfigFile.read(file).mountpoint();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ControlPlane.open(dir.toAbsolutePath().normalize());
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line with the given streams; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Vexctl());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((e, argv) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("vexctl: " + e.getMessage().lines().findFirst().orElse("bad usage")
                    + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, failed, parsed) -> {
            failed.getErr().println("vexctl: " + oneLine(e));
            return switch (e) {
                case UsageException u -> USAGE;
                case MountUnreachableException m -> UNREACHABLE;
                default -> CHECK_FAILED;
            };
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    private static String oneLine(Exception e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof IOException && !(t.getClass() == IOException.class)) {
            message = t.getClass().getSimpleName() + ": " + message;
        }
        return message.lines().findFirst().orElse(message);
    }

    /** Bad input found after parsing (a file that is not a report, a missing file): exit 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** No vexfs mount at the path: exit 3. */
    static final class MountUnreachableException extends RuntimeException {
        MountUnreachableException(String message) {
            super(message);
        }
    }
}
