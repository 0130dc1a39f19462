package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code vexctl stress-test run}: doubles the concurrency until p99 or errors break a bound; reports the knee. */
@Command(name = "stress-test", mixinStandardHelpOptions = true, description = "Find the load a mount sustains.")
final class StressTestCommand {
    private static final int MAX_LOAD_CEILING = 4096;

    @ParentCommand
    Vexctl root;

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Runs the load-test workload at 1, 2, 4, ... threads, one step each, until p99 exceeds --p99-bound",
                    "or the error rate exceeds --max-error-rate; the knee is the last level within bounds."})
    int run(@Option(names = "--max-load", description = "Keep doubling until a bound breaks (up to " + MAX_LOAD_CEILING
                    + " threads) instead of stopping at --max-concurrency.") boolean maxLoad,
            @Option(names = "--start-concurrency", defaultValue = "1", description = "First level (default ${DEFAULT-VALUE}).") int start,
            @Option(names = "--max-concurrency", defaultValue = "64", description = "Last level without --max-load (default ${DEFAULT-VALUE}).") int max,
            @Option(names = "--step-duration", defaultValue = "10s", converter = Units.DurationConverter.class,
                    description = "How long each level runs (default ${DEFAULT-VALUE}).") Duration step,
            @Option(names = "--p99-bound", defaultValue = "100ms", converter = Units.DurationConverter.class,
                    description = "Largest acceptable p99 (default ${DEFAULT-VALUE}).") Duration p99Bound,
            @Option(names = "--max-error-rate", defaultValue = "1", description = "Largest acceptable error rate, percent (default ${DEFAULT-VALUE}).") double maxErrorPct,
            @Option(names = "--output", paramLabel = "FILE", description = "The report JSON (default stress-test-TIME.json).") Path output,
            @Mixin LoadOptions load) throws IOException {
        load.validate(start);
        int ceiling = maxLoad ? MAX_LOAD_CEILING : max;
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        List<PerfReport.StressStep> steps = new ArrayList<>();
        LoadGenerator.Result knee = null;
        String stop = "reached " + ceiling + " threads within bounds";
        for (int c = start; c <= ceiling; c *= 2) {
            LoadGenerator.Spec spec = new LoadGenerator.Spec(step, c, load.dim, load.vectorsPerFile, load.parsedMix(), load.keep);
            LoadGenerator.Result r = new LoadGenerator(plane, load.quiet ? null : root.err()).run(spec);
            LatencyHistogram all = r.all();
            double p99Us = all.quantileNanos(0.99) / 1e3;
            double errorPct = r.ops() + r.errors() == 0 ? 0 : 100.0 * r.errors() / (r.ops() + r.errors());
            boolean p99Broke = p99Us * 1e3 > p99Bound.toNanos();
            boolean errorsBroke = errorPct > maxErrorPct;
            String verdict = p99Broke ? "p99 over " + Units.micros(p99Bound.toNanos() / 1e3) : errorsBroke ? "errors over " + maxErrorPct + "%" : "ok";
            steps.add(new PerfReport.StressStep(c, r.ops() / r.seconds(), all.quantileNanos(0.5) / 1e3, all.quantileNanos(0.95) / 1e3,
                    p99Us, errorPct, verdict));
            if (p99Broke || errorsBroke) {
                stop = "at " + c + " threads: " + verdict;
                break;
            }
            knee = r;
        }
        Table t = new Table("threads", "ops/s", "p50", "p95", "p99", "errors", "verdict");
        for (PerfReport.StressStep s : steps) {
            t.row(s.concurrency(), Units.rate(s.opsPerSecond()), Units.micros(s.p50Us()), Units.micros(s.p95Us()),
                    Units.micros(s.p99Us()), String.format(Locale.ROOT, "%.2f%%", s.errorRatePct()), s.verdict());
        }
        t.print(out);
        out.println("stopped " + stop);
        if (knee == null) {
            out.println("no knee: the first level (" + start + " threads) already breaks a bound");
            return Vexctl.CHECK_FAILED;
        }
        PerfReport report = LoadReports.report("stress-test", knee, steps);
        report.figures().put("knee_concurrency", new PerfReport.Figure(knee.spec().concurrency(), "threads", PerfReport.HIGHER));
        out.println("knee: " + knee.spec().concurrency() + " threads, " + Units.rate(knee.ops() / knee.seconds())
                + ", p99 " + Units.micros(knee.all().quantileNanos(0.99) / 1e3));
        Path file = output != null ? output : LoadTestCommand.defaultOutput("stress-test");
        report.write(file);
        out.println("report: " + file.toAbsolutePath());
        return Vexctl.OK;
    }
}
