package io.vexfs.fuse;

/** A per-thread heap buffer for the copying read path, grown to the largest read seen. */
final class ReadScratch {
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[128 * 1024]);

    private ReadScratch() {
    }

    static byte[] get(int size) {
        byte[] b = BUFFER.get();
        if (b.length < size) {
            b = new byte[size];
            BUFFER.set(b);
        }
        return b;
    }
}
