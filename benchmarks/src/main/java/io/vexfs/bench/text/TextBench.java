package io.vexfs.bench.text;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.vexfs.core.text.OnnxEmbedder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text benchmark (scripts/bench-text) through a live mount: ingest of ~1 KB documents
 * (committed, then embedded), retrieval quality of words, vectors and hybrid on Debian's manual
 * pages (recall@1, recall@10, MRR@10), text queries per second as batches, single-query latency,
 * where a query's time goes (the mount's own timers), and the embedder in-process beside
 * langchain4j's own and a padded batch. Prints a table of every figure beside its target and
 * writes them as JSON.
 *
 * <pre>TextBench --mount DIR --pages LIST --out FILE [--max-doc-bytes N] [--batch N] [--rounds N] [--singles N]</pre>
 */
public final class TextBench {
    private static final List<String> MODES = List.of("words", "vector", "hybrid");

    /** One reported figure. */
    record Figure(String name, double value, String unit, String better, Double target) {
        boolean met() {
            return target == null || (better.equals("higher") ? value >= target : value <= target);
        }
    }

    private final Path mnt;
    private final List<Figure> figures = new ArrayList<>();
    private final Map<String, Object> notes = new LinkedHashMap<>();

    private TextBench(Path mnt) {
        this.mnt = mnt;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        Path mnt = Path.of(a.get("--mount"));
        Path out = Path.of(a.get("--out"));
        int maxDocBytes = Integer.parseInt(a.getOrDefault("--max-doc-bytes", "6000"));
        int batch = Integer.parseInt(a.getOrDefault("--batch", "256"));
        int rounds = Integer.parseInt(a.getOrDefault("--rounds", "5"));
        int singles = Integer.parseInt(a.getOrDefault("--singles", "300"));
        int maxPages = Integer.parseInt(a.getOrDefault("--max-pages", "100000"));
        TextBench bench = new TextBench(mnt);
        List<ManPages.Page> pages = ManPages.load(Path.of(a.get("--pages")));
        pages = pages.subList(0, Math.min(maxPages, pages.size()));
        bench.notes.put("pages", pages.size());
        bench.notes.put("max_doc_bytes", maxDocBytes);
        System.err.printf("bench-text: %d manual pages with one-answer queries%n", pages.size());
        bench.ingest(pages);
        bench.corpus(pages, maxDocBytes);
        bench.quality(pages, batch);
        bench.batches(pages, batch, rounds);
        bench.singles(pages, singles);
        bench.embedders(pages);
        bench.report(out, a.getOrDefault("--commit", "unknown"));
    }

    // ---- the mount ----

    private Path path(String relative) {
        return mnt.resolve(relative);
    }

    private void mkText(String collection) throws IOException {
        Files.createDirectories(path(collection));
        Files.writeString(path(collection + "/.collection"), "embed = minilm\n");
    }

    /** Waits until every text file of the collection is embedded; returns the seconds it took from {@code since}. */
    private double awaitEmbedded(String collection, long since) throws IOException, InterruptedException {
        while (true) {
            for (String line : Files.readAllLines(path(".vexfs/text"))) {
                String[] f = line.split("\t");
                if (f[0].equals(collection) && f[2].equals(f[3]) && !f[2].equals("0")) {
                    return (System.nanoTime() - since) / 1e9;
                }
            }
            Thread.sleep(50);
        }
    }

    private String query(String collection, String name, String text) throws IOException {
        Path q = path(collection + "/.search/" + name);
        Files.writeString(q, text);
        return Files.readString(q);
    }

    /** Server timers of text queries, in seconds: query embedding, chunk search, words and fusion. */
    private Map<String, double[]> timers() throws IOException {
        Map<String, double[]> t = new HashMap<>();
        for (String line : Files.readAllLines(path(".vexfs/metrics"))) {
            for (String[] key : new String[][]{{"embed", "vexfs_text_embed_seconds_", "kind=\"queries\""},
                    {"chunks", "vexfs_text_search_seconds_", "phase=\"chunks\""},
                    {"words", "vexfs_text_search_seconds_", "phase=\"words\""},
                    {"flush", "vexfs_op_seconds_", "op=\"flush\""}}) {
                if (line.startsWith(key[1]) && line.contains(key[2])) {
                    double[] v = t.computeIfAbsent(key[0], k -> new double[2]);
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    if (line.startsWith(key[1] + "sum")) {
                        v[0] = value;
                    } else if (line.startsWith(key[1] + "count")) {
                        v[1] = value;
                    }
                }
            }
        }
        return t;
    }

