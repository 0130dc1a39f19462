package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code vexctl contention analyze}: where the mount's threads wait, from its Flight Recorder recording. */
@Command(name = "contention", mixinStandardHelpOptions = true, description = "Lock contention in the mount.")
final class ContentionCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Monitor enters and parks of the last recording (vexctl profile start), ranked by time blocked.")
    int analyze(@Option(names = "--file", paramLabel = "JFR", description = "Analyze this .jfr instead of the mount's last recording.") Path file,
                @Option(names = "--top", defaultValue = "10", description = "Rows per table (default ${DEFAULT-VALUE}).") int top)
            throws IOException {
        JfrAnalysis.Result r = JfrAnalysis.analyze(ProfileCommand.recording(root, file));
        PrintWriter out = root.out();
        double blocked = r.monitors().stream().mapToDouble(JfrAnalysis.Row::amount).sum();
        double parked = r.parks().stream().mapToDouble(JfrAnalysis.Row::amount).sum();
        out.println("Recording " + r.file() + " (" + r.start() + " to " + r.end() + "): threads blocked "
                + Units.micros(blocked / 1e3) + " on monitors and parked " + Units.micros(parked / 1e3) + " in total");
        JfrAnalysis.printContention(out, r, top);
        if (!r.monitors().isEmpty()) {
            JfrAnalysis.Row worst = r.monitors().getFirst();
            out.println();
            out.println("most contended: " + worst.what() + ", " + Units.micros(worst.amount() / 1e3) + " blocked over "
                    + worst.events() + " enters; fewer threads (max_concurrent_operations, io_threads) or a finer lock there would help");
        }
        return Vexctl.OK;
    }
}
