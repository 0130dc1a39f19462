package io.vexfs.core;

import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.VexStore;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** A file written and read whole through a store's own calls, as a shell's write and cat would through the mount. */
public final class StoreFiles {
    private StoreFiles() {
    }

    /** Creates (or opens) {@code path}, writes {@code text} at 0 and closes it: the commit. */
    public static void write(VexStore store, String path, String text) throws FsException {
        Handle h = store.create(path, 0644, 0, 0);
        try {
            h.write(0, MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8)));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    /** Everything {@code path} reads, to its end. */
    public static String read(VexStore store, String path) throws FsException {
        Handle h = store.open(path, false, false);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            long pos = 0;
            int n;
            while ((n = h.read(pos, MemorySegment.ofArray(buf))) > 0) {
                out.write(buf, 0, n);
                pos += n;
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            h.release(path);
        }
    }
}