    private static double seconds(Map<String, double[]> before, Map<String, double[]> after, String key) {
        return after.getOrDefault(key, new double[2])[0] - before.getOrDefault(key, new double[2])[0];
    }

    // ---- phases ----

    /** ~1 KB documents: the first paragraphs of each page up to 1024 bytes. */
    private void ingest(List<ManPages.Page> pages) throws Exception {
        mkText("ingest");
        List<String> docs = new ArrayList<>();
        long bytes = 0;
        for (ManPages.Page p : pages) {
            String d = head(p.text(), 1024);
            docs.add(d);
            bytes += d.getBytes(StandardCharsets.UTF_8).length;
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < docs.size(); i++) {
            Files.writeString(path("ingest/" + pages.get(i).name()), docs.get(i));
        }
        double committed = (System.nanoTime() - t0) / 1e9;
        double embedded = awaitEmbedded("ingest", t0);
        notes.put("ingest_docs", docs.size());
        for (String line : Files.readAllLines(path(".vexfs/text"))) {
            if (line.startsWith("ingest\t")) {
                notes.put("ingest_chunks", Long.parseLong(line.split("\t")[6]));
            }
        }
        notes.put("ingest_mean_doc_bytes", bytes / docs.size());
        add("ingest.committed_docs_per_s", docs.size() / committed, "docs/s", "higher", null);
        add("ingest.embedded_docs_per_s", docs.size() / embedded, "docs/s", "higher", 100.0);
        System.err.printf("bench-text: ingest %d docs of ~%d B: committed (found by words) in %.1f s, embedded in %.1f s%n",
                docs.size(), bytes / docs.size(), committed, embedded);
    }

    private void corpus(List<ManPages.Page> pages, int maxDocBytes) throws Exception {
        mkText("man");
        long t0 = System.nanoTime();
        for (ManPages.Page p : pages) {
            Files.writeString(path("man/" + p.name()), head(p.text(), maxDocBytes));
        }
        double embedded = awaitEmbedded("man", t0);
        String status = Files.readString(path(".vexfs/text"));
        long chunks = 0;
        for (String line : status.split("\n")) {
            if (line.startsWith("man\t")) {
                chunks = Long.parseLong(line.split("\t")[6]);
            }
        }
        notes.put("corpus_chunks", chunks);
        add("corpus.embedded_chunks_per_s", chunks / embedded, "chunks/s", "higher", null);
        System.err.printf("bench-text: corpus of %d pages (%d chunks) embedded in %.1f s%n", pages.size(), chunks, embedded);
    }

    /** Recall@1, recall@10 and MRR@10 per mode, every query once, in batches. */
    private void quality(List<ManPages.Page> pages, int batch) throws IOException {
        for (String mode : MODES) {
            int hit1 = 0;
            int hit10 = 0;
            double mrr = 0;
            for (int from = 0; from < pages.size(); from += batch) {
                List<ManPages.Page> part = pages.subList(from, Math.min(pages.size(), from + batch));
                List<List<String>> answers = answers(query("man", "quality", batchText(mode, 10, part)), part.size());
                for (int q = 0; q < part.size(); q++) {
                    int rank = answers.get(q).indexOf("man/" + part.get(q).name()) + 1;
                    if (rank == 1) {
                        hit1++;
                    }
                    if (rank >= 1 && rank <= 10) {
                        hit10++;
                        mrr += 1.0 / rank;
                    }
                }
            }
            int n = pages.size();
            add("quality." + mode + ".recall_at_1", (double) hit1 / n, "", "higher", null);
            add("quality." + mode + ".recall_at_10", (double) hit10 / n, "", "higher", null);
            add("quality." + mode + ".mrr_at_10", mrr / n, "", "higher", null);
        }
        double hybrid = value("quality.hybrid.mrr_at_10");
        add("quality.hybrid_minus_best_single.mrr_at_10", hybrid - Math.max(value("quality.words.mrr_at_10"),
                value("quality.vector.mrr_at_10")), "", "higher", 0.0);
    }

