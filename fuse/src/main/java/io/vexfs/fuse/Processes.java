package io.vexfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** FUSE names the calling thread; commit decisions need its process (thread group). */
final class Processes {
    private Processes() {
    }

    /**
     * The thread-group id of a thread id, from /proc. A thread that is gone (or unreadable)
     * is its own group: it cannot be the opener's, so nothing is committed on its behalf.
     */
    static int threadGroup(int tid) {
        if (tid <= 0) {
            return tid;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "status"))) {
                if (line.startsWith("Tgid:")) {
                    return Integer.parseInt(line.substring(5).strip());
                }
            }
            return tid;
        } catch (IOException e) {
            return tid;
        }
    }
}
