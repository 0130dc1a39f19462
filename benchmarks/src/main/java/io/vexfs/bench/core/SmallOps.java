package io.vexfs.bench.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-operation measurements (stat, readdir, open-read-close, vector writes), run in rounds
 * that alternate the targets, so that a noisy neighbour on this shared machine hits all of
 * them alike. Round -1 warms up the JITs of both sides and is not recorded.
 */
final class SmallOps {
    static final int DIR_ENTRIES = 1000;

    enum Measure {
        STAT("stat, file at the mount root", 1, true),
        STAT_VEC("stat, docs/v128.vec (depth 2)", 1, false),
        READDIR("readdir, 1,000 entries", 1, false),
        READ("open-read-close, 128-d .vec", 1, true),
        WRITE_1("vector writes, 1 thread", 1, false),
        WRITE_4("vector writes, 4 threads", 4, false);

        final String label;
        final int threads;
        final boolean alsoC;

        Measure(String label, int threads, boolean alsoC) {
            this.label = label;
            this.threads = threads;
            this.alsoC = alsoC;
        }
    }

    /**
     * One server under test. For the C server only the file it serves is set: it is the stat and
     * the read target (its content is our .vec's content, so both reads move the same bytes).
     */
    record Target(String key, String label, Path statFile, Path vecFile, Path dir1k, Path writeDir, VexMount vex) {
        boolean isVexfs() {
            return vex != null;
        }
    }

    /** Everything one target did in one measure: a rate per recorded round and the mount's op counts. */
    static final class Series {
        final List<Load.Rate> rounds = new ArrayList<>();
        OpDeltas ops = OpDeltas.none();

        List<Double> perSecond() {
            return rounds.stream().map(Load.Rate::perSecond).toList();
        }

        long clientOps() {
            return rounds.stream().mapToLong(Load.Rate::ops).sum();
        }
    }

    private final List<Target> targets;
    private final byte[][] vectorTexts;
    private final int expectedReadLength;
    private final Map<Target, OpDeltas> scrapeCost = new LinkedHashMap<>();
    private final Map<Measure, Map<String, Series>> results = new EnumMap<>(Measure.class);

    SmallOps(List<Target> targets, byte[][] vectorTexts, int expectedReadLength) {
        this.targets = targets;
        this.vectorTexts = vectorTexts;
        this.expectedReadLength = expectedReadLength;
    }

    Map<Measure, Map<String, Series>> results() {
        return results;
    }

    void run(int rounds, double seconds, double warmupSeconds) throws IOException, InterruptedException {
        for (Target t : targets) {
            if (t.isVexfs()) {
                scrapeCost.put(t, costOfOneScrape(t.vex.mountpoint()));
            }
        }
        for (int round = -1; round < rounds; round++) {
            boolean recorded = round >= 0;
            System.out.printf("bench-core: %s%n", recorded ? "round " + (round + 1) + " of " + rounds : "warm-up round");
            for (Measure m : Measure.values()) {
                List<Target> order = new ArrayList<>(targets.stream().filter(t -> t.isVexfs() || m.alsoC).toList());
                Collections.rotate(order, round + 1);
                for (Target t : order) {
                    PromText before = recorded && t.isVexfs() ? PromText.scrape(t.vex.mountpoint()) : null;
                    Load.Rate rate = Load.run(m.threads, recorded ? seconds : warmupSeconds, op(m, t, round));
                    if (!recorded) {
                        continue;
                    }
                    Series s = results.computeIfAbsent(m, k -> new LinkedHashMap<>()).computeIfAbsent(t.key, k -> new Series());
                    s.rounds.add(rate);
                    if (before != null) {
                        OpDeltas d = OpDeltas.between(before, PromText.scrape(t.vex.mountpoint()));
                        s.ops = s.ops.plus(d.minus(scrapeCost.get(t), 1));
                    }
                }
            }
        }
    }

    /** The FUSE operations that reading .vexfs/metrics itself causes, to take out of each measurement. */
    private static OpDeltas costOfOneScrape(Path mountpoint) throws IOException {
        PromText a = PromText.scrape(mountpoint);
        PromText b = PromText.scrape(mountpoint);
        return OpDeltas.between(a, b);
    }

    private Load.ClientOp op(Measure m, Target t, int round) {
        return switch (m) {
            case STAT -> (thread, seq) -> Files.readAttributes(t.statFile, BasicFileAttributes.class);
            case STAT_VEC -> (thread, seq) -> Files.readAttributes(t.vecFile, BasicFileAttributes.class);
            case READDIR -> (thread, seq) -> listAll(t.dir1k);
            case READ -> (thread, seq) -> {
                int n = Files.readAllBytes(t.vecFile).length;
                if (n != expectedReadLength) {
                    throw new IllegalStateException(t.vecFile + " read " + n + " bytes, expected " + expectedReadLength);
                }
            };
            case WRITE_1, WRITE_4 -> {
                String prefix = (round < 0 ? "warm" : "r" + round) + "-t" + m.threads + "-";
                yield (thread, seq) -> Files.write(t.writeDir.resolve(prefix + thread + "-" + seq + ".vec"),
                        vectorTexts[(int) ((seq * m.threads + thread) % vectorTexts.length)],
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        };
    }

    private static void listAll(Path dir) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path ignored : entries) {
                n++;
            }
        }
        if (n != DIR_ENTRIES) {
            throw new IllegalStateException("readdir of " + dir + " gave " + n + " entries, expected " + DIR_ENTRIES);
        }
    }
}
