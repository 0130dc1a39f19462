package io.vexfs.core.text;

import io.vexfs.core.content.Span;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.FileNode;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.StoreOptions;
import io.vexfs.core.fs.StoredChunks;
import io.vexfs.core.fs.TextChunks;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.storage.CorruptDataException;
import io.vexfs.core.storage.Segment;
import io.vexfs.pool.BufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store side of text collections (ChunkVectorStore on VexStore), without the text module:
 * chunk embeddings belong to one version of one text file and die with it, follow renames, name a
 * hard-linked file by its first name, survive replay and checkpoints, and are stored like every
 * vector: in segments, counted live, moved by compaction, checked block by block.
 */
class ChunkVectorStoreTest {
    @TempDir
    Path dir;
    private BufferPool pool;
    private VexStore store;
    private ChunkVectorStore chunks;

    @BeforeEach
    void open() throws IOException, FsException {
        pool = BufferPool.builder().capacity(16 << 20).build();
        store = VexStore.open(options(0));
        chunks = ChunkVectorStore.of(store);
        for (String c : List.of("/t", "/u")) {
            store.mkdir(c, 0755, 0, 0);
            write(c + "/.collection", "embed = minilm\n");
        }
        store.mkdir("/t/sub", 0755, 0, 0);
        store.mkdir("/v", 0755, 0, 0);
    }

    /** Default options; {@code compactionMinDead} 0 leaves compaction to the test's own calls only when 1. */
    private StoreOptions options(long compactionMinDead) {
        StoreOptions d = StoreOptions.defaults(dir, pool);
        return new StoreOptions(d.dataDir(), d.walSegmentBytes(), false, compactionMinDead == 0 ? d.compactionMinDead()
                : compactionMinDead, 0.5, d.checkpointLogBytes(), d.checkpointLogRecords(), pool, d.metrics(), d.errors());
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        pool.close();
    }

    private void reopen() throws IOException {
        store.close();
        store = VexStore.open(options(0));
        chunks = ChunkVectorStore.of(store);
    }

    private void write(String path, String content) throws FsException {
        write(path, content.getBytes(StandardCharsets.UTF_8));
    }

