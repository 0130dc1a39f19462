package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code vexctl bottlenecks identify}: everything that costs, ranked, with the setting that would help. */
@Command(name = "bottlenecks", mixinStandardHelpOptions = true, description = "Rank what costs the mount most.")
final class BottlenecksCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "identify", mixinStandardHelpOptions = true,
            description = "Operations by share of time, search, memory, CPU, disk and errors, ranked, each with its evidence and remedy.")
    int identify(@Option(names = "--window", converter = Units.DurationConverter.class,
            description = "Measure over this live window (e.g. 10s) instead of since the mount started.") Duration window)
            throws IOException {
        ControlPlane plane = root.controlPlane();
        Observation o = Observation.take(plane, window == null ? Duration.ZERO : window);
        PrintWriter out = root.out();
        List<Diagnosis.Finding> findings = new ArrayList<>();
        findings.addAll(Diagnosis.operations(o));
        findings.addAll(Diagnosis.search(o));
        findings.addAll(Diagnosis.memory(o, SystemInfo.meminfo()));
        findings.addAll(Diagnosis.cpuAndDisk(SystemInfo.loadavg(), SystemInfo.cores(), SystemInfo.disk(o.config().dataDir()),
                o.config().integer("performance.io_threads").map(Long::intValue)));
        findings.addAll(Diagnosis.errors(o, plane.errors()));
        out.println("Bottlenecks of " + plane.mount() + " " + o.span());
        Diagnosis.print(out, findings);
        return Vexctl.OK;
    }
}
