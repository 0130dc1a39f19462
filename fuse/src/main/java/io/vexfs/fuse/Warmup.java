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
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code vexfs warmup}: what a mount does as it starts and serves its first files, in a scratch
 * directory and without mounting, then exit. The launcher runs it once after each build, with
 * -XX:AOTCacheOutput, to record the ahead-of-time class cache every mount then starts from
 * (scripts/env.sh): the configuration loader, the node's wiring, the FUSE binding, the codecs,
 * a commit, a search and the control files are all loaded and linked ahead of time.
 */
final class Warmup {
    private static final int DIM = 8;

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
            }
            return 0;
        } catch (IOException | ConfigException | FsException e) {
            System.err.println("vexfs: warmup: " + e.getMessage());
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
