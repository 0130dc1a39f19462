package io.vexfs.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Real file operations through a mount from many threads: vector files written (each a create,
 * writes and a committing close), read back, stat'ed, and searched through .search/ query
 * files. Each thread times its own operations; the results merge when all have stopped.
 */
final class LoadGenerator {
    /** Kinds of operation the workload mixes, in report order. */
    enum Kind { WRITE, READ, STAT, SEARCH;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Relative weights of the kinds, e.g. "write=40,read=30,stat=20,search=10". */
    record Mix(Map<String, Integer> weights) {
        static Mix parse(String text) {
            Map<String, Integer> w = new LinkedHashMap<>();
            for (String part : text.split(",")) {
                String[] kv = part.strip().split("=");
                Kind kind;
                try {
                    kind = Kind.valueOf(kv[0].strip().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("bad mix '" + text + "': unknown kind '" + kv[0] + "' (write, read, stat, search)", e);
                }
                if (kv.length != 2 || !kv[1].strip().matches("\\d+")) {
                    throw new IllegalArgumentException("bad mix '" + text + "': expected KIND=WEIGHT, e.g. write=40,read=30,stat=20,search=10");
                }
                w.put(kind.label(), Integer.parseInt(kv[1].strip()));
            }
            if (w.values().stream().mapToInt(Integer::intValue).sum() == 0) {
                throw new IllegalArgumentException("bad mix '" + text + "': the weights add up to 0");
            }
            return new Mix(w);
        }

        Kind pick(SplittableRandom random) {
            int total = weights.values().stream().mapToInt(Integer::intValue).sum();
            int r = random.nextInt(total);
            for (Map.Entry<String, Integer> e : weights.entrySet()) {
                r -= e.getValue();
                if (r < 0) {
                    return Kind.valueOf(e.getKey().toUpperCase(Locale.ROOT));
                }
            }
            throw new IllegalStateException("weights changed");
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            weights.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
            return sb.toString();
        }
    }

    record Spec(Duration duration, int concurrency, int dim, int vectorsPerFile, Mix mix, boolean keep) {
    }

    /** One kind's outcome: timed operations, failed ones, and searches skipped because the mount has no .search/. */
    record KindResult(Kind kind, LatencyHistogram latency, long errors, long skipped, String firstError) {
    }

    /**
     * @param filesCreated files this run created (vector files and query files): the mount's create count must grow by as much
     * @param mountBefore  the mount's metrics when the workers started
     * @param mountAfter   ... and when the last one stopped
     */
    record Result(Spec spec, Path collection, double seconds, List<KindResult> kinds, long filesCreated, long vectorsWritten,
                  boolean searchAvailable, MetricsScrape mountBefore, MetricsScrape mountAfter) {
        long ops() {
            return kinds.stream().mapToLong(k -> k.latency().count()).sum();
        }

        long errors() {
            return kinds.stream().mapToLong(KindResult::errors).sum();
        }

        LatencyHistogram all() {
            LatencyHistogram h = new LatencyHistogram();
            kinds.forEach(k -> h.add(k.latency()));
            return h;
        }
    }

    private final ControlPlane plane;
    private final PrintWriter progress;

    /** @param progress where the progress bar goes (stderr), or null for none */
    LoadGenerator(ControlPlane plane, PrintWriter progress) {
        this.plane = plane;
        this.progress = progress;
    }

    Result run(Spec spec) throws IOException {
        Path collection = plane.mount().resolve("vexctl-load-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis());
        Files.createDirectory(collection);
        Path seed = collection.resolve("seed.vec");
        Files.writeString(seed, vectors(new SplittableRandom(1), spec.dim(), spec.vectorsPerFile()));
        boolean searchAvailable = Files.isDirectory(collection.resolve(".search"));
        Worker[] workers = new Worker[spec.concurrency()];
        LongAdder opsDone = new LongAdder();
        LongAdder errorsSeen = new LongAdder();
        MetricsScrape before = plane.scrape();
        long start = System.nanoTime();
        long deadline = start + spec.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i, spec, collection, seed, searchAvailable, deadline, opsDone, errorsSeen);
            threads.add(Thread.ofPlatform().name("vexctl-load-" + i).start(workers[i]));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread bar = progress == null ? null : Thread.ofPlatform().daemon(true).start(() -> {
            while (running.get()) {
                printProgress(start, spec.duration(), opsDone.sum(), errorsSeen.sum(), false);
                Observation.sleep(Duration.ofMillis(250));
            }
        });
        for (Thread t : threads) {
            join(t);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        MetricsScrape after = plane.scrape();
        running.set(false);
        if (bar != null) {
            join(bar);
            printProgress(start, spec.duration(), opsDone.sum(), errorsSeen.sum(), true);
        }
        List<KindResult> kinds = new ArrayList<>();
        for (Kind k : Kind.values()) {
            LatencyHistogram h = new LatencyHistogram();
            long errors = 0;
            long skipped = 0;
            String firstError = null;
            for (Worker w : workers) {
                h.add(w.latency[k.ordinal()]);
                errors += w.errors[k.ordinal()];
                skipped += w.skipped[k.ordinal()];
                firstError = firstError != null ? firstError : w.firstError[k.ordinal()];
            }
            kinds.add(new KindResult(k, h, errors, skipped, firstError));
        }
        long created = 0;
        long vectors = 0;
        for (Worker w : workers) {
            created += w.created;
            vectors += w.vectorsWritten;
        }
        if (!spec.keep()) {
            remove(collection);
        }
        return new Result(spec, collection, seconds, kinds, created, vectors, searchAvailable, before, after);
    }

    private void printProgress(long start, Duration duration, long ops, long errors, boolean done) {
        double elapsed = Math.min((System.nanoTime() - start) / 1e9, duration.toNanos() / 1e9);
        double fraction = done ? 1 : elapsed / (duration.toNanos() / 1e9);
        int width = 30;
        int filled = (int) Math.round(fraction * width);
        progress.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %.1fs/%.1fs  %d ops  %.0f ops/s  %d errors%s",
                "#".repeat(filled), ".".repeat(width - filled), fraction * 100, elapsed, duration.toNanos() / 1e9,
                ops, elapsed == 0 ? 0 : ops / elapsed, errors, done ? "\n" : ""));
        progress.flush();
    }

