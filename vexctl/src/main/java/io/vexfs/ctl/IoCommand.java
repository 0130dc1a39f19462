package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code vexctl io bottlenecks}: the data path (read, write, commit, fsync) and the kernel settings under it. */
@Command(name = "io", mixinStandardHelpOptions = true, description = "The mount's I/O path.")
final class IoCommand {
    private static final Set<String> IO_OPS = Set.of("read", "write", "flush", "fsync", "release", "create", "open", "truncate");
    private static final long MIN_READ_AHEAD_KB = 128;

    @ParentCommand
    Vexctl root;

    @Command(name = "bottlenecks", mixinStandardHelpOptions = true,
            description = "I/O operations by time, log bytes and fsyncs per commit, read-ahead and dirty-page settings, and what would help.")
    int bottlenecks(@Option(names = "--window", converter = Units.DurationConverter.class,
            description = "Measure over this live window (e.g. 10s) instead of since the mount started.") Duration window)
            throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        Observation o = Observation.take(plane, window == null ? Duration.ZERO : window);
        out.println("I/O of " + plane.mount() + " " + o.span());
        Table ops = new Table("op", "count", "total", "mean", "p99");
        o.ops().stream().filter(s -> IO_OPS.contains(s.op()) && s.count() > 0)
                .sorted((a, b) -> Double.compare(b.totalMicros(), a.totalMicros()))
                .forEach(s -> ops.row(s.op(), s.count(), Units.micros(s.totalMicros()), Units.micros(s.meanMicros()), Units.quantile(s.p99Micros())));
        ops.print(out);
        double commits = o.counter("vexfs_commits_total");
        double walBytes = o.counter("vexfs_wal_written_bytes_total");
        double fsyncs = o.counter("vexfs_wal_fsyncs_total");
        Table.heading(out, "Write-ahead log");
        new Table("commits", "log bytes", "log fsyncs", "bytes per commit", "fsyncs per commit", "sync_on_close")
                .row(Units.number(commits), Units.bytes(walBytes), Units.number(fsyncs),
                        commits == 0 ? "n/a" : Units.bytes(walBytes / commits), commits == 0 ? "n/a" : Units.number(fsyncs / commits),
                        o.config().string("storage.sync_on_close").orElse("n/a"))
                .print(out);
        Table.heading(out, "Kernel settings under the data directory " + o.config().dataDir());
        Table k = new Table("setting", "value");
        List<SystemInfo.KernelSetting> settings = new ArrayList<>();
        for (String name : List.of("vm.dirty_ratio", "vm.dirty_background_ratio", "vm.swappiness")) {
            SystemInfo.sysctl(name).ifPresent(settings::add);
        }
        Optional<SystemInfo.KernelSetting> readAhead = SystemInfo.readAhead(o.config().dataDir());
        readAhead.ifPresent(settings::add);
        settings.forEach(s -> k.row(s.name(), s.value()));
        if (readAhead.isEmpty()) {
            k.row("read_ahead_kb", "n/a (no block device under the data directory)");
        }
        k.print(out);
        Table.heading(out, "What would help");
        List<Diagnosis.Finding> findings = new ArrayList<>();
        for (Diagnosis.Finding f : Diagnosis.operations(o)) {
            if (IO_OPS.contains(f.area().substring("op ".length()))) {
                findings.add(f);
            }
        }
        readAhead.filter(r -> r.value() < MIN_READ_AHEAD_KB).ifPresent(r -> findings.add(new Diagnosis.Finding("read-ahead", 0.2,
                "replay and compaction read the log sequentially with a small read-ahead", r.name() + " = " + r.value() + " KiB",
                "vexctl optimize system --apply-all (shows the change; --yes applies it)")));
        Diagnosis.print(out, findings);
        return Vexctl.OK;
    }
}
