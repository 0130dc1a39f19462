package io.vexfs.bench.core;

import io.vexfs.bench.search.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The scale benchmark (scripts/bench-scale): a collection larger than the machine's memory,
 * stored with cp, read back, searched exactly, remounted and searched again, each figure beside
 * the disk's own speed measured with dd on the same bytes in the same run. Caches are dropped
 * before every cold measurement, so both sides read from disk.
 */
public final class ScaleBench {
    private static final int DIM = 128;
    private static final int RECORD = 4 + 4 * DIM;
    private static final String USAGE = "usage: ScaleBench --vexfs-jar JAR --work DIR --out JSON [--rows N] [--commit ID]";

    private ScaleBench() {
    }

    private record Options(Path vexfsJar, Path work, Path out, long rows, String commit) {
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Files.createDirectories(o.work);
        Path logs = Files.createDirectories(o.work.resolve("logs"));
        Path source = o.work.resolve("source-" + o.rows + ".fvecs");
        long bytes = o.rows * RECORD;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("when", Instant.now().toString());
        result.put("commit", o.commit);
        result.put("rows", o.rows);
        result.put("dim", DIM);
        result.put("bytes", bytes);
        result.put("machine_memory_bytes", memTotal());

        long sourceCrc = ensureSource(source, o.rows);
        Path ddCopy = o.work.resolve("dd-copy.fvecs");
        dropCaches();
        double ddWrite = timed(() -> run("dd", "if=" + source, "of=" + ddCopy, "bs=4M", "status=none"));
        Files.delete(ddCopy);
        result.put("dd_write_mb_s", bytes / 1e6 / ddWrite);

        Path data = o.work.resolve("data");
        Path mnt = o.work.resolve("mnt");
        run("rm", "-rf", data.toString());
        Path config = o.work.resolve("vexfs.conf");
        Files.writeString(config, "# defaults\n");
        VexMount mount = new VexMount(java, o.vexfsJar, config, data, mnt, logs.resolve("mount.log"));
        mount.start();
        try {
            Files.createDirectories(mnt.resolve("scale"));
            Path stored = mnt.resolve("scale/base.fvecs");
            dropCaches();
            double cp = timed(() -> run("cp", source.toString(), stored.toString()));
            result.put("cp_mb_s", bytes / 1e6 / cp);
            result.put("cp_seconds", cp);
            long pid = mountPid(mnt);
            result.put("heap_used_after_ingest_bytes", heapAfterGc(java, pid, mnt));
            result.put("mount_peak_rss_bytes", status(pid, "VmHWM:"));
            result.put("mount_rss_anon_bytes", status(pid, "RssAnon:"));

            dropCaches();
            long t0 = System.nanoTime();
            long readCrc = crcOf(stored);
            double readBack = (System.nanoTime() - t0) / 1e9;
            if (readCrc != sourceCrc) {
                throw new IllegalStateException("read back differs from what was copied in");
            }
            result.put("read_back_identical", true);
            result.put("read_back_mb_s", bytes / 1e6 / readBack);

            String query = queryRow(o.rows / 3);
            dropCaches();
            Query cold = query(mnt, query);
            Query warm = query(mnt, queryRow(o.rows / 5));
            result.put("query_cold_seconds", cold.seconds);
            result.put("query_warm_seconds", warm.seconds);
            result.put("query_cold_gb_s", bytes / 1e9 / cold.seconds);
            result.put("query_warm_gb_s", bytes / 1e9 / warm.seconds);
            result.put("query_top_hit", cold.top);
            if (!cold.top.equals("scale/base.fvecs#" + o.rows / 3)) {
                throw new IllegalStateException("the row itself is not its own nearest neighbour: " + cold.top);
            }

            List<Path> segments = segmentFiles(data);
            dropCaches();
            double ddRead = timed(() -> {
                for (Path s : segments) {
                    run("dd", "if=" + s, "of=/dev/null", "bs=4M", "status=none");
                }
            });
            long segmentBytes = 0;
            for (Path s : segments) {
                segmentBytes += Files.size(s);
            }
            result.put("dd_read_segments_gb_s", segmentBytes / 1e9 / ddRead);

            mount.stop();
            dropCaches();
            VexMount.Start again = mount.start();
            Query afterRemount = query(mnt, query);
            result.put("remount_seconds", again.seconds());
            result.put("remount_replayed_records", again.replayedRecords());
            result.put("first_answer_after_remount_seconds", again.seconds() + afterRemount.seconds);
            result.put("query_after_remount_same_top", afterRemount.top.equals(cold.top));
        } finally {
            mount.stop();
        }
        Files.createDirectories(o.out.getParent());
        Files.writeString(o.out, Json.write(result) + "\n");
        print(result);
    }

    private record Query(double seconds, String top) {
    }

    private static Query query(Path mnt, String vector) throws IOException {
        Path q = mnt.resolve("scale/.search/q");
        long t0 = System.nanoTime();
        Files.writeString(q, "k=10\n" + vector + "\n");
        String hits = Files.readString(q);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String first = hits.lines().findFirst().orElseThrow(() -> new IllegalStateException("no hits"));
        return new Query(seconds, first.split("\t")[3]);
    }

    /** Row r of the data, as a query line. */
    private static String queryRow(long r) {
        float[] v = row(r);
        StringBuilder sb = new StringBuilder();
        for (float x : v) {
            sb.append(x).append(' ');
        }
        return sb.toString().strip();
    }

    /** Row r: from a generator seeded by r, so any row can be made again without the others. */
    private static float[] row(long r) {
        SplittableRandom random = new SplittableRandom(42 + r * 0x9E3779B97F4A7C15L);
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }

