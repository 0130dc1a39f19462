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

/**
 * {@code vexctl index status}: the indexing progress and graph memory of the mount's hnsw
 * collections, from .vexfs/index, with a progress bar each.
 */
@Command(name = "index", mixinStandardHelpOptions = true, description = "hnsw collections: indexing progress and graph memory.")
final class IndexCommand {
    @ParentCommand
    Vexctl root;

    /** One line of .vexfs/index. */
    record Progress(String collection, String state, long rowsIndexed, long rowsTotal, long rowsWaiting, long filesWaiting,
                    double rate, double etaSeconds, long graphBytes, long graphNodes, long restoredRows) {
        boolean ready() {
            return state.equals("ready");
        }

        double fraction() {
            return rowsTotal == 0 ? (ready() ? 1 : 0) : Math.min(1, (double) rowsIndexed / rowsTotal);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Per hnsw collection: its state (reading: the index file is being read at mount; training: codes",
                    "of a changed pq_subspaces or quantization are being trained, searches use the old ones meanwhile; building:",
                    "rows wait for the indexer and are searched exactly meanwhile; ready), live rows in the graph of all, a",
                    "progress bar, rows/s, time left, the index's heap (its graph and codes), and the rows read from the index",
                    "file at mount.",
                    "With --watch, again every --interval until every collection is ready."})
    int status(@Option(names = "--watch", description = "Refresh until every hnsw collection is ready (or --iterations frames).") boolean watch,
               @Option(names = "--interval", defaultValue = "1s", converter = Units.DurationConverter.class,
                       description = "Time between frames with --watch (default ${DEFAULT-VALUE}).") Duration interval,
               @Option(names = "--iterations", defaultValue = "0", description = "With --watch: frames to show at most; 0 = until ready.")
               int iterations) throws IOException, InterruptedException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        if (!plane.has("index")) {
            root.err().println("vexctl: this mount has no .vexfs/index: it predates indexing progress");
            return Vexctl.CHECK_FAILED;
        }
        return Watch.frames(watch, interval, iterations, out, () -> {
            List<Progress> all = parse(plane.read("index"));
            print(out, all);
            return all.stream().allMatch(Progress::ready);
        });
    }

    static List<Progress> parse(String tsv) {
        List<Progress> out = new ArrayList<>();
        for (String[] f : Watch.rows(tsv, 11)) {
            out.add(new Progress(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                    Double.parseDouble(f[6]), Double.parseDouble(f[7]), Long.parseLong(f[8]), Long.parseLong(f[9]),
                    Long.parseLong(f[10])));
        }
        return out;
    }

    private static void print(PrintWriter out, List<Progress> all) {
        if (all.isEmpty()) {
            out.println("no hnsw collections (write 'index = hnsw' into a collection's .collection)");
            return;
        }
        Table t = new Table("collection", "state", "rows", "progress", "rows/s", "left", "waiting files", "graph", "restored");
        for (Progress p : all) {
            t.row(p.collection(), p.state(), p.rowsIndexed() + "/" + p.rowsTotal(), TextCommand.bar(p.fraction()),
                    String.format(Locale.ROOT, "%.0f", p.rate()),
                    p.etaSeconds() < 0 ? "-" : Units.seconds(Duration.ofMillis((long) (p.etaSeconds() * 1000))),
                    Long.toString(p.filesWaiting()), String.format(Locale.ROOT, "%.1f MiB", p.graphBytes() / (double) (1 << 20)),
                    Long.toString(p.restoredRows()));
        }
        t.print(out);
        long waiting = all.stream().mapToLong(Progress::rowsWaiting).sum();
        if (waiting > 0) {
            out.println();
            out.println(waiting + " rows wait for the indexer; searches compare them exactly until they are in the graph");
        }
    }
}
