package io.vexfs.core;

import io.vexfs.core.config.ConfigException;
import io.vexfs.core.config.VexConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/** Nodes for library-level tests, wired by {@link Vexfs#open} as the mount wires them, configured as a file would. */
public final class TestNodes {
    private TestNodes() {
    }

    /** A node over {@code dataDir} with a 16 MiB pool and {@code ioThreads} search threads; {@code clock} expires queries. */
    public static Vexfs open(Path dataDir, int ioThreads, LongSupplier clock) throws IOException {
        Path conf = Files.createTempFile("vexfs-test", ".conf");
        try {
            Files.writeString(conf, "[mount]\ndata_dir = \"" + dataDir.toAbsolutePath() + "\"\n"
                    + "[performance]\nmemory_pool_size = \"16MiB\"\nio_threads = " + ioThreads + "\n");
            return Vexfs.open(VexConfig.load(conf, dataDir), conf, clock);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        } finally {
            Files.delete(conf);
        }
    }
}
