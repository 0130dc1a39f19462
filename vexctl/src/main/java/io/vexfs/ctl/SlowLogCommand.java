package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** {@code vexctl slow-log analyze}: the slow operations grouped by operation and by collection. */
@Command(name = "slow-log", mixinStandardHelpOptions = true, description = "The mount's slow operations (.vexfs/slowlog).")
final class SlowLogCommand {
    @ParentCommand
    Vexctl root;

    /** Slow entries of one group. */
    private record Group(String key, int count, long totalMicros, long maxMicros) {
        Group plus(long micros) {
            return new Group(key, count + 1, totalMicros + micros, Math.max(maxMicros, micros));
        }
    }

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Groups .vexfs/slowlog by operation and by collection, lists the slowest, and says what would help.")
    int analyze(@Option(names = "--top", defaultValue = "10", description = "Slowest entries to list (default ${DEFAULT-VALUE}).") int top)
            throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        Observation o = Observation.take(plane, Duration.ZERO);
        List<ControlPlane.SlowOp> slow = o.slowlog();
        String threshold = o.config().string("performance.slow_op_threshold").orElse("n/a");
        if (slow.isEmpty()) {
            out.println("the slow log is empty: no operation took " + threshold + " or longer recently");
            return Vexctl.OK;
        }
        out.println(slow.size() + " operations at or above " + threshold + " (the mount keeps the most recent ones)");
        Table.heading(out, "By operation");
        groups(slow, s -> s.op()).print(out);
        Table.heading(out, "By collection");
        groups(slow, s -> collection(s.path())).print(out);
        Table.heading(out, "Slowest");
        Table t = new Table("time", "op", "latency", "path");
        slow.stream().limit(top).forEach(s -> t.row(s.time(), s.op(), Units.micros(s.micros()), s.path()));
        t.print(out);
        Table.heading(out, "What would help");
        List<Diagnosis.Finding> findings = new ArrayList<>();
        for (Diagnosis.Finding f : Diagnosis.operations(o)) {
            String op = f.area().substring("op ".length());
            if (slow.stream().anyMatch(s -> s.op().equals(op))) {
                findings.add(f);
            }
        }
        Diagnosis.print(out, findings);
        return Vexctl.OK;
    }

    private static Table groups(List<ControlPlane.SlowOp> slow, Function<ControlPlane.SlowOp, String> key) {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (ControlPlane.SlowOp s : slow) {
            groups.merge(key.apply(s), new Group(key.apply(s), 1, s.micros(), s.micros()),
                    (a, b) -> a.plus(s.micros()));
        }
        Table t = new Table("group", "slow ops", "total", "mean", "max");
        groups.values().stream().sorted(Comparator.comparingLong(Group::totalMicros).reversed())
                .forEach(g -> t.row(g.key(), g.count(), Units.micros(g.totalMicros()), Units.micros((double) g.totalMicros() / g.count()),
                        Units.micros(g.maxMicros())));
        return t;
    }

    /** The top-level entry of a mount path: the collection, ".vexfs" for the control plane, "/" for the root itself. */
    static String collection(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        String top = slash < 0 ? p : p.substring(0, slash);
        return top.isEmpty() ? "/" : top;
    }
}
