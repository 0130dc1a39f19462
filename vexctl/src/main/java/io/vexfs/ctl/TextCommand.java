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
 * {@code vexctl text status}: the embedding progress of the mount's text collections, from
 * .vexfs/text, with a progress bar each, and the embedding latency from .vexfs/metrics.
 */
@Command(name = "text", mixinStandardHelpOptions = true, description = "Text collections: embedding progress and latency.")
final class TextCommand {
    @ParentCommand
    Vexctl root;

    /** One line of .vexfs/text. */
    record Progress(String collection, String model, long textFiles, long embeddedFiles, long failedFiles, long skippedFiles,
                    long chunksDone, long chunksTotal, boolean estimated, double rate, double etaSeconds) {
        boolean done() {
            return embeddedFiles + failedFiles >= textFiles;
        }

        double fraction() {
            return chunksTotal == 0 ? (done() ? 1 : 0) : Math.min(1, (double) chunksDone / chunksTotal);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Per text collection: files and chunks embedded of their total (~: chunks of files not cut yet are estimated",
                    "from their size), a progress bar, chunks/s over the last 10 s, time left, files skipped (binary, not UTF-8,",
                    "empty) and failed; then the embedding latency. With --watch, again every --interval until all are embedded."})
    int status(@Option(names = "--watch", description = "Refresh until every text collection is embedded (or --iterations frames).") boolean watch,
               @Option(names = "--interval", defaultValue = "1s", converter = Units.DurationConverter.class,
                       description = "Time between frames with --watch (default ${DEFAULT-VALUE}).") Duration interval,
               @Option(names = "--iterations", defaultValue = "0", description = "With --watch: frames to show at most; 0 = until done.")
               int iterations) throws IOException, InterruptedException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        if (!plane.has("text")) {
            root.err().println("vexctl: this mount has no .vexfs/text: it predates text collections");
            return Vexctl.CHECK_FAILED;
        }
        return Watch.frames(watch, interval, iterations, out, () -> {
            List<Progress> all = parse(plane.read("text"));
            print(out, all, plane.scrape());
            return all.stream().allMatch(Progress::done);
        });
    }

    static List<Progress> parse(String tsv) {
        List<Progress> out = new ArrayList<>();
        for (String[] f : Watch.rows(tsv, 11)) {
            out.add(new Progress(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                    Long.parseLong(f[6]), Long.parseLong(f[7]), Boolean.parseBoolean(f[8]), Double.parseDouble(f[9]),
                    Double.parseDouble(f[10])));
        }
        return out;
    }

    private static void print(PrintWriter out, List<Progress> all, MetricsScrape m) {
        if (all.isEmpty()) {
            out.println("no text collections (write 'embed = minilm' into an empty collection's .collection)");
            return;
        }
        Table t = new Table("collection", "model", "files", "chunks", "progress", "chunks/s", "left", "skipped", "failed");
        for (Progress p : all) {
            t.row(p.collection(), p.model(), p.embeddedFiles() + "/" + p.textFiles(),
                    p.chunksDone() + "/" + (p.estimated() ? "~" : "") + p.chunksTotal(), bar(p.fraction()),
                    String.format(Locale.ROOT, "%.1f", p.rate()), p.etaSeconds() < 0 ? "-" : Units.seconds(Duration.ofMillis((long) (p.etaSeconds() * 1000))),
                    Long.toString(p.skippedFiles()), Long.toString(p.failedFiles()));
        }
        t.print(out);
        out.println();
        out.println("embedding latency: " + latency(m, "documents") + " per batch of document chunks, " + latency(m, "queries")
                + " per batch of text queries; " + CacheCommand.count(m, "vexfs_text_chunks_embedded_total") + " chunks and "
                + CacheCommand.count(m, "vexfs_text_queries_embedded_total") + " queries embedded since the mount started");
    }

    static String bar(double fraction) {
        int width = 20;
        int filled = (int) Math.round(fraction * width);
        return String.format(Locale.ROOT, "[%s%s] %3.0f%%", "#".repeat(filled), ".".repeat(width - filled), fraction * 100);
    }

    /** "p50 12.3 ms (n=40)" from the mount's timer of embedding batches of {@code kind}. */
    private static String latency(MetricsScrape m, String kind) {
        double count = 0;
        double p50 = Double.NaN;
        for (MetricsScrape.Sample s : m.samples()) {
            if (kind.equals(s.label("kind"))) {
                if (s.name().equals("vexfs_text_embed_seconds_count")) {
                    count = s.value();
                } else if (s.name().equals("vexfs_text_embed_seconds") && "0.5".equals(s.label("quantile"))) {
                    p50 = s.value();
                }
            }
        }
        return count == 0 ? "none yet" : String.format(Locale.ROOT, "p50 %.1f ms (%d batches)", p50 * 1000, (long) count);
    }
}
