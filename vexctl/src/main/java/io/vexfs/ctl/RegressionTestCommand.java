package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code vexctl regression-test run}: repeats a baseline's workload and fails when a figure regresses. */
@Command(name = "regression-test", mixinStandardHelpOptions = true, description = "Compare a fresh run with a baseline.")
final class RegressionTestCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Runs the workload recorded in the baseline report (its duration, threads and mix unless overridden),",
                    "compares every figure, and exits 1 when one is worse than the baseline by more than --threshold percent."})
    int run(@Option(names = "--baseline", required = true, paramLabel = "REPORT", description = "A load-test or regression-test report JSON.") Path baselineFile,
            @Option(names = "--threshold", defaultValue = "10", description = "Percent a figure may worsen (default ${DEFAULT-VALUE}).") double threshold,
            @Option(names = "--duration", converter = Units.DurationConverter.class, description = "Override the baseline's duration.") Duration duration,
            @Option(names = "--concurrency", description = "Override the baseline's threads.") Integer concurrency,
            @Option(names = "--output", paramLabel = "FILE", description = "This run's report JSON (default regression-test-TIME.json).") Path output,
            @Option(names = "--quiet", description = "No progress bar on stderr.") boolean quiet) throws IOException {
        PerfReport baseline = PerfReport.read(baselineFile);
        PerfReport.Workload w = baseline.workload();
        if (w == null) {
            throw new Vexctl.UsageException(baselineFile + " is a " + baseline.kind() + " report with no workload to repeat; use a load-test report");
        }
        if (threshold < 0) {
            throw new Vexctl.UsageException("--threshold must not be negative");
        }
        LoadGenerator.Spec spec = new LoadGenerator.Spec(
                duration != null ? duration : Duration.ofNanos(Math.round(w.durationSeconds() * 1e9)),
                concurrency != null ? concurrency : w.concurrency(), w.dim(), w.vectorsPerFile(), LoadGenerator.Mix.parse(w.mix()), false);
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        LoadGenerator.Result r = new LoadGenerator(plane, quiet ? null : root.err()).run(spec);
        PerfReport current = LoadReports.report("regression-test", r, null);
        LoadReports.print(out, r, current);
        Path file = output != null ? output : LoadTestCommand.defaultOutput("regression-test");
        current.write(file);
        out.println("report: " + file.toAbsolutePath());
        Table.heading(out, "Against " + baselineFile + " (threshold " + threshold + "%)");
        List<Comparison.Change> changes = Comparison.compare(baseline, current, threshold);
        Comparison.print(out, changes);
        long regressions = Comparison.regressions(changes);
        out.println();
        if (regressions > 0) {
            out.println("FAIL: " + regressions + " figure(s) regressed by more than " + threshold + "%");
            return Vexctl.CHECK_FAILED;
        }
        out.println("PASS: no figure regressed by more than " + threshold + "%");
        return Vexctl.OK;
    }
}
