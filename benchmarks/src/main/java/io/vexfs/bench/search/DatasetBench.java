package io.vexfs.bench.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * One dataset end to end: its base copied into a collection of the mount as one .fvecs file,
 * then rounds in which vexfs (single queries with SIMD on and off, two clients, batches with
 * SIMD on and off) and the FAISS peer take turns, so that the noise of a shared machine falls
 * on all of them alike. Every vexfs answer is kept and checked against FAISS's exact ids.
 */
public final class DatasetBench {
    public static final int K = 10;
    public static final String SINGLE_SIMD = "vexfs single (simd on)";
    public static final String SINGLE_SCALAR = "vexfs single (simd off)";
    public static final String SINGLE_TWO_CLIENTS = "vexfs single, 2 clients (simd on)";
    public static final String BATCH_SIMD = "vexfs batch (simd on)";
    public static final String BATCH_SCALAR = "vexfs batch (simd off)";

    /** What the peer is run with. */
    public record Peer(String python, Path script, int threads) {
    }

    private final MountClient client;
    private final String name;
    /** l2 or dot: the collection's metric, and FAISS IndexFlatL2 or IndexFlatIP. */
    private final String metric;
    private final Path base;
    private final Fvecs.Rows queries;
    private final int singles;
    private final int batch;
    private final Path batchFile;
    private final byte[] batchBytes;
    private final byte[][] singleTexts;
    private final Peer peer;
    private final long baseRows;
    private final Map<String, PhaseStats> phases = new LinkedHashMap<>();
    private final Map<String, List<Answers>> answers = new LinkedHashMap<>();
    private Answers exact;
    private double ingestSeconds;

    /**
     * @param singles queries sent one at a time per run (the first of the batch, so FAISS's exact ids cover them)
     * @param batch   queries in the batch file (the first of the query file)
     */
    public DatasetBench(MountClient client, String name, String metric, Path base, Path queryFile, int singles, int batch,
                        Path work, Peer peer) throws IOException {
        this.client = client;
        this.name = name;
        this.metric = metric;
        this.base = base;
        this.peer = peer;
        this.queries = Fvecs.read(queryFile, batch);
        this.batch = queries.count();
        this.singles = Math.min(singles, this.batch);
        this.batchBytes = queries.encode(this.batch);
        this.batchFile = work.resolve(name + "-queries-" + this.batch + ".fvecs");
        Files.write(batchFile, batchBytes);
        this.singleTexts = new byte[this.singles][];
        for (int i = 0; i < this.singles; i++) {
            singleTexts[i] = MountClient.queryText(queries.row(i), K);
        }
        long recordBytes = Integer.BYTES + (long) queries.dim() * Float.BYTES;
        this.baseRows = Files.size(base) / recordBytes;
        for (String phase : List.of(SINGLE_SIMD, SINGLE_SCALAR, SINGLE_TWO_CLIENTS, BATCH_SIMD, BATCH_SCALAR)) {
            phases.put(phase, new PhaseStats(phase));
            answers.put(phase, new ArrayList<>());
        }
        for (int threads : peerThreads()) {
            phases.put(faissSingle(threads), new PhaseStats(faissSingle(threads)));
            phases.put(faissBatch(threads), new PhaseStats(faissBatch(threads)));
        }
    }

    public static String faissSingle(int threads) {
        return "faiss single (" + threads + (threads == 1 ? " thread)" : " threads)");
    }

    public static String faissBatch(int threads) {
        return "faiss batch (" + threads + (threads == 1 ? " thread)" : " threads)");
    }

    /**
     * The peer with the machine's thread count and with one thread, both in every round: on a
     * shared two-core machine either can be FAISS's best, so targets compare with the better.
     */
    public List<Integer> peerThreads() {
        return peer.threads() == 1 ? List.of(1) : List.of(peer.threads(), 1);
    }

