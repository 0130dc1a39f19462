package io.vexfs.core;

import io.vexfs.core.config.VexConfig;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.kernel.VectorKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node as the mount assembles it, used as a library: control files, toggles, queries, close and reopen. */
class VexfsTest {
    @TempDir
    Path dir;

    private static String read(Vexfs node, String path) throws FsException {
        Handle h = node.store().open(path, false, false);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            for (long pos = 0; (n = h.read(pos, MemorySegment.ofArray(buf))) > 0; pos += n) {
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            h.release(path);
        }
    }

    private static void write(Vexfs node, String path, String text) throws FsException {
        Handle h = node.store().create(path, 0644, 0, 0);
        try {
            h.write(0, MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8)));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    @Test
    void theControlPlaneAndItsTogglesAreWired() throws Exception {
        try (Vexfs node = TestNodes.open(dir.resolve("data"), 1, System::nanoTime)) {
            List<String> files = new ArrayList<>();
            node.store().list("/.vexfs", files::add);
            assertEquals(List.of("config", "errors", "index", "metrics", "optimizations", "profile", "slowlog", "stats", "text"), files);
            String toggles = read(node, "/.vexfs/optimizations");
            assertTrue(toggles.contains("memory on") && toggles.contains("cache on") && toggles.contains("scratch on"), toggles);
            assertEquals(VectorKernels.isSimdAvailable(), toggles.contains("simd on"), toggles);

            write(node, "/.vexfs/optimizations", "memory off\ncache off\n");
            assertFalse(node.pool().pooling(), "the memory toggle switches the pool");
            assertFalse(node.queryEngine().cacheOn(), "the cache toggle switches the result cache");
            assertTrue(read(node, "/.vexfs/config").contains("memory_pool_size = \"16MiB\""));
            assertTrue(read(node, "/.vexfs/config").contains("# memory off"), "the live toggles beside the file's values");

            node.store().mkdir("/docs", 0755, 0, 0);
            write(node, "/docs/a.vec", "1 2\n");
            write(node, "/docs/.search/q", "1 2\n");
            assertEquals("0\t1\t0\tdocs/a.vec\n", read(node, "/docs/.search/q"));
            assertTrue(read(node, "/.vexfs/metrics").contains("vexfs_pool_capacity_bytes"), "the pool's gauges are bound");
        }
    }

    @Test
    void closeThenOpenRestoresWhatWasCommitted() throws Exception {
        Path data = dir.resolve("data");
        try (Vexfs node = TestNodes.open(data, 1, System::nanoTime)) {
            node.store().mkdir("/docs", 0755, 0, 0);
            write(node, "/docs/a.vec", "1 2\n");
        }
        try (Vexfs node = TestNodes.open(data, 1, System::nanoTime)) {
            assertEquals("1 2\n", read(node, "/docs/a.vec"));
            assertTrue(node.recoveryReport().recordsReplayed() > 0);
        }
    }

    @Test
    void aDataDirectoryThatCannotBeOpenedIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        VexConfig config = VexConfig.defaults(dir).withDataDir(file);
        IOException e = assertThrows(IOException.class, () -> Vexfs.open(config, null));
        assertTrue(e.getMessage().startsWith("cannot open the data directory " + file), e.getMessage());
    }
}
