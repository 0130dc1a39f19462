package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** {@code vexctl profile start|stop|status|analyze}: JDK Flight Recorder in the mount process, through .vexfs/profile. */
@Command(name = "profile", mixinStandardHelpOptions = true, description = "Record and analyze the mount with JDK Flight Recorder.")
final class ProfileCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a recording in the mount (writes 'start SECONDS' to .vexfs/profile).")
    int start(@Option(names = "--duration", defaultValue = "60s", converter = Units.DurationConverter.class,
            description = "How long to record (default ${DEFAULT-VALUE}); whole seconds, rounded up.") Duration duration) throws IOException {
        ControlPlane plane = profiled();
        long seconds = Math.max(1, (duration.toMillis() + 999) / 1000);
        plane.write("profile", "start " + seconds + "\n");
        ControlPlane.ProfileState s = plane.profile();
        root.out().println("profile: " + s.state() + " for " + seconds + " s; then run: vexctl profile analyze");
        return s.state().equals("recording") ? Vexctl.OK : Vexctl.CHECK_FAILED;
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "End the recording now (writes 'stop').")
    int stop() throws IOException {
        ControlPlane plane = profiled();
        plane.write("profile", "stop\n");
        return status();
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Recording or idle, and the last finished recording.")
    int status() throws IOException {
        ControlPlane.ProfileState s = profiled().profile();
        root.out().println("state " + s.state());
        root.out().println("file " + (s.lastRecording() == null ? "none" : s.lastRecording()));
        return Vexctl.OK;
    }

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Hottest methods, allocation by site, lock contention and GC pauses of the last recording.")
    int analyze(@Option(names = "--output", paramLabel = "FILE", description = "Also write the analysis to FILE (Markdown).") Path output,
                @Option(names = "--file", paramLabel = "JFR", description = "Analyze this .jfr instead of the mount's last recording.") Path file,
                @Option(names = "--top", defaultValue = "10", description = "Rows per table (default ${DEFAULT-VALUE}).") int top)
            throws IOException {
        JfrAnalysis.Result r = JfrAnalysis.analyze(recording(root, file));
        StringWriter text = new StringWriter();
        try (PrintWriter w = new PrintWriter(text)) {
            JfrAnalysis.printProfile(w, r, top);
        }
        root.out().print(text);
        if (output != null) {
            Files.writeString(output, "# VexFS profile\n\n```\n" + text + "```\n");
            root.out().println("wrote " + output.toAbsolutePath());
        }
        return Vexctl.OK;
    }

    private ControlPlane profiled() {
        ControlPlane plane = root.controlPlane();
        if (!plane.has("profile")) {
            throw new IllegalStateException("this mount has no .vexfs/profile (a vexfs without the profiler)");
        }
        return plane;
    }

    /** The recording to read: the one named, or the mount's last finished one. */
    static Path recording(Vexctl root, Path file) throws IOException {
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new Vexctl.UsageException("no recording at " + file);
            }
            return file;
        }
        ControlPlane plane = root.controlPlane();
        ControlPlane.ProfileState s = plane.profile();
        if (s == null) {
            throw new IllegalStateException("this mount has no .vexfs/profile; pass --file RECORDING.jfr");
        }
        if (s.lastRecording() == null) {
            throw new IllegalStateException("no finished recording yet (state " + s.state() + "); run: vexctl profile start --duration 60s");
        }
        return s.lastRecording();
    }
}
