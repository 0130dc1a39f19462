package io.vexfs.fuse;

import io.vexfs.core.Vexfs;
import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.config.ConfigException;
import io.vexfs.core.config.VexConfig;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.VexStore;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code vexfs warmup}: what a mount does as it starts and serves its first files, in a scratch
 * directory and without mounting, then exit. The launcher runs it once after each build, with
 * -XX:AOTCacheOutput, to record the ahead-of-time class cache every mount then starts from
 * (scripts/env.sh): the configuration loader, the node's wiring, the FUSE binding, the codecs,
 * a commit, a search and the control files are all loaded and linked ahead of time. An hnsw
 * collection is indexed, written at close and read back by a second node, and searched in
 * batches at a common dimension: the cache then also holds the profiles of the index reader and
 * of the search kernels, so a remount's first searches and its index read are compiled early.
 */
final class Warmup {
    private static final int DIM = 8;
    /**
     * The hnsw collection's shape: enough rows and queries for the kernels' and graph's loops to be
     * profiled, and more rows than int8 codes are trained at (4,096), so that the walk on codes
     * (every hnsw collection's default) is profiled too, not only the walk on full vectors.
     */
    private static final int INDEXED_DIM = 128;
    private static final int INDEXED_ROWS = 5000;
    private static final int QUERIES = 32;

    private Warmup() {
    }

    static int run() {
        Path dir;
        try {
            dir = Files.createTempDirectory("vexfs-warmup");
        } catch (IOException e) {
            System.err.println("vexfs: warmup: " + e.getMessage());
            return 1;
        }
        try {
            Path conf = Files.writeString(dir.resolve("vexfs.conf"),
                    "[mount]\ndata_dir = \"data\"\nmountpoint = \"mnt\"\n[performance]\nmemory_pool_size = \"16MiB\"\n");
            VexConfig cfg = VexConfig.load(conf, dir);
            try (Vexfs node = Vexfs.open(cfg, conf)) {
                // Builds the adapter, which binds libfuse; nothing is mounted.
                new Mount(node);
                use(node.store());
                index(node.store());
            }
            // A second node over the same data: reads the index file the first one wrote at close.
            try (Vexfs node = Vexfs.open(cfg, conf)) {
                if (!node.store().awaitIndexed(Duration.ofMinutes(1))) {
                    throw new IOException("the hnsw index was not read back within a minute");
                }
                searchBatch(node.store());
            }
            return 0;
        } catch (IOException | ConfigException | FsException e) {
            System.err.println("vexfs: warmup: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("vexfs: warmup: interrupted");
            return 1;
        } finally {
            delete(dir);
        }
    }

    /** A collection with one file of each format, a query, and every control file read. */
    private static void use(VexStore store) throws FsException {
        store.mkdir("/w", 0755, 0, 0);
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = i * 0.25f;
        }
        StringBuilder text = new StringBuilder();
        ByteBuffer fvecs = ByteBuffer.allocate(4 + 4 * DIM).order(ByteOrder.LITTLE_ENDIAN).putInt(DIM);
        ByteBuffer npyData = ByteBuffer.allocate(4 * DIM).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            text.append(f).append(' ');
            fvecs.putFloat(f);
            npyData.putFloat(f);
        }
        byte[] header = VectorCodec.npyHeader(1, DIM);
        byte[] npy = new byte[header.length + npyData.capacity()];
        System.arraycopy(header, 0, npy, 0, header.length);
        System.arraycopy(npyData.array(), 0, npy, header.length, npyData.capacity());
        write(store, "/w/a.vec", text.append('\n').toString().getBytes(StandardCharsets.US_ASCII));
        write(store, "/w/b.fvecs", fvecs.array());
        write(store, "/w/c.npy", npy);
        write(store, "/w/.search/q", ("k=2\n" + text).getBytes(StandardCharsets.US_ASCII));
        read(store, "/w/.search/q");
        read(store, "/w/.similar/a.vec");
        read(store, "/w/a.vec");
        for (String file : new String[] {"stats", "metrics", "config", "optimizations", "errors", "slowlog", "profile", "index"}) {
            read(store, "/.vexfs/" + file);
        }
    }

    /** An hnsw collection of random rows (fixed seed), indexed completely and searched through the graph and exactly. */
    private static void index(VexStore store) throws FsException, InterruptedException, IOException {
        store.mkdir("/h", 0755, 0, 0);
        Handle settings = store.open("/h/.collection", true, true);
        try {
            settings.write(0, MemorySegment.ofArray("index = hnsw\nm = 16\nef_construction = 64\n".getBytes(StandardCharsets.US_ASCII)));
            settings.flush("/h/.collection");
        } finally {
            settings.release("/h/.collection");
        }
        write(store, "/h/base.fvecs", randomFvecs(INDEXED_ROWS, 1));
        if (!store.awaitIndexed(Duration.ofMinutes(1))) {
            throw new IOException("the hnsw index was not built within a minute");
        }
        searchBatch(store);
        write(store, "/h/more.fvecs", randomFvecs(QUERIES, 3));
        // Searched at once, before the indexer reaches it: the exact path over a fresh file.
        searchBatch(store);
    }

    private static void searchBatch(VexStore store) throws FsException {
        write(store, "/h/.search/q.fvecs", randomFvecs(QUERIES, 2));
        read(store, "/h/.search/q.fvecs");
        write(store, "/h/.search/q.fvecs", randomFvecs(QUERIES, 4));
        read(store, "/h/.search/q.fvecs");
    }

    private static byte[] randomFvecs(int rows, long seed) {
        Random random = new Random(seed);
        ByteBuffer out = ByteBuffer.allocate(rows * (4 + 4 * INDEXED_DIM)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            out.putInt(INDEXED_DIM);
            for (int i = 0; i < INDEXED_DIM; i++) {
                out.putFloat((float) random.nextGaussian());
            }
        }
        return out.array();
    }

    private static void write(VexStore store, String path, byte[] bytes) throws FsException {
        Handle h = store.create(path, 0644, 0, 0);
        try {
            h.write(0, MemorySegment.ofArray(bytes));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    private static void read(VexStore store, String path) throws FsException {
        Handle h = store.open(path, false, false);
        try {
            byte[] buf = new byte[64 * 1024];
            for (long pos = 0, n; (n = h.read(pos, MemorySegment.ofArray(buf))) > 0; pos += n) {
                // The bytes themselves do not matter; reading them loads the read path.
            }
        } finally {
            h.release(path);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            System.err.println("vexfs: warmup: cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