    /** Queries per second as batch files, per mode: median of the rounds, with the server's split of the time. */
    private void batches(List<ManPages.Page> pages, int batch, int rounds) throws IOException {
        for (String mode : MODES) {
            double[] qps = new double[rounds];
            Map<String, double[]> before = timers();
            long queries = 0;
            double total = 0;
            for (int r = -1; r < rounds; r++) {
                int from = (Math.max(0, r) * batch) % Math.max(1, pages.size() - batch);
                List<ManPages.Page> part = pages.subList(from, Math.min(pages.size(), from + batch));
                String text = batchText(mode, 10, part);
                long t0 = System.nanoTime();
                String answer = query("man", "batch", text);
                double s = (System.nanoTime() - t0) / 1e9;
                if (answer.isEmpty()) {
                    throw new IllegalStateException("no answer to a batch");
                }
                if (r >= 0) {
                    // The first round warms up (JIT, caches) and is not counted.
                    qps[r] = part.size() / s;
                    queries += part.size();
                    total += s;
                } else {
                    before = timers();
                }
            }
            Map<String, double[]> after = timers();
            Arrays.sort(qps);
            add("batch." + mode + ".queries_per_s", qps[rounds / 2], "queries/s", "higher", mode.equals("hybrid") ? 650.0 : null);
            split("batch." + mode, before, after, queries, total);
        }
    }

    /** Per query, in ms: the mount's query embedding, chunk search, words + fusion, and the rest of the round trip. */
    private void split(String prefix, Map<String, double[]> before, Map<String, double[]> after, long queries, double clientSeconds) {
        double embed = seconds(before, after, "embed");
        double chunks = seconds(before, after, "chunks");
        double words = seconds(before, after, "words");
        add(prefix + ".ms_per_query.total", 1000 * clientSeconds / queries, "ms", "lower", null);
        add(prefix + ".ms_per_query.embed", 1000 * embed / queries, "ms", "lower", null);
        add(prefix + ".ms_per_query.chunk_search", 1000 * chunks / queries, "ms", "lower", null);
        add(prefix + ".ms_per_query.words_and_fusion", 1000 * words / queries, "ms", "lower", null);
        add(prefix + ".ms_per_query.rest", 1000 * (clientSeconds - embed - chunks - words) / queries, "ms", "lower", null);
    }

