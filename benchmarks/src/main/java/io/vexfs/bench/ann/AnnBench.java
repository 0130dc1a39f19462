package io.vexfs.bench.ann;

import io.vexfs.bench.search.Answers;
import io.vexfs.bench.search.Fvecs;
import io.vexfs.bench.search.Json;
import io.vexfs.bench.search.Recall;
import io.vexfs.bench.search.ServerMetrics;
import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end ANN benchmark (scripts/bench-ann runs it against a live mount): an hnsw
 * collection (jvector) through real files, beside hnswlib in the same run, same vectors, same
 * m and ef_construction, same threads.
 *
 * <ul>
 *   <li>build: from the start of {@code cp base.fvecs} into the collection until .vexfs/stats
 *       shows every row indexed, against hnswlib's add_items; both on 2 threads.</li>
 *   <li>search: per ef in 10..512, all queries as one .fvecs batch through
 *       {@code <collection>/.search/} (the mount searches a batch on io_threads = 1 thread),
 *       against hnswlib's knn_query on 1 thread; recall@10 against exact answers (our flat scan,
 *       in this process); rounds interleave the two, medians reported; QPS at recall@10 0.95
 *       interpolated on each curve. After each of our batches the same batch again with the
 *       mount's {@code prefetch} toggle off (same answers required): the QPS neighbour prefetching buys.</li>
 * </ul>
 *
 * <pre>
 * AnnBench run --mount M --work DIR --python PY --peer hnswlib_peer.py --out JSON --commit C
 *              [--pq-dims D --rerank R] [--quantization Q] [--alpha A] --dataset NAME BASE.fvecs QUERIES.fvecs ROUNDS
 *              [--dataset ...]
 * </pre>
 * With --pq-dims D our collection has pq_subspaces = dim / D (a byte for every D dimensions): it
 * walks its graph on product codes and re-ranks R x k candidates on full vectors; with
 * --quantization int8 (the default, as the collection's) on int8 codes (a byte a dimension), re-ranked the same
 * way; --quantization none walks full vectors. With --alpha A
 * our graph links by that neighbour rule (1.0, the collection's default, is HNSW's, hnswlib's; 1.2 is jvector's).
 */
public final class AnnBench {
    static final int K = 10;
    static final int M = 16;
    static final int EF_CONSTRUCTION = 100;
    static final int BUILD_THREADS = 2;
    /** The collection's own default: an hnsw collection walks on int8 codes unless it names product codes. */
    static final String DEFAULT_QUANTIZATION = "int8";
    /** From k = 10 (the least ef a search uses): at ef 16 both engines are past recall@10 0.95 on Fashion-MNIST (measured 0.99 and 0.97), so QPS at 0.95 lies below it. */
    static final int[] EFS = {10, 12, 16, 32, 64, 128, 256, 512};
    static final double TARGET_RECALL = 0.95;
    /** The collection's default neighbour rule, as `.collection` spells it. */
    static final String DEFAULT_ALPHA = "1.0";
    /** Batches of all queries the mount answers at each of two ef before anything is timed. */
    static final int WARMUP_BATCHES = 10;
    /** A collection's line in .vexfs/stats once every row is in: "hnsw (N indexed, graph [and KIND codes (B bytes a row)] X MiB[, ...])". */
    private static final Pattern INDEXED = Pattern.compile("(?m)^  (\\S+) .*hnsw \\((\\d+) indexed, graph (?:and \\w+ codes \\(\\d+ bytes a row\\) )?([0-9.]+) MiB[,)]");

    private AnnBench() {
    }

    private record DatasetArgs(String name, Path base, Path queries, int rounds) {
    }

    /** One engine at one ef: medians over rounds; serverSeconds is vexfs's own time in its operations (NaN for hnswlib). */
    record Point(int ef, double recall, double qps, double seconds, double serverSeconds) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("run")) {
            usage("expected 'run'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        List<DatasetArgs> datasets = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--dataset")) {
                if (i + 4 >= args.length) {
                    usage("--dataset takes NAME BASE QUERIES ROUNDS");
                }
                datasets.add(new DatasetArgs(args[i + 1], Path.of(args[i + 2]), Path.of(args[i + 3]), Integer.parseInt(args[i + 4])));
                i += 4;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i], args[++i]);
            } else {
                usage("unexpected argument '" + args[i] + "'");
            }
        }
        for (String required : List.of("--mount", "--work", "--peer", "--python", "--out", "--commit")) {
            if (!options.containsKey(required)) {
                usage("missing " + required);
            }
        }
        long start = System.nanoTime();
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        Path mount = Path.of(options.get("--mount"));
        Path work = Path.of(options.get("--work"));
        StringBuilder table = new StringBuilder();
        List<Object> results = new ArrayList<>();
        Path out = Path.of(options.get("--out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        for (DatasetArgs d : datasets) {
            results.add(dataset(d, mount, work, options.get("--python"), Path.of(options.get("--peer")),
                    Integer.parseInt(options.getOrDefault("--pq-dims", "0")), Integer.parseInt(options.getOrDefault("--rerank", "4")),
                    options.getOrDefault("--alpha", DEFAULT_ALPHA), quantization(options), table));
            // Written after each dataset: a long run cut short keeps what it measured ("complete": false).
            writeJson(out, options, results, table, loadBefore, null, (System.nanoTime() - start) / 1e9, false);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        line(table, "runner: %.0f s; machine: %d cores, /proc/loadavg before %s, after %s", elapsed,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        System.out.print(table);
        writeJson(out, options, results, table, loadBefore, loadAfter, elapsed, true);
        System.err.println("bench-ann: wrote " + out);
    }

    private static void writeJson(Path out, Map<String, String> options, List<Object> results, StringBuilder table, String loadBefore,
                                  String loadAfter, double elapsed, boolean complete) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "ann");
        json.put("timestamp", Instant.now().toString());
        json.put("commit", options.get("--commit"));
        json.put("complete", complete);
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("loadavg_before", loadBefore);
        json.put("loadavg_after", loadAfter);
        json.put("k", K);
        json.put("m", M);
        json.put("ef_construction", EF_CONSTRUCTION);
        json.put("pq_dims_per_subspace", Integer.parseInt(options.getOrDefault("--pq-dims", "0")));
        json.put("rerank", Integer.parseInt(options.getOrDefault("--rerank", "4")));
        json.put("alpha", Double.parseDouble(options.getOrDefault("--alpha", DEFAULT_ALPHA)));
        json.put("quantization", quantization(options));
        json.put("build_threads", BUILD_THREADS);
        json.put("search_threads", 1);
        json.put("query_cache", "off");
        json.put("peer", options.getOrDefault("--peer-version", "hnswlib"));
        json.put("runner_seconds", elapsed);
        json.put("datasets", results);
        json.put("table", table.toString());
        Files.writeString(out, Json.write(json));
    }

    private static Map<String, Object> dataset(DatasetArgs d, Path mount, Path work, String python, Path peerScript, int pqDims,
                                               int rerank, String alpha, String quantization, StringBuilder table) throws Exception {
        Fvecs.Rows base = Fvecs.read(d.base(), Integer.MAX_VALUE);
        Fvecs.Rows queries = Fvecs.read(d.queries(), Integer.MAX_VALUE);
        System.err.printf(Locale.ROOT, "bench-ann: %s: %d x %d, %d queries; exact answers%n", d.name(), base.count(), base.dim(),
                queries.count());
        Answers exact = exact(base, queries);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", d.name());
        json.put("rows", base.count());
        json.put("dim", base.dim());
        json.put("queries", queries.count());
        json.put("rounds", d.rounds());

        try (HnswlibPeer peer = new HnswlibPeer(python, peerScript, work)) {
            System.err.printf("bench-ann: %s: hnswlib add_items on %d threads%n", d.name(), BUILD_THREADS);
            double peerBuild = peer.build(d.base(), M, EF_CONSTRUCTION, BUILD_THREADS);
            System.err.printf("bench-ann: %s: vexfs cp and index on %d threads%n", d.name(), BUILD_THREADS);
            int pqSubspaces = pqDims == 0 ? 0 : base.dim() / pqDims;
            json.put("pq_subspaces", pqSubspaces);
            Map<String, Object> vexfsBuild = vexfsBuild(mount, d, base.count(), base.dim(), pqSubspaces, rerank, alpha, quantization);
            double vexfsSeconds = (Double) vexfsBuild.get("total_seconds");
            Map<String, Object> build = new LinkedHashMap<>();
            build.put("hnswlib_seconds", peerBuild);
            build.put("hnswlib_vectors_per_s", base.count() / peerBuild);
            build.put("vexfs", vexfsBuild);
            build.put("vexfs_vectors_per_s", base.count() / vexfsSeconds);
            build.put("ratio_vexfs_to_hnswlib", peerBuild / vexfsSeconds);
            json.put("build", build);

            byte[] batch = Files.readAllBytes(d.queries());
            Path queryFile = mount.resolve(d.name()).resolve(".search").resolve("batch.fvecs");
            // Warm-up: the JIT (C2 and the Vector API) on the mount's side, the caches on both. One
            // batch was not enough: on Fashion-MNIST at ef 10 the mount's first ten batches ran at
            // 2,000-5,300 queries/s, the next twenty at 4,700-5,800 (measured by hand, cp and cat).
            for (int ef : new int[] {10, 64}) {
                setEf(mount, d.name(), ef);
                for (int i = 0; i < WARMUP_BATCHES; i++) {
                    vexfsBatch(queryFile, batch);
                }
                peer.query(d.queries(), queries.count(), ef, K);
            }

            double[][][] vexfs = new double[EFS.length][3][d.rounds()];
            double[][][] hnswlib = new double[EFS.length][2][d.rounds()];
            double[][] unprefetched = new double[EFS.length][d.rounds()];
            for (int round = 0; round < d.rounds(); round++) {
                System.err.printf("bench-ann: %s: round %d of %d%n", d.name(), round + 1, d.rounds());
                for (int e = 0; e < EFS.length; e++) {
                    boolean vexfsFirst = round % 2 == 0;
                    if (!vexfsFirst) {
                        peerRound(peer, d, queries, exact, EFS[e], hnswlib[e], round);
                    }
                    setEf(mount, d.name(), EFS[e]);
                    ServerMetrics.Interval interval = ServerMetrics.start(mount);
                    long t0 = System.nanoTime();
                    byte[] results = vexfsBatch(queryFile, batch);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    ServerMetrics.Delta server = interval.finish();
                    Recall recall = new Recall();
                    recall.add(Answers.parseTsv(results, d.name() + "/base.fvecs", 0, queries.count(), K), exact);
                    vexfs[e][0][round] = recall.recall();
                    vexfs[e][1][round] = seconds;
                    vexfs[e][2][round] = server.totalOpSeconds();
                    unprefetched[e][round] = unprefetchedSeconds(mount, queryFile, batch, results);
                    if (vexfsFirst) {
                        peerRound(peer, d, queries, exact, EFS[e], hnswlib[e], round);
                    }
                }
            }
            List<Point> ours = new ArrayList<>();
            List<Point> theirs = new ArrayList<>();
            for (int e = 0; e < EFS.length; e++) {
                double s = median(vexfs[e][1]);
                ours.add(new Point(EFS[e], median(vexfs[e][0]), queries.count() / s, s, median(vexfs[e][2])));
                double p = median(hnswlib[e][1]);
                theirs.add(new Point(EFS[e], median(hnswlib[e][0]), queries.count() / p, p, Double.NaN));
            }
            List<Double> unprefetchedQps = new ArrayList<>();
            for (int e = 0; e < EFS.length; e++) {
                unprefetchedQps.add(queries.count() / median(unprefetched[e]));
            }
            json.put("vexfs_curve", curveJson(ours));
            json.put("vexfs_prefetch_off_qps", unprefetchedQps);
            json.put("hnswlib_curve", curveJson(theirs));
            double oursAt = qpsAt(ours, TARGET_RECALL);
            double theirsAt = qpsAt(theirs, TARGET_RECALL);
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("recall", TARGET_RECALL);
            target.put("vexfs_qps", Double.isNaN(oursAt) ? null : oursAt);
            target.put("hnswlib_qps", Double.isNaN(theirsAt) ? null : theirsAt);
            target.put("ratio_vexfs_to_hnswlib", Double.isNaN(oursAt) || Double.isNaN(theirsAt) ? null : oursAt / theirsAt);
            json.put("at_target_recall", target);
            String variant = (pqSubspaces == 0 ? "" : String.format(Locale.ROOT, ", vexfs pq_subspaces=%d rerank=%d", pqSubspaces,
                    rerank)) + (quantization.equals("none") ? "" : ", vexfs quantization=" + quantization + " rerank=" + rerank)
                    + (alpha.equals(DEFAULT_ALPHA) ? "" : ", vexfs alpha=" + alpha);
            report(table, d, base, queries.count(), variant, peerBuild, vexfsBuild, ours, unprefetchedQps, theirs, oursAt, theirsAt);
        }
        // Free the mount's memory for the next dataset.
        Files.delete(mount.resolve(d.name()).resolve("base.fvecs"));
        Files.delete(mount.resolve(d.name()));
        return json;
    }

    /** hnswlib at one ef: recall and seconds into {@code into[0..1][round]}. */
    private static void peerRound(HnswlibPeer peer, DatasetArgs d, Fvecs.Rows queries, Answers exact, int ef, double[][] into,
                                  int round) throws IOException {
        HnswlibPeer.Timed t = peer.query(d.queries(), queries.count(), ef, K);
        Recall recall = new Recall();
        recall.add(t.answers(), exact);
        into[0][round] = recall.recall();
        into[1][round] = t.seconds();
    }

    /** The exact top K of every query, from our flat scan on 2 threads. */
    private static Answers exact(Fvecs.Rows base, Fvecs.Rows queries) {
        ExecutorService threads = Executors.newFixedThreadPool(BUILD_THREADS);
        try {
            List<SearchEntry> entries = List.of(new SearchEntry("base", MemorySegment.ofArray(base.values()), base.count(), true));
            List<List<Hit>> hits = FlatSearch.search(Metric.L2, base.dim(), queries.values(), queries.count(), K, entries,
                    new SearchOptions(threads, BUILD_THREADS, true)).hits();
            int[] rows = new int[queries.count() * K];
            float[] distances = new float[queries.count() * K];
            for (int q = 0; q < queries.count(); q++) {
                for (int r = 0; r < K; r++) {
                    rows[q * K + r] = hits.get(q).get(r).row();
                    distances[q * K + r] = hits.get(q).get(r).distance();
                }
            }
            return new Answers(0, queries.count(), K, rows, distances);
        } finally {
            threads.shutdown();
        }
    }

    /** The codes our collection walks on besides product codes: none with --pq-dims (product codes replace int8 ones), as the collection does. */
    private static String quantization(Map<String, String> options) {
        return Integer.parseInt(options.getOrDefault("--pq-dims", "0")) > 0 ? "none"
                : options.getOrDefault("--quantization", DEFAULT_QUANTIZATION);
    }

    /** mkdir, .collection, cp, then .vexfs/stats until every row is in the graph. */
    private static Map<String, Object> vexfsBuild(Path mount, DatasetArgs d, int rows, int dim, int pqSubspaces, int rerank,
                                                  String alpha, String quantization) throws Exception {
        Path collection = mount.resolve(d.name());
        Files.createDirectories(collection);
        Files.writeString(collection.resolve(".collection"), "index = hnsw\nm = " + M + "\nef_construction = " + EF_CONSTRUCTION + "\n"
                + "alpha = " + alpha + "\nquantization = " + quantization + "\n" + (pqSubspaces == 0 && quantization.equals("none") ? ""
                : "dim = " + dim + "\npq_subspaces = " + pqSubspaces + "\nrerank = " + rerank + "\n"));
        long t0 = System.nanoTime();
        Process cp = new ProcessBuilder("cp", d.base().toString(), collection.resolve("base.fvecs").toString()).inheritIO().start();
        if (cp.waitFor() != 0) {
            throw new IOException("cp into the mount failed with status " + cp.exitValue());
        }
        long copied = System.nanoTime();
        int indexed = 0;
        double graphMiB = 0;
        while (indexed < rows) {
            Thread.sleep(100);
            Matcher m = INDEXED.matcher(Files.readString(mount.resolve(".vexfs/stats")));
            while (m.find()) {
                if (m.group(1).equals(d.name())) {
                    indexed = Integer.parseInt(m.group(2));
                    graphMiB = Double.parseDouble(m.group(3));
                }
            }
            if ((System.nanoTime() - t0) / 1e9 > 3600) {
                throw new IllegalStateException(d.name() + ": not indexed after an hour (" + indexed + " of " + rows + ")");
            }
        }
        long done = System.nanoTime();
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("cp_seconds", (copied - t0) / 1e9);
        build.put("index_seconds_after_cp", (done - copied) / 1e9);
        build.put("total_seconds", (done - t0) / 1e9);
        build.put("graph_mib", graphMiB);
        return build;
    }

    private static void setEf(Path mount, String collection, int ef) throws IOException {
        Files.writeString(mount.resolve(collection).resolve(".collection"), "ef = " + ef + "\n");
    }

    /**
     * The same batch with the mount's "prefetch" toggle off, right after the one with it on: the
     * seconds it took. The answers must be the same (the toggle changes speed only).
     */
    private static double unprefetchedSeconds(Path mount, Path queryFile, byte[] batch, byte[] prefetchedResults) throws IOException {
        Path toggles = mount.resolve(".vexfs/optimizations");
        Files.writeString(toggles, "prefetch off\n");
        try {
            long t0 = System.nanoTime();
            byte[] results = vexfsBatch(queryFile, batch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!Arrays.equals(results, prefetchedResults)) {
                throw new IllegalStateException("the batch answered differently with prefetch off");
            }
            return seconds;
        } finally {
            Files.writeString(toggles, "prefetch on\n");
        }
    }

    /** Write the batch (the mount searches it when the file closes), then read the hits. */
    private static byte[] vexfsBatch(Path queryFile, byte[] batch) throws IOException {
        Files.write(queryFile, batch);
        return Files.readAllBytes(queryFile);
    }

    /** QPS at {@code recall} on a curve of rising ef, interpolated (log QPS, linear recall) between the points around it; NaN if never reached. */
    static double qpsAt(List<Point> curve, double recall) {
        for (int i = 0; i < curve.size(); i++) {
            Point p = curve.get(i);
            if (p.recall() >= recall) {
                if (i == 0) {
                    return p.qps();
                }
                Point before = curve.get(i - 1);
                double f = (recall - before.recall()) / (p.recall() - before.recall());
                return Math.exp(Math.log(before.qps()) + f * (Math.log(p.qps()) - Math.log(before.qps())));
            }
        }
        return Double.NaN;
    }

    private static List<Object> curveJson(List<Point> curve) {
        List<Object> points = new ArrayList<>();
        for (Point p : curve) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ef", p.ef());
            m.put("recall_at_10", p.recall());
            m.put("qps", p.qps());
            m.put("batch_seconds", p.seconds());
            if (!Double.isNaN(p.serverSeconds())) {
                m.put("vexfs_op_seconds", p.serverSeconds());
            }
            points.add(m);
        }
        return points;
    }

    private static void report(StringBuilder t, DatasetArgs d, Fvecs.Rows base, int queries, String variant, double peerBuild, Map<String, Object> vexfsBuild,
                               List<Point> ours, List<Double> unprefetchedQps, List<Point> theirs, double oursAt, double theirsAt) {
        double total = (Double) vexfsBuild.get("total_seconds");
        line(t, "%s: %d x %d, %d queries, k=%d, m=%d, ef_construction=%d%s, %d rounds (medians)", d.name(), base.count(), base.dim(),
                queries, K, M, EF_CONSTRUCTION, variant, d.rounds());
        line(t, "  build, %d threads: vexfs %.0f vectors/s (cp %.1f s + indexing after cp %.1f s = %.1f s; graph %.1f MiB),"
                        + " hnswlib add_items %.0f vectors/s (%.1f s): %.2fx  [target >= 1.00x: %s]",
                BUILD_THREADS, base.count() / total, (Double) vexfsBuild.get("cp_seconds"), (Double) vexfsBuild.get("index_seconds_after_cp"),
                total, (Double) vexfsBuild.get("graph_mib"), base.count() / peerBuild, peerBuild, peerBuild / total,
                peerBuild / total >= 1 ? "met" : "NOT met");
        line(t, "  %5s  %14s %10s %12s %18s  %14s %10s", "ef", "vexfs recall", "QPS", "in-vexfs %", "QPS prefetch off", "hnswlib recall", "QPS");
        for (int i = 0; i < ours.size(); i++) {
            Point o = ours.get(i);
            Point h = theirs.get(i);
            line(t, "  %5d  %14.4f %10.1f %11.0f%% %18.1f  %14.4f %10.1f", o.ef(), o.recall(), o.qps(),
                    100 * o.serverSeconds() / o.seconds(), unprefetchedQps.get(i), h.recall(), h.qps());
        }
        String oursText = Double.isNaN(oursAt) ? "not reached (best " + best(ours) + ")" : String.format(Locale.ROOT, "%.1f", oursAt);
        String theirsText = Double.isNaN(theirsAt) ? "not reached (best " + best(theirs) + ")" : String.format(Locale.ROOT, "%.1f", theirsAt);
        String verdict = Double.isNaN(oursAt) || Double.isNaN(theirsAt) ? "n/a"
                : String.format(Locale.ROOT, "%.2fx [target >= 1.00x: %s]", oursAt / theirsAt, oursAt >= theirsAt ? "met" : "NOT met");
        line(t, "  QPS at recall@10 %.2f, 1 search thread each: vexfs %s, hnswlib %s: %s", TARGET_RECALL, oursText, theirsText, verdict);
        line(t, "");
    }

    private static String best(List<Point> curve) {
        Point p = curve.stream().max((a, b) -> Double.compare(a.recall(), b.recall())).orElseThrow();
        return String.format(Locale.ROOT, "%.4f at ef %d", p.recall(), p.ef());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static void usage(String problem) {
        System.err.println("AnnBench: " + problem);
        System.err.println("usage: AnnBench run --mount M --work DIR --python PY --peer hnswlib_peer.py --out JSON --commit C"
                + " [--peer-version TEXT] --dataset NAME BASE QUERIES ROUNDS ...");
        System.exit(2);
    }
}
