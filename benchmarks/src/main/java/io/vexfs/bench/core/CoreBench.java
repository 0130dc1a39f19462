package io.vexfs.bench.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The end-to-end core benchmark (run by scripts/bench-core): starts two vexfs mounts (buffer
 * pool on and off) and libfuse's C hello server, measures through the kernel from this
 * separate process, then copies a large .fvecs into fresh mounts and times their restart.
 */
public final class CoreBench {
    static final String POOL_ON = "vexfs_pool_on";
    static final String POOL_OFF = "vexfs_pool_off";
    static final String C_HELLO = "c_hello";
    static final int DIM = 128;
    private static final int DISTINCT_VECTORS = 64;
    private static final String USAGE = "usage: CoreBench --vexfs-jar JAR --hello BIN --work DIR --out JSON "
            + "[--rounds N] [--seconds S] [--warmup-seconds S] [--cp-reps N] [--vectors N] [--commit ID]";
    static final List<String> OPTION_NOTES = List.of(
            "vexfs (libfuse 2.9 via jnr-fuse): -o fsname=vexfs,subtype=vexfs,big_writes,max_write=131072,max_read=131072,"
                    + "default_permissions,atomic_o_trunc,attr_timeout=0,entry_timeout=0,negative_timeout=0",
            "C hello (libfuse 3.14, unmodified example): -o " + HelloServer.OPTIONS,
            "not given to C: big_writes (fuse3 always sends large writes and rejects the option), max_write and "
                    + "atomic_o_trunc (not fuse3 command-line options; hello never writes), max_read (reads here are ~1.5 KB)",
            "hello.c's init sets kernel_cache, so its file's pages survive an open and repeated reads may not reach "
                    + "the server; ours drops the page cache on every open, so the open-read-close ratio is not like for like",
            "the stat comparison uses a file at the mount root on both sides (hello serves only /hello): "
                    + "same path depth, same kernel requests");

    private CoreBench() {
    }

    private record Options(Path vexfsJar, Path hello, Path work, Path out, int rounds, double seconds,
                           double warmupSeconds, int cpReps, long vectors, String commit) {
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path logs = Files.createDirectories(o.work.resolve("logs"));
        Map<String, Object> header = header(o);
        SplittableRandom random = new SplittableRandom(42);
        byte[][] texts = vectorTexts(random);

        VexMount on = new VexMount(java, o.vexfsJar, config(o.work, true), o.work.resolve("ops-on/data"),
                o.work.resolve("ops-on/mnt"), logs.resolve("ops-on.log"));
        VexMount off = new VexMount(java, o.vexfsJar, config(o.work, false), o.work.resolve("ops-off/data"),
                o.work.resolve("ops-off/mnt"), logs.resolve("ops-off.log"));
        HelloServer hello = new HelloServer(o.hello, o.work.resolve("c/mnt"), logs.resolve("c-hello.log"));

        Map<String, Object> firstMount = new LinkedHashMap<>();
        firstMount.put(POOL_ON, on.start().seconds());
        firstMount.put(POOL_OFF, off.start().seconds());
        header.put("first_mount_seconds_empty_data", firstMount);
        Map<String, Double> hitRates = new LinkedHashMap<>();
        SmallOps small;
        try {
            byte[] canonical = populate(on.mountpoint(), texts);
            if (!Arrays.equals(canonical, populate(off.mountpoint(), texts))) {
                throw new IllegalStateException("the two mounts print the same vector differently");
            }
            hello.start(new String(canonical, StandardCharsets.UTF_8));
            try {
                if (!Arrays.equals(canonical, Files.readAllBytes(hello.file()))) {
                    throw new IllegalStateException("the C server does not serve the .vec content it was given");
                }
                header.put("proc_mounts", Map.of(POOL_ON, procMount(on.mountpoint()), POOL_OFF, procMount(off.mountpoint()),
                        C_HELLO, procMount(hello.file().getParent())));
                small = new SmallOps(List.of(
                        target(POOL_ON, "vexfs pool=on", on),
                        target(POOL_OFF, "vexfs pool=off", off),
                        new SmallOps.Target(C_HELLO, "C hello", hello.file(), hello.file(), null, null, null)),
                        texts, canonical.length);
                small.run(o.rounds, o.seconds, o.warmupSeconds);
            } finally {
                hello.stop();
            }
            hitRates.put(POOL_ON, Report.poolHitRate(PromText.scrape(on.mountpoint())));
            hitRates.put(POOL_OFF, Report.poolHitRate(PromText.scrape(off.mountpoint())));
        } finally {
            on.stop();
            off.stop();
        }
        BulkCopy.deleteTree(o.work.resolve("ops-on"));
        BulkCopy.deleteTree(o.work.resolve("ops-off"));

        Path fvecs = o.work.resolve("data-set/base.fvecs");
        System.out.printf("bench-core: writing %,d random %d-d vectors to %s%n", o.vectors, DIM, fvecs);
        writeFvecs(fvecs, o.vectors, random);
        List<BulkCopy.Run> runs = new ArrayList<>();
        for (int rep = 0; rep < o.cpReps; rep++) {
            List<String> modes = new ArrayList<>(List.of(POOL_ON, POOL_OFF));
            if (rep % 2 == 1) {
                modes = modes.reversed();
            }
            for (String mode : modes) {
                System.out.printf("bench-core: cp and remount, %s, repetition %d of %d%n", mode, rep + 1, o.cpReps);
                Path dir = o.work.resolve("bulk-" + mode + "-" + rep);
                VexMount m = new VexMount(java, o.vexfsJar, config(o.work, mode.equals(POOL_ON)), dir.resolve("data"),
                        dir.resolve("mnt"), logs.resolve("bulk-" + mode + "-" + rep + ".log"));
                runs.add(BulkCopy.run(mode, rep, m, dir, fvecs, o.vectors));
            }
        }

        Report report = new Report(header);
        report.smallOps(small.results());
        report.bulk(runs, o.vectors, Files.size(fvecs));
        report.poolHitRates(hitRates, runs);
        report.print();
        report.write(o.out);
    }

