package io.vexfs.core.text;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.vexfs.core.metrics.VexMetrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embedding progress and latency: per text collection, files and chunks done of their total
 * (chunks of files not cut yet are estimated from their size), the rate over the last
 * {@link #RATE_WINDOW_NS}, the time left at that rate, and why files were skipped. Shown in
 * .vexfs/stats, .vexfs/text (one TSV line per collection, for vexctl) and the metrics.
 */
final class TextStats {
    private static final long RATE_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    /** Bytes per chunk assumed before any file was chunked. */
    private static final double DEFAULT_BYTES_PER_CHUNK = 1000;

    /** One collection's progress, computed from its files when asked. */
    record Progress(String collection, String model, int textFiles, int embeddedFiles, int failedFiles, int pendingChecks,
                    Map<TextCheck.Kind, Integer> skipped, long chunksDone, long chunksTotal, boolean estimated) {
        int skippedFiles() {
            return skipped.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final TextIndex index;
    private final AtomicLong chunksEmbedded = new AtomicLong();
    private final AtomicLong bytesChunked = new AtomicLong();
    private final AtomicLong filesChunked = new AtomicLong();
    private final AtomicLong chunksCut = new AtomicLong();
    private final Timer documentBatches;
    private final Timer queryBatches;
    private final AtomicLong queriesEmbedded = new AtomicLong();
    /** Where a text query's time goes besides embedding it: the flat search of the chunks, and BM25 with fusion. */
    private final Timer chunkSearches;
    private final Timer wordSearches;
    /** (time, chunks embedded) after each batch, newest last; guarded by this. */
    private final long[] sampleTimes = new long[64];
    private final long[] sampleCounts = new long[64];
    private int samples;
    private int nextSample;

    TextStats(TextIndex index, VexMetrics metrics) {
        this.index = index;
        var registry = metrics.registry();
        this.documentBatches = Timer.builder("vexfs.text.embed").tag("kind", "documents")
                .description("Embedding one batch of document chunks (ONNX Runtime, tokenizing included)")
                .publishPercentiles(0.5, 0.95, 0.99).percentilePrecision(2).register(registry);
        this.queryBatches = Timer.builder("vexfs.text.embed").tag("kind", "queries")
                .description("Embedding one batch of text queries").publishPercentiles(0.5, 0.95, 0.99).percentilePrecision(2)
                .register(registry);
        this.chunkSearches = Timer.builder("vexfs.text.search").tag("phase", "chunks")
                .description("One batch of text queries: the exact search of the chunk embeddings, best chunk per file")
                .register(registry);
        this.wordSearches = Timer.builder("vexfs.text.search").tag("phase", "words")
                .description("One batch of text queries: BM25 in Lucene and the fusion of the rankings").register(registry);
        FunctionCounter.builder("vexfs.text.chunks.embedded", chunksEmbedded, AtomicLong::get)
                .description("Chunks embedded since the mount started").register(registry);
        FunctionCounter.builder("vexfs.text.queries.embedded", queriesEmbedded, AtomicLong::get)
                .description("Text queries embedded since the mount started").register(registry);
        metrics.gauge("vexfs.text.files", "Text files in text collections (current versions)",
                () -> total().textFiles());
        metrics.gauge("vexfs.text.files.done", "Text files whose chunks are embedded and stored",
                () -> total().embeddedFiles());
        metrics.gauge("vexfs.text.files.skipped", "Files of text collections that are not embedded: binary, not UTF-8, empty",
                () -> total().skippedFiles());
        metrics.gauge("vexfs.text.chunks", "Chunks of text files, embedded or to be (estimated for files not cut yet)",
                () -> total().chunksTotal());
        metrics.gauge("vexfs.text.chunks.done", "Chunks of current text files that are embedded", () -> total().chunksDone());
        metrics.gauge("vexfs.text.embed.rate", "Chunks embedded per second over the last 10 s", this::rate);
        metrics.gauge("vexfs.text.embed.eta.seconds", "Seconds until every chunk is embedded at the current rate (-1: idle)",
                () -> eta(total()));
    }

    void documentsEmbedded(int chunks, long nanos) {
        documentBatches.record(nanos, TimeUnit.NANOSECONDS);
        long total = chunksEmbedded.addAndGet(chunks);
        synchronized (this) {
            sampleTimes[nextSample] = System.nanoTime();
            sampleCounts[nextSample] = total;
            nextSample = (nextSample + 1) % sampleTimes.length;
            samples = Math.min(samples + 1, sampleTimes.length);
        }
    }

    void chunksSearched(long nanos) {
        chunkSearches.record(nanos, TimeUnit.NANOSECONDS);
    }

    void wordsSearched(long wordNanos) {
        if (wordNanos > 0) {
            wordSearches.record(wordNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Chunks embedded since this index started. */
    long chunksEmbedded() {
        return chunksEmbedded.get();
    }

    void queriesEmbedded(int queries, long nanos) {
        queryBatches.record(nanos, TimeUnit.NANOSECONDS);
        queriesEmbedded.addAndGet(queries);
    }

    void chunked(long bytes, int chunks) {
        bytesChunked.addAndGet(bytes);
        chunksCut.addAndGet(chunks);
        filesChunked.incrementAndGet();
    }

    /** Chunks per second over the last 10 s; 0 when nothing was embedded in that time. */
    synchronized double rate() {
        if (samples == 0) {
            return 0;
        }
        long now = System.nanoTime();
        int newest = (nextSample - 1 + sampleTimes.length) % sampleTimes.length;
        if (now - sampleTimes[newest] > RATE_WINDOW_NS) {
            return 0;
        }
        int oldest = newest;
        for (int i = 1; i < samples; i++) {
            int at = (newest - i + sampleTimes.length) % sampleTimes.length;
            if (now - sampleTimes[at] > RATE_WINDOW_NS) {
                break;
            }
            oldest = at;
        }
        if (oldest == newest) {
            return 0;
        }
        return (sampleCounts[newest] - sampleCounts[oldest]) * 1e9 / (sampleTimes[newest] - sampleTimes[oldest]);
    }

    /** Seconds left at the current rate; -1 when idle or nothing is left. */
    double eta(Progress p) {
        double rate = rate();
        long left = p.chunksTotal() - p.chunksDone();
        return rate <= 0 || left <= 0 ? -1 : left / rate;
    }

    private double bytesPerChunk() {
        long chunks = chunksCut.get();
        return chunks == 0 ? DEFAULT_BYTES_PER_CHUNK : (double) bytesChunked.get() / chunks;
    }

    Progress progress(TextCollection tc) {
        int text = 0;
        int embedded = 0;
        int failed = 0;
        int unchecked = 0;
        long done = 0;
        long total = 0;
        boolean estimated = false;
        Map<TextCheck.Kind, Integer> skipped = new EnumMap<>(TextCheck.Kind.class);
        double perChunk = bytesPerChunk();
        for (TextFile tf : tc.byId.values()) {
            if (!tf.live) {
                continue;
            }
            TextCheck.Kind kind = tf.kind;
            if (kind == null && tf.failure != null) {
                // Could not be read (a corrupt block): a text file as far as anyone knows, and failed.
                text++;
                failed++;
                continue;
            }
            if (kind == null) {
                unchecked++;
                continue;
            }
            if (kind != TextCheck.Kind.TEXT) {
                skipped.merge(kind, 1, Integer::sum);
                continue;
            }
            text++;
            if (tf.failure != null) {
                failed++;
                continue;
            }
            if (tf.embedded) {
                embedded++;
                done += tf.chunks;
                total += tf.chunks;
            } else if (tf.chunks >= 0) {
                done += tf.chunksDone;
                total += tf.chunks;
            } else {
                estimated = true;
                total += Math.min(TextIndex.MAX_CHUNKS_PER_FILE, Math.max(1, Math.round(tf.bytes / perChunk)));
            }
        }
        return new Progress(tc.name, tc.spec.model(), text, embedded, failed, unchecked, skipped, done, total, estimated);
    }

    List<Progress> all() {
        Map<String, Progress> byName = new TreeMap<>();
        for (TextCollection tc : index.textCollections()) {
            byName.put(tc.name, progress(tc));
        }
        return new ArrayList<>(byName.values());
    }

    Progress total() {
        int text = 0;
        int embedded = 0;
        int failed = 0;
        int unchecked = 0;
        long done = 0;
        long total = 0;
        boolean estimated = false;
        Map<TextCheck.Kind, Integer> skipped = new EnumMap<>(TextCheck.Kind.class);
        for (Progress p : all()) {
            text += p.textFiles();
            embedded += p.embeddedFiles();
            failed += p.failedFiles();
            unchecked += p.pendingChecks();
            done += p.chunksDone();
            total += p.chunksTotal();
            estimated |= p.estimated();
            p.skipped().forEach((k, v) -> skipped.merge(k, v, Integer::sum));
        }
        return new Progress("", "", text, embedded, failed, unchecked, skipped, done, total, estimated);
    }

    /** The text section of .vexfs/stats; empty without text collections. */
    String render() {
        List<Progress> all = all();
        if (all.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        double rate = rate();
        for (Progress p : all) {
            sb.append(String.format(Locale.ROOT, "  %-12s %s: %d of %d text files embedded, chunks %d of %s%d%s%n",
                    p.collection(), p.model(), p.embeddedFiles(), p.textFiles(), p.chunksDone(), p.estimated() ? "~" : "",
                    p.chunksTotal(), p.failedFiles() > 0 ? ", " + p.failedFiles() + " failed (see .vexfs/errors)" : ""));
            if (p.skippedFiles() > 0) {
                List<String> reasons = new ArrayList<>();
                p.skipped().forEach((k, v) -> reasons.add(v + " " + k.name().toLowerCase(Locale.ROOT).replace('_', '-')));
                sb.append(String.format(Locale.ROOT, "  %-12s skipped (stored, not embedded): %s%n", "", String.join(", ", reasons)));
            }
        }
        Progress t = total();
        double eta = eta(t);
        sb.append(String.format(Locale.ROOT, "  embedding    %.1f chunks/s, %s left; batch p50 %s (%d chunks so far), query batch p50 %s (%d queries)%n",
                rate, eta < 0 ? "nothing" : seconds(eta), millis(documentBatches), chunksEmbedded.get(), millis(queryBatches),
                queriesEmbedded.get()));
        return sb.toString();
    }

    /** .vexfs/text: a header, then per text collection its figures, tab-separated (vexctl text status reads it). */
    String renderTsv() {
        StringBuilder sb = new StringBuilder(
                "collection\tmodel\ttext_files\tembedded_files\tfailed_files\tskipped_files\tchunks_done\tchunks_total\tchunks_estimated\trate_per_s\teta_s\n");
        double rate = rate();
        for (Progress p : all()) {
            double eta = eta(p);
            sb.append(p.collection()).append('\t').append(p.model()).append('\t').append(p.textFiles()).append('\t')
                    .append(p.embeddedFiles()).append('\t').append(p.failedFiles()).append('\t').append(p.skippedFiles()).append('\t')
                    .append(p.chunksDone()).append('\t').append(p.chunksTotal()).append('\t').append(p.estimated()).append('\t')
                    .append(String.format(Locale.ROOT, "%.1f\t%.0f%n", p.chunksDone() < p.chunksTotal() ? rate : 0.0, eta));
        }
        return sb.toString();
    }

    private static String seconds(double s) {
        return s < 90 ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
    }

    private static String millis(Timer t) {
        var snapshot = t.takeSnapshot();
        for (var v : snapshot.percentileValues()) {
            if (v.percentile() == 0.5) {
                return snapshot.count() == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f ms", v.value(TimeUnit.MILLISECONDS));
            }
        }
        return "n/a";
    }
}