    private void singles(List<ManPages.Page> pages, int count) throws IOException {
        for (String mode : MODES) {
            int n = mode.equals("hybrid") ? count : count / 3;
            double[] ms = new double[n];
            for (int i = -20; i < n; i++) {
                ManPages.Page p = pages.get(Math.floorMod(i * 7919, pages.size()));
                long t0 = System.nanoTime();
                String answer = query("man", "single", batchText(mode, 10, List.of(p)));
                if (answer.isEmpty()) {
                    throw new IllegalStateException("no answer to " + p.query());
                }
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            add("single." + mode + ".p50_ms", ms[n / 2], "ms", "lower", mode.equals("hybrid") ? 15.0 : null);
            add("single." + mode + ".p95_ms", ms[(int) (n * 0.95)], "ms", "lower", null);
        }
        Map<String, double[]> before = timers();
        long t0 = System.nanoTime();
        int n = 100;
        for (int i = 0; i < n; i++) {
            query("man", "single", batchText("hybrid", 10, List.of(pages.get(i))));
        }
        split("single.hybrid", before, timers(), n, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The embedder alone, in this process: ours (one call per text, over 2 threads), langchain4j's
     * embedAll, a padded batch. On texts longer than 128 tokens langchain4j embeds less than ours:
     * its tokenizer keeps the truncation to 128 tokens of the bundled tokenizer.json; ours reads 256.
     */
    private void embedders(List<ManPages.Page> pages) throws Exception {
        List<String> queries = pages.stream().limit(256).map(ManPages.Page::query).toList();
        List<String> chunks = pages.stream().limit(64).map(p -> head(p.text(), 1000)).toList();
        int threads = Runtime.getRuntime().availableProcessors();
        try (OnnxEmbedder ours = OnnxEmbedder.minilm(threads); PaddedBatch padded = new PaddedBatch(threads)) {
            AllMiniLmL6V2QuantizedEmbeddingModel theirs = new AllMiniLmL6V2QuantizedEmbeddingModel();
            List<TextSegment> querySegments = queries.stream().map(TextSegment::from).toList();
            List<TextSegment> chunkSegments = chunks.stream().map(TextSegment::from).toList();
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            for (int round = -1; round < 5; round++) {
                // Interleaved, so a noisy moment on the shared machine hits all three alike; a pause
                // between them lets the runtime threads of the one before (langchain4j's spin) go idle.
                measure(rates, round, "ours.queries", queries.size(), () -> ours.embed(queries));
                measure(rates, round, "langchain4j.queries", queries.size(), () -> theirs.embedAll(querySegments));
                measure(rates, round, "padded_batch.queries", queries.size(), () -> padded.embed(queries));
                measure(rates, round, "ours.chunks", chunks.size(), () -> ours.embed(chunks));
                measure(rates, round, "langchain4j.chunks", chunks.size(), () -> theirs.embedAll(chunkSegments));
                measure(rates, round, "padded_batch.chunks", chunks.size(), () -> padded.embed(chunks));
            }
            notes.put("embedder_chunk_tokens_mean", chunks.stream().mapToInt(ours::countTokens).average().orElse(0));
            for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
                List<Double> v = new ArrayList<>(e.getValue());
                v.sort(null);
                add("embedder." + e.getKey() + "_per_s", v.get(v.size() / 2), "texts/s", "higher", null);
            }
            double[] single = new double[200];
            for (int i = -20; i < single.length; i++) {
                long t0 = System.nanoTime();
                ours.embed(List.of(queries.get(Math.floorMod(i, queries.size()))));
                if (i >= 0) {
                    single[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(single);
            add("embedder.ours.single_query_p50_ms", single[single.length / 2], "ms", "lower", null);
            float[] a = ours.embed(queries.subList(0, 32));
            float[] b = padded.embed(queries.subList(0, 32));
            double worst = 1;
            for (int q = 0; q < 32; q++) {
                double dot = 0;
                for (int d = 0; d < 384; d++) {
                    dot += a[q * 384 + d] * b[q * 384 + d];
                }
                worst = Math.min(worst, dot);
            }
            add("embedder.padded_batch_vs_alone.min_cosine", worst, "", "higher", null);
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    private static void measure(Map<String, List<Double>> rates, int round, String name, int texts, Work work) throws Exception {
        Thread.sleep(200);
        long t0 = System.nanoTime();
        work.run();
        double s = (System.nanoTime() - t0) / 1e9;
        if (round >= 0) {
            rates.computeIfAbsent(name, k -> new ArrayList<>()).add(texts / s);
        }
    }

    /**
     * all-MiniLM-L6-v2 run the other way: one ONNX call per batch, texts padded to the longest,
     * the runtime's threads inside the call. For comparison only (it changes the vectors).
     */
    private static final class PaddedBatch implements AutoCloseable {
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final HuggingFaceTokenizer tokenizer;

        PaddedBatch(int threads) throws IOException, OrtException {
            ClassLoader loader = AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader();
            try (InputStream model = loader.getResourceAsStream("all-minilm-l6-v2-q.onnx");
                 InputStream tok = loader.getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
                OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                o.setIntraOpNumThreads(threads);
                // Its runtime threads would otherwise spin between calls and slow whatever runs next.
                o.addConfigEntry("session.intra_op.allow_spinning", "0");
                session = env.createSession(model.readAllBytes(), o);
                tokenizer = HuggingFaceTokenizer.newInstance(tok, Map.of("padding", "false", "truncation", "false"));
            }
        }

        float[] embed(List<String> texts) throws OrtException {
            Encoding[] enc = tokenizer.batchEncode(texts);
            int b = enc.length;
            int len = 0;
            for (Encoding e : enc) {
                len = Math.max(len, Math.min(256, e.getIds().length));
            }
            long[] ids = new long[b * len];
            long[] mask = new long[b * len];
            for (int i = 0; i < b; i++) {
                long[] x = enc[i].getIds();
                int n = Math.min(len, x.length);
                System.arraycopy(x, 0, ids, i * len, n);
                Arrays.fill(mask, i * len, i * len + n, 1);
            }
            long[] shape = {b, len};
            try (OnnxTensor t1 = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                 OnnxTensor t2 = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                 OnnxTensor t3 = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * len]), shape);
                 OrtSession.Result r = session.run(Map.of("input_ids", t1, "attention_mask", t2, "token_type_ids", t3))) {
                var fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                int h = fb.capacity() / (b * len);
                float[] out = new float[b * h];
                for (int i = 0; i < b; i++) {
                    double norm = 0;
                    for (int t = 0; t < len; t++) {
                        if (mask[i * len + t] == 1) {
                            for (int d = 0; d < h; d++) {
                                out[i * h + d] += fb.get((i * len + t) * h + d);
                            }
                        }
                    }
                    for (int d = 0; d < h; d++) {
                        norm += out[i * h + d] * out[i * h + d];
                    }
                    for (int d = 0; d < h; d++) {
                        out[i * h + d] /= (float) Math.sqrt(norm);
                    }
                }
                return out;
            }
        }

        @Override
        public void close() throws OrtException {
            session.close();
            tokenizer.close();
        }
    }

    // ---- helpers ----

    private static String batchText(String mode, int k, List<ManPages.Page> part) {
        StringBuilder sb = new StringBuilder("mode=").append(mode).append("\nk=").append(k).append('\n');
        for (ManPages.Page p : part) {
            sb.append(p.query().replace('\n', ' ')).append('\n');
        }
        return sb.toString();
    }

    /** The hits of each query, in rank order. */
    private static List<List<String>> answers(String text, int queries) {
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            out.add(new ArrayList<>());
        }
        for (String line : text.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 4) {
                out.get(Integer.parseInt(f[0])).add(f[3]);
            }
        }
        return out;
    }

    /** The text up to {@code max} UTF-8 bytes, cut at a line end or a space. */
    static String head(String text, int max) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return text;
        }
        String cut = new String(b, 0, max, StandardCharsets.UTF_8);
        int end = Math.max(cut.lastIndexOf('\n'), cut.lastIndexOf(' '));
        return end > max / 2 ? cut.substring(0, end) : cut.substring(0, cut.length() - 1);
    }