    private static SmallOps.Target target(String key, String label, VexMount m) {
        Path root = m.mountpoint();
        return new SmallOps.Target(key, label, root.resolve("probe.txt"), root.resolve("docs/v128.vec"),
                root.resolve("dir1k"), root.resolve("writes"), m);
    }

    /**
     * Lays out what the measurements use: docs/v128.vec, a plain file at the root for stat,
     * dir1k/ with 1,000 vectors and an empty writes/. Returns the .vec as the mount prints it.
     */
    private static byte[] populate(Path root, byte[][] texts) throws IOException {
        Files.createDirectory(root.resolve("docs"));
        Path vec = root.resolve("docs/v128.vec");
        Files.write(vec, texts[0]);
        byte[] canonical = Files.readAllBytes(vec);
        Files.write(root.resolve("probe.txt"), canonical);
        Path dir = Files.createDirectory(root.resolve("dir1k"));
        for (int i = 0; i < SmallOps.DIR_ENTRIES; i++) {
            Files.write(dir.resolve(String.format("v%04d.vec", i)), texts[i % texts.length]);
        }
        Files.createDirectory(root.resolve("writes"));
        return canonical;
    }

    /** Random 128-d vectors as .vec text, made before timing so that the client's formatting is not measured. */
    private static byte[][] vectorTexts(SplittableRandom random) {
        byte[][] texts = new byte[DISTINCT_VECTORS][];
        for (int i = 0; i < texts.length; i++) {
            StringBuilder sb = new StringBuilder();
            for (int d = 0; d < DIM; d++) {
                sb.append(d == 0 ? "" : " ").append((float) (random.nextDouble() * 2 - 1));
            }
            texts[i] = sb.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
        }
        return texts;
    }

    /** TEXMEX .fvecs: per vector an int32 dimension and DIM little-endian float32, uniform in [-1, 1). */
    private static void writeFvecs(Path file, long vectors, SplittableRandom random) throws IOException {
        Files.createDirectories(file.getParent());
        int perChunk = 4096;
        ByteBuffer buf = ByteBuffer.allocateDirect(perChunk * (4 + 4 * DIM)).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long i = 0; i < vectors; i += perChunk) {
                buf.clear();
                long n = Math.min(perChunk, vectors - i);
                for (long v = 0; v < n; v++) {
                    buf.putInt(DIM);
                    for (int d = 0; d < DIM; d++) {
                        buf.putFloat((float) (random.nextDouble() * 2 - 1));
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
    }

    private static Path config(Path work, boolean pool) throws IOException {
        Path f = work.resolve(pool ? "pool-on.conf" : "pool-off.conf");
        Files.writeString(f, "# written by bench-core\n[optimization]\nenable_memory_optimization = " + pool + "\n");
        return f;
    }

    private static String procMount(Path mountpoint) throws IOException {
        String needle = " " + mountpoint.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(needle)).findFirst()
                .orElseThrow(() -> new IllegalStateException(mountpoint + " is not in /proc/mounts"));
    }

    private static Map<String, Object> header(Options o) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("benchmark", "bench-core");
        h.put("timestamp", Instant.now().toString());
        h.put("commit", o.commit);
        h.put("environment", Map.of(
                "kernel", System.getProperty("os.version"),
                "cpus", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("rounds", o.rounds);
        p.put("seconds_per_measurement", o.seconds);
        p.put("warmup_seconds", o.warmupSeconds);
        p.put("cp_repetitions_per_mode", o.cpReps);
        p.put("vectors", o.vectors);
        p.put("dim", DIM);
        h.put("parameters", p);
        h.put("mount_option_notes", OPTION_NOTES);
        return h;
    }

    private static Options parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("bad argument '" + args[i] + "'");
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("vexfs-jar", "hello", "work", "out")) {
            if (!a.containsKey(required)) {
                usage("--" + required + " is required");
            }
        }
        Options o = new Options(Path.of(a.remove("vexfs-jar")).toAbsolutePath(), Path.of(a.remove("hello")).toAbsolutePath(),
                Path.of(a.remove("work")).toAbsolutePath(), Path.of(a.remove("out")).toAbsolutePath(),
                Integer.parseInt(a.getOrDefault("rounds", "15")), Double.parseDouble(a.getOrDefault("seconds", "0.6")),
                Double.parseDouble(a.getOrDefault("warmup-seconds", "1")), Integer.parseInt(a.getOrDefault("cp-reps", "3")),
                Long.parseLong(a.getOrDefault("vectors", "1000000")), a.getOrDefault("commit", "unknown"));
        for (String known : List.of("rounds", "seconds", "warmup-seconds", "cp-reps", "vectors", "commit")) {
            a.remove(known);
        }
        if (!a.isEmpty()) {
            usage("unknown option(s) " + a.keySet());
        }
        return o;
    }

    private static void usage(String problem) {
        System.err.println("CoreBench: " + problem);
        System.err.println(USAGE);
        System.exit(2);
    }
}
