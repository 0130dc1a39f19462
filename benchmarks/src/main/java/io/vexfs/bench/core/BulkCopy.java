package io.vexfs.bench.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One repetition of the bulk path on a fresh data directory: `cp` of the .fvecs into the mount
 * (timed around the real cp binary, so it includes the commit at close), then a stop and a
 * timed restart with exactly those vectors stored. The first start, on the empty data
 * directory, is timed too: it is the fixed cost that every remount pays before any replay.
 */
final class BulkCopy {
    static final String COLLECTION = "sift";

    /** One repetition's measurements. {@code poolHitRate} is NaN when the build does not export the pool counters. */
    record Run(String mode, int rep, double emptyStartSeconds, double cpSeconds, double mbPerSecond, double stopSeconds,
               VexMount.Start remount, double poolHitRate, OpDeltas ops) {
    }

    private BulkCopy() {
    }

    static Run run(String mode, int rep, VexMount mount, Path dataDir, Path fvecs, long vectors)
            throws IOException, InterruptedException {
        double emptyStart = mount.start().seconds();
        Path target = mount.mountpoint().resolve(COLLECTION).resolve("base.fvecs");
        Files.createDirectory(target.getParent());
        PromText before = PromText.scrape(mount.mountpoint());
        long t0 = System.nanoTime();
        Process cp = new ProcessBuilder("cp", fvecs.toString(), target.toString()).inheritIO().start();
        if (!cp.waitFor(30, TimeUnit.MINUTES) || cp.exitValue() != 0) {
            throw new IllegalStateException("cp into " + target + " failed");
        }
        double cpSeconds = (System.nanoTime() - t0) / 1e9;
        PromText after = PromText.scrape(mount.mountpoint());
        long bytes = Files.size(fvecs);
        checkStored(mount, target, bytes, vectors, after);
        double hitRate = Report.poolHitRate(after);
        double stopSeconds = mount.stop();
        VexMount.Start remount = mount.start();
        checkStored(mount, target, bytes, vectors, PromText.scrape(mount.mountpoint()));
        mount.stop();
        deleteTree(dataDir);
        return new Run(mode, rep, emptyStart, cpSeconds, bytes / 1e6 / cpSeconds, stopSeconds, remount, hitRate,
                OpDeltas.between(before, after));
    }

    /** A figure only counts if the mount holds what was copied: the same size and every vector. */
    private static void checkStored(VexMount mount, Path target, long bytes, long vectors, PromText metrics)
            throws IOException {
        long size = Files.size(target);
        double stored = metrics.get("vexfs_vectors_stored");
        if (size != bytes || stored != vectors) {
            throw new IllegalStateException("after cp into " + mount.mountpoint() + ": size " + size + " (expected "
                    + bytes + "), vexfs_vectors_stored " + stored + " (expected " + vectors + ")");
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