    /** Ingest, warm-up, then {@code rounds} interleaved rounds, each with FAISS at both thread counts. */
    public void run(int rounds, int warmup) throws IOException, InterruptedException {
        Path collection = client.mount().resolve(name);
        Files.createDirectory(collection);
        Files.writeString(collection.resolve(".collection"), "metric = " + metric + "\n");
        long start = System.nanoTime();
        Files.copy(base, collection.resolve("base.fvecs"));
        ingestSeconds = (System.nanoTime() - start) / 1e9;
        // Measure the search, not the result cache: the same queries come back every round.
        client.toggle("cache", false);

        // The Vector API is only fast once C2 has compiled the kernels (interpreted, it is slower than
        // scalar code): both code paths warm up, the batch path with repeated batches of a panel's size.
        int warmupBatch = Math.min(batch, 64);
        log("warm-up: " + warmup + " single queries and " + warmup + " batches of " + warmupBatch + " with simd on, the same singles and one batch with simd off");
        for (boolean simd : new boolean[] {true, false}) {
            client.toggle("simd", simd);
            for (int i = 0; i < Math.min(warmup, singles); i++) {
                MountClient.search(client.searchFile(name, "warmup"), singleTexts[i]);
            }
            for (int i = 0; i < (simd ? warmup : 1); i++) {
                MountClient.search(client.searchFile(name, "warmup.fvecs"), queries.encode(warmupBatch));
            }
        }

        List<Step> steps = new ArrayList<>(List.of(
                () -> singles(SINGLE_SIMD, true, 1),
                () -> singles(SINGLE_SCALAR, false, 1),
                () -> singles(SINGLE_TWO_CLIENTS, true, 2),
                () -> batch(BATCH_SIMD, true),
                () -> batch(BATCH_SCALAR, false)));
        for (int threads : peerThreads()) {
            steps.add(() -> faiss(threads));
        }
        for (int round = 0; round < rounds; round++) {
            log("round " + (round + 1) + " of " + rounds);
            // Each round starts one step later, so no phase always follows the same neighbour.
            for (int s = 0; s < steps.size(); s++) {
                steps.get((s + round) % steps.size()).run();
            }
        }
        client.toggle("simd", true);
    }

    private interface Step {
        void run() throws IOException, InterruptedException;
    }

    private void singles(String phase, boolean simd, int clients) throws IOException, InterruptedException {
        client.toggle("simd", simd);
        long[] latencies = new long[singles];
        byte[][] results = new byte[singles][];
        ServerMetrics.Interval interval = ServerMetrics.start(client.mount());
        double seconds;
        if (clients == 1) {
            seconds = sequence(client.searchFile(name, "single"), 0, singles, latencies, results);
        } else {
            seconds = concurrently(clients, latencies, results);
        }
        ServerMetrics.Delta delta = interval.finish();
        checkServer(phase, delta, singles);
        phases.get(phase).add(singles, seconds, latencies, delta);
        for (int i = 0; i < singles; i++) {
            answers.get(phase).add(Answers.parseTsv(results[i], name + "/base.fvecs", i, 1, K));
        }
        log(String.format("  %-36s %9.1f q/s", phase, singles / seconds));
    }

