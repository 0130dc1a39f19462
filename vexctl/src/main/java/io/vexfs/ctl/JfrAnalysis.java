package io.vexfs.ctl;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a JDK Flight Recorder recording of the mount says: hottest methods (execution samples),
 * allocation by site, lock contention (monitor enters and parks) and GC pauses.
 */
final class JfrAnalysis {
    /** One line of a ranking: what, how much (samples, bytes or nanoseconds), from how many events. */
    record Row(String what, double amount, long events) {
    }

    record GcRow(String collector, long collections, Duration totalPause, Duration longestPause) {
    }

    record Result(Path file, Instant start, Instant end, long events, List<Row> hotMethods, long executionSamples,
                  List<Row> allocations, List<Row> monitors, List<Row> parks, List<GcRow> gc) {
    }

    private static final class Tally {
        final Map<String, double[]> rows = new HashMap<>();

        void add(String key, double amount) {
            double[] r = rows.computeIfAbsent(key, k -> new double[2]);
            r[0] += amount;
            r[1]++;
        }

        List<Row> ranked() {
            return rows.entrySet().stream().map(e -> new Row(e.getKey(), e.getValue()[0], (long) e.getValue()[1]))
                    .sorted(Comparator.comparingDouble(Row::amount).reversed()).toList();
        }
    }

    private JfrAnalysis() {
    }

    static Result analyze(Path file) throws IOException {
        Tally hot = new Tally();
        Tally alloc = new Tally();
        Tally monitors = new Tally();
        Tally parks = new Tally();
        Map<String, long[]> gc = new HashMap<>();
        Instant start = null;
        Instant end = null;
        long events = 0;
        long samples = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                events++;
                start = start == null || e.getStartTime().isBefore(start) ? e.getStartTime() : start;
                end = end == null || e.getEndTime().isAfter(end) ? e.getEndTime() : end;
                switch (e.getEventType().getName()) {
                    case "jdk.ExecutionSample" -> {
                        samples++;
                        hot.add(frame(top(e.getStackTrace())), 1);
                    }
                    case "jdk.ObjectAllocationSample" -> alloc.add(site(e.getStackTrace()) + " (" + className(e, "objectClass") + ")",
                            e.getLong("weight"));
                    case "jdk.JavaMonitorEnter" -> monitors.add(className(e, "monitorClass") + " at " + site(e.getStackTrace()),
                            e.getDuration().toNanos());
                    case "jdk.ThreadPark" -> parks.add(className(e, "parkedClass") + " at " + site(e.getStackTrace()),
                            e.getDuration().toNanos());
                    case "jdk.GarbageCollection" -> {
                        long[] g = gc.computeIfAbsent(e.getString("name"), k -> new long[3]);
                        g[0]++;
                        g[1] += e.getDuration("sumOfPauses").toNanos();
                        g[2] = Math.max(g[2], e.getDuration("longestPause").toNanos());
                    }
                    default -> {
                        // other event types do not feed these rankings
                    }
                }
            }
        }
        List<GcRow> gcRows = gc.entrySet().stream()
                .map(x -> new GcRow(x.getKey(), x.getValue()[0], Duration.ofNanos(x.getValue()[1]), Duration.ofNanos(x.getValue()[2])))
                .sorted(Comparator.comparing(GcRow::totalPause).reversed()).toList();
        return new Result(file, start, end, events, hot.ranked(), samples, alloc.ranked(), monitors.ranked(), parks.ranked(), gcRows);
    }

    private static RecordedFrame top(RecordedStackTrace stack) {
        return stack == null || stack.getFrames().isEmpty() ? null : stack.getFrames().getFirst();
    }

    /** The first frame outside the JDK: where the program asked for the allocation or the lock. */
    private static String site(RecordedStackTrace stack) {
        if (stack == null) {
            return "(no stack)";
        }
        for (RecordedFrame f : stack.getFrames()) {
            String type = f.getMethod().getType().getName();
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
                return frame(f);
            }
        }
        return frame(top(stack));
    }

    private static String frame(RecordedFrame f) {
        if (f == null) {
            return "(no stack)";
        }
        return f.getMethod().getType().getName() + "." + f.getMethod().getName() + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : "");
    }

    private static String className(RecordedEvent e, String field) {
        return e.hasField(field) && e.getClass(field) != null ? e.getClass(field).getName() : "(unknown class)";
    }

    static void printProfile(PrintWriter out, Result r, int top) {
        out.println("Recording " + r.file() + ": " + r.events() + " events from " + r.start() + " to " + r.end());
        Table.heading(out, "Hottest methods (top frames of " + r.executionSamples() + " execution samples)");
        Table hot = new Table("method", "samples", "share");
        r.hotMethods().stream().limit(top).forEach(x -> hot.row(x.what(), (long) x.amount(), Units.percent(x.amount() / r.executionSamples())));
        print(out, hot);
        Table.heading(out, "Allocation by site (sampled weight)");
        Table alloc = new Table("site (class)", "bytes", "samples");
        r.allocations().stream().limit(top).forEach(x -> alloc.row(x.what(), Units.bytes(x.amount()), x.events()));
        print(out, alloc);
        printContention(out, r, top);
        Table.heading(out, "GC pauses");
        Table gc = new Table("collector", "collections", "total pause", "longest pause");
        r.gc().forEach(g -> gc.row(g.collector(), g.collections(), Units.micros(g.totalPause().toNanos() / 1e3),
                Units.micros(g.longestPause().toNanos() / 1e3)));
        print(out, gc);
    }

    static void printContention(PrintWriter out, Result r, int top) {
        Table.heading(out, "Lock contention: monitor enters (threads blocked on synchronized)");
        Table mon = new Table("monitor at site", "blocked", "events");
        r.monitors().stream().limit(top).forEach(x -> mon.row(x.what(), Units.micros(x.amount() / 1e3), x.events()));
        print(out, mon);
        Table.heading(out, "Parks (threads waiting on j.u.c. locks, queues, sleeps)");
        Table park = new Table("parked on at site", "waited", "events");
        r.parks().stream().limit(top).forEach(x -> park.row(x.what(), Units.micros(x.amount() / 1e3), x.events()));
        print(out, park);
    }

    private static void print(PrintWriter out, Table t) {
        if (t.isEmpty()) {
            out.println("(no such events in the recording)");
        } else {
            t.print(out);
        }
    }
}
