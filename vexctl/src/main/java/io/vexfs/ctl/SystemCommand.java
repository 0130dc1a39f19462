package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code vexctl system resources}: this machine's memory, load, cores and the disks of the mount. */
@Command(name = "system", mixinStandardHelpOptions = true, description = "This machine, as the mount sees it.")
final class SystemCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "resources", mixinStandardHelpOptions = true,
            description = "/proc/meminfo, /proc/loadavg, cores, and the disks of the mount and of its data directory.")
    int resources() throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        Map<String, Long> mem = SystemInfo.meminfo();
        Table memory = new Table("memory", "bytes");
        for (String field : List.of("MemTotal", "MemAvailable", "MemFree", "Cached", "Dirty", "SwapTotal", "SwapFree")) {
            if (mem.containsKey(field)) {
                memory.row(field, Units.bytes(mem.get(field)));
            }
        }
        memory.print(out);
        SystemInfo.LoadAverage load = SystemInfo.loadavg();
        Table.heading(out, "CPU");
        new Table("cores", "load 1m", "load 5m", "load 15m", "tasks running/total")
                .row(SystemInfo.cores(), fmt(load.one()), fmt(load.five()), fmt(load.fifteen()), load.tasks()).print(out);
        Table.heading(out, "Disks");
        Path dataDir = plane.config().dataDir();
        Table disks = new Table("what", "path", "file system", "type", "size", "free", "free %");
        disk(disks, "mount", plane.mount());
        disk(disks, "data directory", dataDir);
        disks.print(out);
        return Vexctl.OK;
    }

    private static void disk(Table t, String what, Path path) throws IOException {
        SystemInfo.Disk d = SystemInfo.disk(path);
        t.row(what, d.path(), d.store(), d.type(), Units.bytes(d.total()), Units.bytes(d.usable()), Units.percent(d.freeFraction()));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