    /** Queries [from, to) one after another through one query file; returns the wall seconds. */
    private double sequence(Path file, int from, int to, long[] latencies, byte[][] results) throws IOException {
        long start = System.nanoTime();
        for (int i = from; i < to; i++) {
            long t0 = System.nanoTime();
            results[i] = MountClient.search(file, singleTexts[i]);
            latencies[i] = System.nanoTime() - t0;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The single queries split between {@code clients} threads, each with its own query file name. */
    private double concurrently(int clients, long[] latencies, byte[][] results) throws InterruptedException {
        CyclicBarrier ready = new CyclicBarrier(clients + 1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < clients; c++) {
            int from = singles * c / clients;
            int to = singles * (c + 1) / clients;
            Path file = client.searchFile(name, "client" + c);
            threads.add(Thread.ofPlatform().name("search-client-" + c).start(() -> {
                try {
                    ready.await();
                    sequence(file, from, to, latencies, results);
                } catch (Exception e) {
                    failures.add(e);
                }
            }));
        }
        try {
            ready.await();
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("a search client failed before it started", e);
        }
        long start = System.nanoTime();
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!failures.isEmpty()) {
            throw new UncheckedIOException(new IOException("a search client failed", failures.getFirst()));
        }
        return seconds;
    }

    private void batch(String phase, boolean simd) throws IOException, InterruptedException {
        client.toggle("simd", simd);
        Path file = client.searchFile(name, "batch.fvecs");
        ServerMetrics.Interval interval = ServerMetrics.start(client.mount());
        long start = System.nanoTime();
        byte[] result = MountClient.search(file, batchBytes);
        double seconds = (System.nanoTime() - start) / 1e9;
        ServerMetrics.Delta delta = interval.finish();
        checkServer(phase, delta, batch);
        phases.get(phase).add(batch, seconds, null, delta);
        answers.get(phase).add(Answers.parseTsv(result, name + "/base.fvecs", 0, batch, K));
        log(String.format("  %-36s %9.1f q/s", phase, batch / seconds));
    }

    /** Every query must have been searched, over the whole base, and none answered by the cache. */
    private void checkServer(String phase, ServerMetrics.Delta delta, int expectedSearches) {
        if (delta.cacheHits() != 0 || delta.searches() != expectedSearches
                || delta.vectorsScanned() != expectedSearches * baseRows) {
            throw new IllegalStateException(name + ", " + phase + ": the mount reports " + delta.searches() + " searches, "
                    + delta.vectorsScanned() + " vectors scanned and " + delta.cacheHits() + " cache hits; expected "
                    + expectedSearches + ", " + expectedSearches * baseRows + " and 0");
        }
    }

    private void faiss(int threads) throws IOException, InterruptedException {
        FaissPeer.Result r = FaissPeer.run(peer.python(), peer.script(), base, batchFile, K, singles, threads, metric);
        if (r.singleQueries() != singles || r.batchQueries() != batch) {
            throw new IllegalStateException("faiss ran " + r.singleQueries() + " single and " + r.batchQueries()
                    + " batched queries, expected " + singles + " and " + batch);
        }
        phases.get(faissSingle(threads)).addReported(singles, r.singleQps(), r.singleP50Us(), r.singleP99Us());
        phases.get(faissBatch(threads)).addReported(batch, r.batchQps(), Double.NaN, Double.NaN);
        if (exact == null) {
            exact = r.exact();
        }
        log(String.format("  %-36s %9.1f q/s single, %9.1f q/s batch", "faiss (" + threads + " threads)",
                r.singleQps(), r.batchQps()));
    }

    /** Recall@10 of every vexfs phase, over all its rounds, against FAISS's exact answers. */
    public Map<String, Recall> recall() {
        Map<String, Recall> recall = new LinkedHashMap<>();
        answers.forEach((phase, list) -> {
            Recall r = new Recall();
            for (Answers a : list) {
                r.add(a, exact);
            }
            recall.put(phase, r);
        });
        return recall;
    }

    public String name() {
        return name;
    }

    public String metric() {
        return metric;
    }

    public long baseRows() {
        return baseRows;
    }

    public int dim() {
        return queries.dim();
    }

    public int singles() {
        return singles;
    }

    public int batch() {
        return batch;
    }

    public double ingestSeconds() {
        return ingestSeconds;
    }

    public long baseBytes() throws IOException {
        return Files.size(base);
    }

    public Map<String, PhaseStats> phases() {
        return phases;
    }

    public int faissThreads() {
        return peer.threads();
    }

    private void log(String line) {
        System.err.println("bench-search: " + name + ": " + line);
    }
}
