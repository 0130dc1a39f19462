package io.vexfs.core.fs;

import io.vexfs.pool.BufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store as a library: what FUSE calls, without FUSE. */
class VexStoreTest {
    @TempDir
    Path dir;
    private BufferPool pool;
    private VexStore store;

    @BeforeEach
    void open() throws IOException {
        pool = BufferPool.builder().capacity(16 << 20).build();
        store = VexStore.open(StoreOptions.defaults(dir, pool));
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        pool.close();
    }

    private void reopen() throws IOException {
        store.close();
        store = VexStore.open(StoreOptions.defaults(dir, pool));
    }

    private void write(String path, String text) throws FsException {
        Handle h = store.create(path, 0644, 0, 0);
        try {
            h.truncate(0);
            h.write(0, MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8)));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    private String read(String path) throws FsException {
        Handle h = store.open(path, false, false);
        try {
            byte[] buf = new byte[(int) store.stat(path).size()];
            int n = h.read(0, MemorySegment.ofArray(buf));
            assertEquals(buf.length, n);
            return new String(buf, StandardCharsets.UTF_8);
        } finally {
            h.release(path);
        }
    }

    private List<String> list(String path) throws FsException {
        List<String> names = new ArrayList<>();
        store.list(path, names::add);
        return names;
    }

    @Test
    void vectorFilesAreCanonicalAndIndexed() throws Exception {
        store.mkdir("/docs", 0755, 0, 0);
        write("/docs/a.vec", "1.0, 2.50\t-0.0\n");
        assertEquals("1 2.5 -0\n", read("/docs/a.vec"));
        assertEquals(9, store.stat("/docs/a.vec").size());
        Collection c = store.collections().get("docs");
        assertEquals(3, c.settings().dim());
        assertEquals(1, c.vectorCount());
        assertEquals("docs/a.vec", c.snapshot().entries().get(0).path());
    }

    @Test
    void refusedCommitsChangeNothing() throws Exception {
        store.mkdir("/docs", 0755, 0, 0);
        write("/docs/a.vec", "1 2 3\n");
        long version = store.collections().get("docs").version();
        FsException e = assertThrows(FsException.class, () -> write("/docs/a.vec", "1 2\n"));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("line 1", e.where());
        assertEquals("1 2 3\n", read("/docs/a.vec"));
        assertEquals(version, store.collections().get("docs").version());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> store.create("/top.vec", 0644, 0, 0)).errno());
    }

    @Test
    void everythingComesBackAfterReopen() throws Exception {
        store.mkdir("/docs", 0755, 1000, 1000);
        store.mkdir("/docs/sub", 0700, 1000, 1000);
        write("/docs/sub/a.vec", "1 2\n3 4\n");
        write("/docs/notes.txt", "hello\n");
        write("/docs/b.vec", "5 6\n");
        store.rename("/docs/b.vec", "/docs/sub/b.fvecs");
        store.chmod("/docs/notes.txt", 0600);
        store.utimens("/docs/notes.txt", 1_000_000_000L, 2_000_000_000L);
        store.unlink("/docs/sub/a.vec");
        write("/docs/c.vec", "7 8\n");
        store.mkdir("/other", 0755, 0, 0);
        store.rmdir("/other");
        reopen();
        assertEquals(List.of("notes.txt", "c.vec", "sub").stream().sorted().toList(), list("/docs"));
        assertEquals(List.of("b.fvecs"), list("/docs/sub"));
        assertEquals("hello\n", read("/docs/notes.txt"));
        StatInfo s = store.stat("/docs/notes.txt");
        assertEquals(0600, s.mode());
        assertEquals(2_000_000_000L, s.mtimeNs());
        assertEquals(0700, store.stat("/docs/sub").mode());
        assertEquals(1000, store.stat("/docs/sub").uid());
        assertEquals(2, store.collections().get("docs").vectorCount());
        assertNull(store.collections().get("other"));
    }

    @Test
    void checkpointKeepsStateAndDropsTheOldLog() throws Exception {
        store.mkdir("/docs", 0755, 0, 0);
        for (int i = 0; i < 50; i++) {
            write("/docs/same.vec", i + " " + i + "\n");
        }
        write("/docs/x.txt", "x");
        store.checkpoint();
        write("/docs/after.vec", "9 9\n");
        reopen();
        assertEquals("49 49\n", read("/docs/same.vec"));
        assertEquals("9 9\n", read("/docs/after.vec"));
        assertEquals("x", read("/docs/x.txt"));
        assertTrue(store.recoveryReport().checkpointSeq() > 0, "replay started from the checkpoint");
    }

    @Test
    void settingsAreLoggedAndChecked() throws Exception {
        store.mkdir("/docs", 0755, 0, 0);
        Handle h = store.open("/docs/.collection", true, true);
        h.write(0, MemorySegment.ofArray("metric = cosine\nk = 3\n".getBytes(StandardCharsets.UTF_8)));
        h.flush("/docs/.collection");
        h.release("/docs/.collection");
        write("/docs/a.vec", "1 0\n");
        Handle bad = store.open("/docs/.collection", true, true);
        bad.write(0, MemorySegment.ofArray("metric = dot\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> bad.flush("/docs/.collection")).errno());
        reopen();
        CollectionSettings s = store.collections().get("docs").settings();
        assertEquals("cosine", s.metric().key());
        assertEquals(3, s.k());
        assertEquals(2, s.dim());
    }

    @Test
    void renameRules() throws Exception {
        store.mkdir("/a", 0755, 0, 0);
        store.mkdir("/b", 0755, 0, 0);
        store.mkdir("/a/sub", 0755, 0, 0);
        write("/a/sub/v.vec", "1 2 3\n");
        write("/b/w.vec", "1 2\n");
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> store.rename("/a/sub", "/b/sub")).errno());
        assertEquals(Errno.EXDEV, assertThrows(FsException.class, () -> store.rename("/a/sub", "/c")).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> store.rename("/a", "/a/sub/x")).errno());
        assertEquals(Errno.ENOTEMPTY, assertThrows(FsException.class, () -> store.rmdir("/a")).errno());
        store.rename("/a", "/renamed");
        assertEquals("renamed/sub/v.vec", store.collections().get("renamed").snapshot().entries().get(0).path());
        store.rename("/renamed/sub/v.vec", "/renamed/v.txt");
        assertEquals(0, store.collections().get("renamed").vectorCount());
        assertEquals("1 2 3\n", read("/renamed/v.txt"));
        reopen();
        assertFalse(store.collections().containsKey("a"));
        assertEquals("1 2 3\n", read("/renamed/v.txt"));
    }

    @Test
    void hostileNamesAreRefused() {
        assertEquals(Errno.ENAMETOOLONG, assertThrows(FsException.class,
                () -> store.mkdir("/" + "x".repeat(256), 0755, 0, 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> store.mkdir("/a/../b", 0755, 0, 0)).errno());
        assertEquals(Errno.EILSEQ, assertThrows(FsException.class, () -> store.mkdir("/bad\uFFFD", 0755, 0, 0)).errno());
        assertTrue(store.collections().isEmpty());
    }
}
