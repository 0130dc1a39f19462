package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code vexctl optimize ...}: flips the mount's live toggles, and plans (or applies) kernel settings. */
@Command(name = "optimize", mixinStandardHelpOptions = true, description = "Switch live optimizations; tune kernel settings.")
final class OptimizeCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "memory", mixinStandardHelpOptions = true, description = "Off-heap buffer pool for staging and query buffers.")
    int memory(@Option(names = "--enable") boolean enable, @Option(names = "--disable") boolean disable) throws IOException {
        return toggle("memory", enable, disable);
    }

    @Command(name = "simd", mixinStandardHelpOptions = true, description = "SIMD distance kernels (off: scalar kernels, same answers).")
    int simd(@Option(names = "--enable") boolean enable, @Option(names = "--disable") boolean disable) throws IOException {
        return toggle("simd", enable, disable);
    }

    @Command(name = "cache", mixinStandardHelpOptions = true, description = "Query result cache.")
    int cache(@Option(names = "--enable") boolean enable, @Option(names = "--disable") boolean disable) throws IOException {
        return toggle("cache", enable, disable);
    }

    @Command(name = "zerocopy", mixinStandardHelpOptions = true, description = "Reads straight into the FUSE buffer.")
    int zerocopy(@Option(names = "--enable") boolean enable, @Option(names = "--disable") boolean disable) throws IOException {
        return toggle("zerocopy", enable, disable);
    }

    @Command(name = "scratch", mixinStandardHelpOptions = true, description = "Per-thread search scratch reused across searches.")
    int scratch(@Option(names = "--enable") boolean enable, @Option(names = "--disable") boolean disable) throws IOException {
        return toggle("scratch", enable, disable);
    }

    @Command(name = "prefetch", mixinStandardHelpOptions = true,
            description = "Graph searches load a node's unvisited neighbours before scoring them (same answers).")
    int prefetch(@Option(names = "--enable") boolean enable, @Option(names = "--disable") boolean disable) throws IOException {
        return toggle("prefetch", enable, disable);
    }

    /** Writes "NAME on|off" to .vexfs/optimizations and reads it back: exit 1 unless the mount now says so. */
    private int toggle(String name, boolean enable, boolean disable) throws IOException {
        if (enable == disable) {
            throw new Vexctl.UsageException("optimize " + name + ": give exactly one of --enable or --disable");
        }
        ControlPlane plane = root.controlPlane();
        Map<String, Boolean> before = plane.optimizations();
        if (!before.containsKey(name)) {
            root.err().println("vexctl: this mount has no toggle '" + name + "' (it has: " + String.join(", ", before.keySet()) + ")");
            return Vexctl.CHECK_FAILED;
        }
        plane.write("optimizations", name + (enable ? " on" : " off") + "\n");
        Boolean now = plane.optimizations().get(name);
        new Table("toggle", "before", "now").row(name, onOff(before.get(name)), onOff(now)).print(root.out());
        if (now == null || now != enable) {
            root.err().println("vexctl: the mount still reads " + name + " " + onOff(now) + " after the write");
            return Vexctl.CHECK_FAILED;
        }
        return Vexctl.OK;
    }

    private static String onOff(Boolean on) {
        return on == null ? "absent" : on ? "on" : "off";
    }

    /** One kernel setting: what it is, what we would set, and why. */
    private record Change(SystemInfo.KernelSetting setting, long proposed, String why) {
        boolean needed() {
            return setting.value() != proposed;
        }
    }

    @Command(name = "system", mixinStandardHelpOptions = true,
            description = {"Kernel settings for vexfs: vm.swappiness, vm.dirty_ratio, vm.dirty_background_ratio and the read-ahead of the data directory's disk.",
                    "Shows current and proposed values; applies them only with --apply-all --yes (needs root)."})
    int system(@Option(names = "--apply-all", description = "Plan every setting that differs from the proposal.") boolean applyAll,
               @Option(names = "--yes", description = "Really write the settings.") boolean yes) throws IOException {
        if (yes && !applyAll) {
            throw new Vexctl.UsageException("--yes applies the plan of --apply-all; give both");
        }
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        List<Change> plan = new ArrayList<>();
        atMost(plan, SystemInfo.sysctl("vm.swappiness"), 10, "at most 10: keep the mount's heap and buffer pool in memory");
        atMost(plan, SystemInfo.sysctl("vm.dirty_ratio"), 15, "at most 15: bound how much unwritten log piles up before writers stall");
        atMost(plan, SystemInfo.sysctl("vm.dirty_background_ratio"), 5, "at most 5: start writing the log back early, in the background");
        SystemInfo.readAhead(plane.config().dataDir()).ifPresent(s -> plan.add(new Change(s, Math.max(s.value(), 1024),
                "at least 1024: log replay and compaction read sequentially")));
        Table t = new Table("setting", "file", "current", "proposed", "why", "result");
        int failed = 0;
        for (Change c : plan) {
            String result = !c.needed() ? "already set" : applyAll && yes ? apply(c) : "not applied";
            failed += result.startsWith("failed") ? 1 : 0;
            t.row(c.setting().name(), c.setting().file(), c.setting().value(), c.proposed(), c.why(), result);
        }
        t.print(out);
        if (SystemInfo.readAhead(plane.config().dataDir()).isEmpty()) {
            out.println("read_ahead_kb: the data directory " + plane.config().dataDir() + " has no block device of its own (overlay, tmpfs)");
        }
        if (!(applyAll && yes)) {
            out.println(applyAll ? "dry run: add --yes to apply" : "nothing applied: --apply-all --yes applies the proposed values");
        }
        return failed == 0 ? Vexctl.OK : Vexctl.CHECK_FAILED;
    }

    /** Proposes lowering a setting to {@code limit}; one already at or below it stays as it is. */
    private static void atMost(List<Change> plan, Optional<SystemInfo.KernelSetting> setting, long limit, String why) {
        setting.ifPresent(s -> plan.add(new Change(s, Math.min(s.value(), limit), why)));
    }

    private static String apply(Change c) {
        try {
            Files.writeString(c.setting().file(), c.proposed() + "\n");
            long now = Long.parseLong(Files.readString(c.setting().file()).strip());
            return now == c.proposed() ? "applied" : "failed: reads back " + now;
        } catch (IOException e) {
            return "failed: " + e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }
}