    private void add(String name, double value, String unit, String better, Double target) {
        figures.add(new Figure(name, value, unit, better, target));
    }

    private double value(String name) {
        return figures.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().value();
    }

    private void report(Path out, String commit) throws IOException {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-52s %12s %-10s %10s %s%n", "figure", "value", "unit",
                "target", "met"));
        StringBuilder json = new StringBuilder("{\n  \"benchmark\": \"text\",\n  \"commit\": \"").append(commit)
                .append("\",\n  \"time\": \"").append(Instant.now()).append("\",\n  \"cores\": ")
                .append(Runtime.getRuntime().availableProcessors()).append(",\n  \"notes\": {");
        String sep = "";
        for (Map.Entry<String, Object> e : notes.entrySet()) {
            json.append(sep).append("\n    \"").append(e.getKey()).append("\": ").append(e.getValue());
            sep = ",";
        }
        json.append("\n  },\n  \"figures\": {");
        sep = "";
        for (Figure f : figures) {
            table.append(String.format(Locale.ROOT, "%-52s %12.4f %-10s %10s %s%n", f.name(), f.value(), f.unit(),
                    f.target() == null ? "" : (f.better().equals("higher") ? ">= " : "<= ") + f.target(),
                    f.target() == null ? "" : f.met() ? "yes" : "NO"));
            json.append(sep).append(String.format(Locale.ROOT,
                    "\n    \"%s\": {\"value\": %.6f, \"unit\": \"%s\", \"better\": \"%s\"%s}", f.name(), f.value(), f.unit(),
                    f.better(), f.target() == null ? "" : String.format(Locale.ROOT, ", \"target\": %s, \"met\": %s", f.target(), f.met())));
            sep = ",";
        }
        json.append("\n  }\n}\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json);
        System.out.print(table);
        System.out.println("results: " + out);
    }
}
