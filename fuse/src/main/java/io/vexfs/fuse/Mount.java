package io.vexfs.fuse;

import io.vexfs.core.Vexfs;
import io.vexfs.core.control.Optimizations;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A vexfs node behind the FUSE adapter: what the adapter adds to the node, and how the mount is detached. */
final class Mount {
    private static final int MAX_OPEN_FILES = 1 << 16;

    private final Path mountpoint;
    private final VexFuse fuse;

    Mount(Vexfs node) {
        this.mountpoint = node.config().mountpoint();
        OperationObserver observer = new OperationObserver(node.metrics(), node.slowLog(), node.errors(),
                node.config().maxConcurrentOperations(), node.config().enableCrossLayerOptimization());
        // zerocopy: reads go straight into the FUSE buffer (off: through a heap copy).
        node.optimizations().add(new Optimizations.Toggle("zerocopy", observer::zeroCopy, observer::setZeroCopy));
        this.fuse = new VexFuse(node.store(), new HandleTable(MAX_OPEN_FILES), observer);
    }

    VexFuse fuse() {
        return fuse;
    }

    /**
     * Detaches the mount (lazily, so open files do not block a shutdown); libfuse's loop then
     * returns and the main thread closes the store.
     */
    void unmount() {
        Path mnt = mountpoint;
        if (!isMounted(mnt)) {
            return;
        }
        List<String> cmd = Files.isExecutable(Path.of("/usr/bin/fusermount3"))
                ? List.of("/usr/bin/fusermount3", "-u", "-z", mnt.toString())
                : List.of("umount", "-l", mnt.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            // jnr-fuse's own shutdown hook unmounts too; losing that race is not a failure.
            if ((!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) && isMounted(mnt)) {
                System.err.println("vexfs: " + String.join(" ", cmd) + ": " + out.strip());
            }
        } catch (IOException e) {
            System.err.println("vexfs: unmount failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isMounted(Path mnt) {
        try {
            return Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " fuse");
        } catch (IOException e) {
            System.err.println("vexfs: cannot read /proc/mounts: " + e.getMessage());
            return true;
        }
    }
}