    /** Makes the source file unless one of the right size exists; returns its CRC32C. */
    private static long ensureSource(Path source, long rows) throws IOException {
        long bytes = rows * RECORD;
        if (Files.exists(source) && Files.size(source) == bytes) {
            System.err.println("bench-scale: reusing " + source);
            return crcOf(source);
        }
        System.err.println("bench-scale: writing " + source + " (" + bytes / 1e9 + " GB)");
        CRC32C crc = new CRC32C();
        try (FileChannel out = FileChannel.open(source, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocateDirect(RECORD * 8192).order(ByteOrder.LITTLE_ENDIAN);
            for (long r = 0; r < rows; ) {
                b.clear();
                for (int i = 0; i < 8192 && r < rows; i++, r++) {
                    b.putInt(DIM);
                    for (float x : row(r)) {
                        b.putFloat(x);
                    }
                }
                b.flip();
                crc.update(b.duplicate());
                while (b.hasRemaining()) {
                    out.write(b);
                }
            }
        }
        return crc.getValue();
    }

    private static long crcOf(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[4 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }

    private static List<Path> segmentFiles(Path data) throws IOException {
        try (var files = Files.list(data.resolve("segments"))) {
            return files.filter(p -> p.toString().endsWith(".dat")).sorted().toList();
        }
    }

    /** The Java heap still in use after a full collection (jcmd GC.run), as the mount's metrics report it. */
    private static double heapAfterGc(Path java, long pid, Path mnt) throws IOException, InterruptedException {
        run(java.resolveSibling("jcmd").toString(), Long.toString(pid), "GC.run");
        for (String line : Files.readAllLines(mnt.resolve(".vexfs/metrics"))) {
            if (line.startsWith("vexfs_heap_used_bytes ")) {
                return Double.parseDouble(line.split(" ")[1]);
            }
        }
        throw new IllegalStateException("no vexfs_heap_used_bytes in .vexfs/metrics");
    }

    private static long mountPid(Path mnt) {
        ProcessHandle h = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("--mountpoint " + mnt))
                .findFirst().orElseThrow(() -> new IllegalStateException("no mount process for " + mnt));
        return h.pid();
    }

    private static long status(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException(key + " not in /proc/" + pid + "/status");
    }

    private static long memTotal() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** Writes dirty pages out, then drops the page cache, so the next read comes from disk (root only). */
    private static void dropCaches() throws IOException, InterruptedException {
        run("sync");
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
    }

    interface Step {
        void run() throws Exception;
    }

    private static double timed(Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static void print(Map<String, Object> r) {
        double dd = (Double) r.get("dd_write_mb_s");
        double cp = (Double) r.get("cp_mb_s");
        double ddRead = (Double) r.get("dd_read_segments_gb_s");
        double cold = (Double) r.get("query_cold_gb_s");
        double warm = (Double) r.get("query_warm_gb_s");
        double heap = (Double) r.get("heap_used_after_ingest_bytes");
        double remount = (Double) r.get("remount_seconds");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"figure", "vexfs", "baseline (same run)", "target", "met"});
        rows.add(new String[]{"ingest by cp", f("%.0f MB/s", cp), f("dd %.0f MB/s (%.2fx)", dd, cp / dd), ">= 400 MB/s or >= 0.8x dd",
                cp >= 400 || cp >= 0.8 * dd ? "yes" : "NO"});
        rows.add(new String[]{"heap after ingest (after GC)", f("%.0f MiB", heap / (1 << 20)), "", "< 1024 MiB",
                heap < 1L << 30 ? "yes" : "NO"});
        rows.add(new String[]{"mount peak RSS", f("%.0f MiB", ((Long) r.get("mount_peak_rss_bytes")) / (double) (1 << 20)),
                f("anon %.0f MiB", ((Long) r.get("mount_rss_anon_bytes")) / (double) (1 << 20)), "", ""});
        rows.add(new String[]{"read back (cold)", f("%.0f MB/s", (Double) r.get("read_back_mb_s")), "byte for byte", "", "yes"});
        rows.add(new String[]{"exact query, cold", f("%.1f s, %.2f GB/s", (Double) r.get("query_cold_seconds"), cold),
                f("dd %.2f GB/s (%.2fx)", ddRead, cold / ddRead), ">= 0.8x dd", cold >= 0.8 * ddRead ? "yes" : "NO"});
        rows.add(new String[]{"exact query, warm", f("%.1f s, %.2f GB/s", (Double) r.get("query_warm_seconds"), warm),
                f("%.2fx dd", warm / ddRead), "", ""});
        rows.add(new String[]{"remount", f("%.2f s", remount), "", "< 3 s", remount < 3 ? "yes" : "NO"});
        rows.add(new String[]{"first answer after remount", f("%.1f s", (Double) r.get("first_answer_after_remount_seconds")),
                "", "", ""});
        for (String[] row : rows) {
            System.out.println(String.format(Locale.ROOT, "%-28s %-24s %-28s %-26s %s", (Object[]) row));
        }
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static Options parse(String[] args) {
        Path jar = null;
        Path work = null;
        Path out = null;
        long rows = 50_000_000;
        String commit = "unknown";
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--vexfs-jar" -> jar = Path.of(v);
                case "--work" -> work = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--rows" -> rows = Long.parseLong(v);
                case "--commit" -> commit = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
            i++;
        }
        if (jar == null || work == null || out == null) {
            throw new IllegalArgumentException(USAGE);
        }
        return new Options(jar, work, out, rows, commit);
    }
}