    private void write(String path, byte[] content) throws FsException {
        Handle h = path.contains("/.") ? store.open(path, true, true) : store.create(path, 0644, 0, 0);
        try {
            h.truncate(0);
            h.write(0, MemorySegment.ofArray(content));
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    /** The text file named {@code path} ("t/a.md") as the store lists it: under its text name only. */
    private VexStore.TextFile file(String path) throws FsException {
        return store.textFiles(path.split("/")[0]).stream().filter(f -> f.path().relative().equals(path))
                .findFirst().orElseThrow(() -> new AssertionError("no text file named " + path));
    }

    private List<String> textNames(String collection) throws FsException {
        return store.textFiles(collection).stream().map(f -> f.path().relative()).toList();
    }

    /** Stores {@code c} for the text file named {@code path} now, as the text module would. */
    private boolean put(String path, TextChunks c) throws FsException {
        VexStore.TextFile f = file(path);
        return chunks.put(f.node(), f.version(), collection(path), c);
    }

    private Collection collection(String path) {
        return store.collections().get(path.split("/")[0]);
    }

    private static TextChunks twoRows(float first) {
        return new TextChunks(new byte[]{1, 2, 3}, 0, "", new float[]{first, 0, 0, 1}, 2, 2);
    }

    private static TextChunks random(int rows, int dim, long seed) {
        Random r = new Random(seed);
        float[] v = new float[rows * dim];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return new TextChunks(new byte[]{(byte) seed}, 0, "", v, rows, dim);
    }

    /** The chunk set's entries of a collection: path and floats, read while pinned. */
    private record Published(String path, float[] floats) {
    }

    private List<Published> published(String collection) {
        Collection.Snapshot s = chunks.pinnedChunks(store.collections().get(collection));
        try {
            return s.entries().stream().map(e -> new Published(e.path(), e.floats())).toList();
        } finally {
            s.unpin();
        }
    }

    private List<String> paths(String collection) {
        return published(collection).stream().map(Published::path).toList();
    }

    @Test
    void putIsForOneVersionAndDiesWithIt() throws Exception {
        write("/t/a.md", "first");
        VexStore.TextFile v1 = file("t/a.md");
        assertTrue(put("t/a.md", twoRows(1)));
        assertEquals(List.of("t/a.md"), paths("t"));
        assertArrayEquals(new float[]{1, 0, 0, 1}, published("t").getFirst().floats());
        Segment segment = v1.node().chunks().floats().segment();
        long live = segment.liveBytes();
        // A new version: the old chunks go with the commit (no longer live bytes), and a late put for v1 stores nothing.
        write("/t/a.md", "second");
        assertEquals(List.of(), paths("t"));
        assertNull(v1.node().chunks());
        assertEquals(live - 16 - "first".length() + "second".length(), segment.liveBytes(),
                "the dropped chunks' 16 bytes are dead, with the old content's; the new content is live in the same segment");
        assertFalse(chunks.put(v1.node(), v1.version(), collection("t/a.md"), twoRows(1)));
        assertTrue(put("t/a.md", twoRows(2)));
        // Unlinked: gone, and a put for it stores nothing.
        VexStore.TextFile v2 = file("t/a.md");
        store.unlink("/t/a.md");
        assertEquals(List.of(), paths("t"));
        assertFalse(chunks.put(v2.node(), v2.version(), collection("t/a.md"), twoRows(3)));
        // A file that is not a text file has no text name, and nothing is stored for it.
        write("/v/x.txt", "in a collection without embed");
        assertEquals(List.of(), textNames("v"));
        store.mknod("/t/y.vec", 0100644, 0, 0, 0);
        assertEquals(List.of(), textNames("t"), "a vector file, even empty, is no text file");
    }

    @Test
    void renameMovesThemInTheSameStepAndAnotherCollectionDropsThem() throws Exception {
        write("/t/a.md", "text");
        FileNode a = file("t/a.md").node();
        long version = a.version();
        assertTrue(put("t/a.md", twoRows(1)));
        store.rename("/t/a.md", "/t/sub/b.md");
        assertEquals(List.of("t/sub/b.md"), paths("t"));
        store.rename("/t/sub", "/t/moved");
        assertEquals(List.of("t/moved/b.md"), paths("t"));
        store.rename("/t", "/renamed");
        assertEquals(List.of("renamed/moved/b.md"), paths("renamed"));
        assertEquals(version, a.version(), "a move is not a new version");
        store.rename("/renamed/moved/b.md", "/u/b.md");
        assertEquals(List.of(), paths("renamed"));
        assertEquals(List.of(), paths("u"), "another collection has no embeddings of it yet");
        assertNull(a.chunks());
        assertEquals(List.of("u/b.md"), textNames("u"));
        assertFalse(chunks.put(a, version, store.collections().get("renamed"), twoRows(1)), "not a text file of the old collection now");
        assertTrue(put("u/b.md", twoRows(4)));
        // Out of every text collection: no text file any more, chunks gone.
        store.rename("/u/b.md", "/v/b.md");
        assertEquals(List.of(), paths("u"));
        assertNull(a.textName());
        assertNull(a.chunks());
    }

    @Test
    void aHardLinkedFileIsSearchedUnderItsFirstNameInATextCollection() throws Exception {
        write("/t/b.md", "linked text");
        FileNode f = file("t/b.md").node();
        store.link("/t/b.md", "/u/c.md");
        assertEquals(List.of("t/b.md"), textNames("t"));
        assertEquals(List.of(), textNames("u"), "one text name per file");
        store.link("/t/b.md", "/t/a.md");
        assertEquals(List.of("t/a.md"), textNames("t"), "a.md comes before b.md");
        assertTrue(put("t/a.md", twoRows(5)));
        assertEquals(List.of("t/a.md"), paths("t"));
        // Its name goes: the next name in the collection takes over, with the same chunks.
        store.unlink("/t/a.md");
        assertEquals(List.of("t/b.md"), paths("t"));
        store.rename("/t/b.md", "/t/sub/z.md");
        assertEquals(List.of("t/sub/z.md"), paths("t"));
        assertArrayEquals(new float[]{5, 0, 0, 1}, published("t").getFirst().floats());
        // Its last name in the collection goes: searched in the other collection, which embeds it afresh.
        store.unlink("/t/sub/z.md");
        assertEquals(List.of(), paths("t"));
        assertEquals(List.of("u/c.md"), textNames("u"));
        assertNull(f.chunks());
        // A name that comes first again, chunks for it, then a checkpoint and a remount: the same name, the same chunks.
        store.link("/u/c.md", "/t/a2.md");
        assertEquals(List.of("t/a2.md"), textNames("t"));
        assertTrue(put("t/a2.md", twoRows(6)));
        store.checkpoint();
        reopen();
        assertEquals(List.of("t/a2.md"), textNames("t"));
        assertEquals(List.of(), textNames("u"));
        assertEquals(List.of("t/a2.md"), paths("t"));
        assertArrayEquals(new float[]{6, 0, 0, 1}, published("t").getFirst().floats());
    }

    @Test
    void replayAndCheckpointKeepThemAndNothingElse() throws Exception {
        write("/t/a.md", "kept");
        write("/t/b.md", "replaced");
        write("/t/c.md", "removed");
        write("/t/d.png", "not text");
        assertTrue(put("t/a.md", twoRows(1)));
        assertTrue(put("t/b.md", twoRows(2)));
        assertTrue(put("t/c.md", twoRows(3)));
        assertTrue(put("t/d.png", new TextChunks(new byte[]{9}, 2, "binary: a NUL byte at byte 4", new float[0], 0, 0)));
        write("/t/b.md", "new text");
        store.rename("/t/a.md", "/t/sub/a.md");
        store.unlink("/t/c.md");
        for (int round = 0; round < 2; round++) {
            reopen();
            assertEquals(List.of("t/sub/a.md"), paths("t"));
            assertArrayEquals(new float[]{1, 0, 0, 1}, published("t").getFirst().floats());
            StoredChunks a = file("t/sub/a.md").chunks();
            assertArrayEquals(new byte[]{1, 2, 3}, a.key());
            assertEquals(2, a.rows());
            assertNull(file("t/b.md").chunks());
            StoredChunks d = file("t/d.png").chunks();
            assertEquals("binary: a NUL byte at byte 4", d.reason());
            assertEquals(2, d.status());
            assertEquals(0, d.rows());
            // The second round reads them back from a checkpoint rather than the log.
            store.checkpoint();
        }
    }

    @Test
    void vectorQueriesNeverSeeChunks() throws Exception {
        write("/t/a.md", "text");
        assertTrue(put("t/a.md", twoRows(1)));
        Collection t = store.collections().get("t");
        assertEquals(0, t.vectorCount());
        assertEquals(List.of(), t.snapshot().entries());
    }

    @Test
    void largeChunkSetsGetASegmentOfTheirOwnAndARefusedOneLeavesNothing() throws Exception {
        write("/t/big.md", "a long text");
        TextChunks big = random(700, 384, 1);
        assertTrue(put("t/big.md", big));
        Segment own = file("t/big.md").chunks().floats().segment();
        assertEquals(700L * 384 * 4, own.length(), "more than 1 MiB of floats: a segment of its own");
        assertArrayEquals(big.vectors(), published("t").getFirst().floats());
        VexStore.TextFile stale = file("t/big.md");
        write("/t/big.md", "changed");
        long segmentFiles = segmentFiles();
        assertFalse(chunks.put(stale.node(), stale.version(), collection("t/big.md"), random(700, 384, 2)));
        assertEquals(segmentFiles, segmentFiles(), "the refused put's own segment is deleted");
        reopen();
        assertEquals(List.of(), paths("t"));
    }

    private long segmentFiles() throws IOException {
        try (var files = Files.list(dir.resolve("segments"))) {
            return files.count();
        }
    }

    /**
     * Reopens so that compaction takes any segment with dead bytes, stores t/a.md's chunks, then
     * writes 2 MB of files around them in their segment; {@link #removeFiller} makes those bytes
     * dead. Until then no segment has dead bytes, so the store's own checkpointer (which compacts
     * too, on its thread) cannot move the chunks before a test has looked at where they are.
     */
    private TextChunks chunksAmidFiller(long seed) throws Exception {
        TextChunks a = random(10, 384, seed);
        // The checkpointer's first pass after a reopen that replayed the log checkpoints, which
        // seals the segment being written: when that falls between the chunks and the filler (seen
        // once in a clean-clone run of .ci/run), the chunks' segment holds no filler to die. Then the
        // store is opened again.
        for (int attempt = 0; attempt < 5; attempt++) {
            store.close();
            store = VexStore.open(options(1));
            chunks = ChunkVectorStore.of(store);
            write("/t/a.md", "text");
            assertTrue(put("t/a.md", a));
            byte[] filler = new byte[50_000];
            for (int i = 0; i < 40; i++) {
                write("/v/f" + i, filler);
            }
            if (file("t/a.md").chunks().floats().segment().length() > 10L * 384 * 4 + 4) {
                break;
            }
        }
        return a;
    }

    /**
     * Checkpoints and compacts until t/a.md's chunks have left {@code first}, a bounded number of
     * times: the store's own checkpointer works on its thread meanwhile (it may compact first, or
     * hold a segment for a moment), so one call is not guaranteed to be the one that moves them.
     */
    private Segment compactUntilMoved(Segment first) throws Exception {
        Segment now = first;
        for (int attempt = 0; attempt < 50 && now == first; attempt++) {
            store.checkpoint();
            store.compact();
            now = file("t/a.md").chunks().floats().segment();
            if (now == first) {
                Thread.sleep(20);
            }
        }
        return now;
    }

    private void removeFiller() throws Exception {
        for (int i = 0; i < 40; i++) {
            store.unlink("/v/f" + i);
        }
    }

    @Test
    void compactionMovesChunkFloatsAndTheyStaySearchable() throws Exception {
        TextChunks a = chunksAmidFiller(3);
        Segment first = file("t/a.md").chunks().floats().segment();
        removeFiller();
        Segment moved = compactUntilMoved(first);
        assertNotSame(first, moved, "the mostly-dead segment is compacted: " + first + " sealed " + first.sealed() + " length "
                + first.length() + " live " + first.liveBytes() + " staging " + first.stagingRefs() + " retired " + first.isRetired());
        // The file's own four bytes may have moved into the same segment or another one.
        long fileBytesThere = file("t/a.md").node().content().spans().stream()
                .filter(span -> span.segment() == moved).mapToLong(Span::length).sum();
        assertEquals(10L * 384 * 4 + fileBytesThere, moved.liveBytes(),
                "the chunks' bytes are live in their new segment, beside whatever of the file's own is there");
        assertArrayEquals(a.vectors(), published("t").getFirst().floats());
        store.checkpoint();
        assertFalse(Files.exists(first.path()), "the old segment is deleted once retired");
        reopen();
        assertArrayEquals(a.vectors(), published("t").getFirst().floats());
    }

    @Test
    void aPinnedSearchKeepsTheOldSegmentReadableUntilItUnpins() throws Exception {
        TextChunks a = chunksAmidFiller(5);
        Segment first = file("t/a.md").chunks().floats().segment();
        // A search takes its snapshot (pinned) before compaction moves the floats and the checkpoint retires their segment.
        Collection.Snapshot during = chunks.pinnedChunks(store.collections().get("t"));
        try {
            removeFiller();
            assertNotSame(first, compactUntilMoved(first), "moved");
            store.checkpoint();
            assertTrue(first.isRetired());
            assertTrue(Files.exists(first.path()), "a pinned segment is not deleted");
            assertArrayEquals(a.vectors(), during.entries().getFirst().floats(), "the search still reads the old copy intact");
        } finally {
            during.unpin();
        }
        assertFalse(Files.exists(first.path()), "deleted when the last pin goes");
        assertArrayEquals(a.vectors(), published("t").getFirst().floats());
    }

    @Test
    void aCorruptBlockFailsTheReadOfThoseChunksOnly() throws Exception {
        write("/t/a.md", "text");
        write("/t/b.md", "more text");
        TextChunks big = random(700, 384, 4);
        assertTrue(put("t/a.md", big));
        assertTrue(put("t/b.md", twoRows(7)));
        Path segmentFile = file("t/a.md").chunks().floats().segment().path();
        reopen();
        try (FileChannel ch = FileChannel.open(segmentFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{0x55, 0x55}), 4096 + 500_000);
        }
        reopen();
        Collection.Snapshot s = chunks.pinnedChunks(store.collections().get("t"));
        try {
            SearchEntry a = s.entries().stream().filter(e -> e.path().equals("t/a.md")).findFirst().orElseThrow();
            SearchEntry b = s.entries().stream().filter(e -> e.path().equals("t/b.md")).findFirst().orElseThrow();
            assertThrows(CorruptDataException.class, a::floats);
            assertNotNull(a.copyRows(0, 1), "blocks before the bad one still read");
            assertArrayEquals(new float[]{7, 0, 0, 1}, b.floats());
        } finally {
            s.unpin();
        }
    }
}
