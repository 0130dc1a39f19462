package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code vexctl resources analyze}: heap, pool, machine memory, CPU and disk against what the mount uses. */
@Command(name = "resources", mixinStandardHelpOptions = true, description = "Resources the mount uses and has.")
final class ResourcesCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Which resource is short, with the numbers read and the setting that would help.")
    int analyze(@Option(names = "--window", converter = Units.DurationConverter.class,
            description = "Count pool hits and misses over this live window instead of since the mount started.") Duration window)
            throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        Observation o = Observation.take(plane, window == null ? Duration.ZERO : window);
        Map<String, Long> mem = SystemInfo.meminfo();
        SystemInfo.LoadAverage load = SystemInfo.loadavg();
        int cores = SystemInfo.cores();
        SystemInfo.Disk disk = SystemInfo.disk(o.config().dataDir());
        Table t = new Table("resource", "in use", "of", "use");
        t.row("mount heap", Units.bytes(o.gauge("vexfs_heap_used_bytes")), Units.bytes(o.gauge("vexfs_heap_max_bytes")),
                share(o.gauge("vexfs_heap_used_bytes"), o.gauge("vexfs_heap_max_bytes")));
        if (o.has("vexfs_pool_capacity_bytes")) {
            t.row("buffer pool", Units.bytes(o.gauge("vexfs_pool_used_bytes")), Units.bytes(o.gauge("vexfs_pool_capacity_bytes")),
                    share(o.gauge("vexfs_pool_used_bytes"), o.gauge("vexfs_pool_capacity_bytes")));
        }
        long total = mem.getOrDefault("MemTotal", 0L);
        long used = total - mem.getOrDefault("MemAvailable", 0L);
        t.row("machine memory", Units.bytes(used), Units.bytes(total), share(used, total));
        t.row("CPU (load 1m)", String.format(Locale.ROOT, "%.2f", load.one()), cores + " cores", share(load.one(), cores));
        t.row("data disk " + disk.path(), Units.bytes(disk.total() - disk.usable()), Units.bytes(disk.total()),
                share(disk.total() - disk.usable(), disk.total()));
        t.print(out);
        Table.heading(out, "Findings " + o.span());
        List<Diagnosis.Finding> findings = new ArrayList<>(Diagnosis.memory(o, mem));
        findings.addAll(Diagnosis.cpuAndDisk(load, cores, disk, o.config().integer("performance.io_threads").map(Long::intValue)));
        Diagnosis.print(out, findings);
        return Vexctl.OK;
    }

    private static String share(double used, double of) {
        return of == 0 ? "n/a" : Units.percent(used / of);
    }
}
