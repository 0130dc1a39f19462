package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** {@code vexctl load-test generate}: a mixed workload through the mount, reported as ops/s and percentiles. */
@Command(name = "load-test", mixinStandardHelpOptions = true, description = "Drive a mount with real file operations.")
final class LoadTestCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Writes, reads, stats and searches vectors through the mount from many threads,",
                    "then prints ops/s and p50/p95/p99 by operation and writes the JSON that 'performance compare' reads."})
    int generate(@Option(names = "--duration", defaultValue = "60s", converter = Units.DurationConverter.class,
                         description = "How long to run: 300s, 5m, 1h, 500ms (default ${DEFAULT-VALUE}).") Duration duration,
                 @Option(names = "--concurrency", defaultValue = "16", description = "Threads (default ${DEFAULT-VALUE}).") int concurrency,
                 @Option(names = "--output", paramLabel = "FILE", description = "The report JSON (default load-test-TIME.json).") Path output,
                 @Mixin LoadOptions load) throws IOException {
        load.validate(concurrency);
        LoadGenerator.Spec spec = new LoadGenerator.Spec(duration, concurrency, load.dim, load.vectorsPerFile, load.parsedMix(), load.keep);
        ControlPlane plane = root.controlPlane();
        LoadGenerator.Result r = new LoadGenerator(plane, load.quiet ? null : root.err()).run(spec);
        PerfReport report = LoadReports.report("load-test", r, null);
        LoadReports.print(root.out(), r, report);
        Path file = output != null ? output : defaultOutput("load-test");
        report.write(file);
        root.out().println("report: " + file.toAbsolutePath());
        return Vexctl.OK;
    }

    static Path defaultOutput(String kind) {
        return Path.of(kind + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
    }
}