    /** Deletes what the run wrote: its vector files, its query files, then the collection. */
    private void remove(Path collection) throws IOException {
        Path search = collection.resolve(".search");
        for (Path dir : Files.isDirectory(search) ? List.of(search, collection) : List.of(collection)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    if (Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")) {
                        Files.delete(f);
                    }
                }
            }
        }
        Files.delete(collection);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + t.getName(), e);
        }
    }

    static String vectors(SplittableRandom random, int dim, int count) {
        StringBuilder sb = new StringBuilder(count * dim * 8);
        for (int v = 0; v < count; v++) {
            for (int d = 0; d < dim; d++) {
                sb.append(d == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4f", random.nextDouble(-1, 1)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** One thread of the workload, with its own files, random numbers and histograms. */
    private static final class Worker implements Runnable {
        private final int id;
        private final Spec spec;
        private final Path collection;
        private final boolean searchAvailable;
        private final long deadline;
        private final LongAdder opsDone;
        private final LongAdder errorsSeen;
        private final SplittableRandom random;
        private final List<Path> files = new ArrayList<>();
        private final Path query;
        private final LatencyHistogram[] latency = new LatencyHistogram[Kind.values().length];
        private final long[] errors = new long[Kind.values().length];
        private final long[] skipped = new long[Kind.values().length];
        private final String[] firstError = new String[Kind.values().length];
        private boolean queryExists;
        private long created;
        private long vectorsWritten;
        private int written;

        Worker(int id, Spec spec, Path collection, Path seed, boolean searchAvailable, long deadline, LongAdder opsDone, LongAdder errorsSeen) {
            this.id = id;
            this.spec = spec;
            this.collection = collection;
            this.searchAvailable = searchAvailable;
            this.deadline = deadline;
            this.opsDone = opsDone;
            this.errorsSeen = errorsSeen;
            this.random = new SplittableRandom(id * 7919L + 17);
            this.query = collection.resolve(".search").resolve("vexctl-" + id);
            files.add(seed);
            for (int k = 0; k < latency.length; k++) {
                latency[k] = new LatencyHistogram();
            }
        }

        @Override
        public void run() {
            while (System.nanoTime() < deadline) {
                Kind kind = spec.mix().pick(random);
                if (kind == Kind.SEARCH && !searchAvailable) {
                    skipped[kind.ordinal()]++;
                    continue;
                }
                long t0 = System.nanoTime();
                try {
                    switch (kind) {
                        case WRITE -> write();
                        case READ -> Files.readAllBytes(files.get(random.nextInt(files.size())));
                        case STAT -> Files.readAttributes(files.get(random.nextInt(files.size())), BasicFileAttributes.class);
                        case SEARCH -> search();
                    }
                    latency[kind.ordinal()].record(System.nanoTime() - t0);
                    opsDone.increment();
                } catch (IOException e) {
                    if (kind == Kind.SEARCH && e instanceof NoSuchFileException && !Files.isDirectory(query.getParent())) {
                        skipped[kind.ordinal()]++;
                        continue;
                    }
                    errors[kind.ordinal()]++;
                    errorsSeen.increment();
                    if (firstError[kind.ordinal()] == null) {
                        firstError[kind.ordinal()] = e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                }
            }
        }

        private void write() throws IOException {
            Path file = collection.resolve("w" + id + "-" + written++ + ".vec");
            byte[] text = vectors(random, spec.dim(), spec.vectorsPerFile()).getBytes(StandardCharsets.US_ASCII);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created++;
                ByteBuffer b = ByteBuffer.wrap(text);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            vectorsWritten += spec.vectorsPerFile();
            files.add(file);
        }

        private void search() throws IOException {
            String line = vectors(random, spec.dim(), 1);
            if (queryExists) {
                Files.writeString(query, line, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            } else {
                Files.writeString(query, line, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                queryExists = true;
                created++;
            }
            if (Files.readAllBytes(query).length == 0) {
                throw new IOException("empty results from " + query);
            }
        }
    }
}
