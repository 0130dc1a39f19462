package io.vexfs.core.fs;

import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.Span;
import io.vexfs.core.content.VectorContent;
import io.vexfs.core.storage.SegmentStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every kind of change encodes and decodes to itself, with the type codes docs/STORAGE.md gives. */
class ChangeTest {
    @TempDir
    Path dir;

    private static ByteBuffer encode(Change c) {
        Change.Body body = new Change.Body();
        c.encode(body);
        return body.flip();
    }

    @Test
    void everyChangeRoundTrips() throws IOException {
        try (SegmentStore segments = SegmentStore.open(dir, 1 << 20)) {
            SegmentStore.Placed p = segments.append(MemorySegment.ofArray(new byte[48]))[0];
            Span floats = new Span(p.segment(), p.offset(), 24, p.crc(), true);
            Span text = Span.of(p.segment(), 24, 24);
            Attributes a = new Attributes(0640, 1000, 100, 1, 2, 3);
            FsPath path = FsPath.ofRelative("docs/sub/a.vec");
            List<Change> changes = List.of(
                    new Change.MakeDir(FsPath.ofRelative("docs"), 2, a),
                    new Change.MakeFile(FsPath.ofRelative("docs/n.txt"), 3, a,
                            ExtentContent.of(1L << 40, List.of(new ExtentContent.Extent(7, text)))),
                    new Change.MakeSymlink(FsPath.ofRelative("docs/l"), 4, a, "../x/y"),
                    new Change.MakeNode(FsPath.ofRelative("docs/f"), 5, a, FileType.FIFO, 0),
                    new Change.Link(3, FsPath.ofRelative("docs/n2.txt"), 9),
                    new Change.Remove(FsPath.ofRelative("docs/f"), 10),
                    new Change.Rename(path, FsPath.ofRelative("docs/a.npy"), 11,
                            new VectorContent(VectorFormat.NPY, 2, 3, floats, null, null)),
                    new Change.Rename(path, FsPath.ofRelative("docs/b.vec"), 12, null),
                    new Change.SetAttributes(3, a),
                    new Change.SetContent(6, path, a, new VectorContent(VectorFormat.VEC, 2, 3, floats, null,
                            ExtentContent.of(24, List.of(new ExtentContent.Extent(0, text))))),
                    new Change.SetContent(7, FsPath.ofRelative("docs/c.fvecs"), a,
                            new VectorContent(VectorFormat.FVECS, 0, 3, Span.EMPTY, null, null)),
                    new Change.Settings(FsPath.ofRelative("docs"), "dim = 3\nmetric = cosine\n"),
                    new Change.State(42),
                    new Change.SetChunks(6, FsPath.ofRelative("notes/sub/a.md"),
                            new StoredChunks(new byte[]{1, 2, 3}, 0, "", 2, 3, floats)),
                    new Change.SetChunks(7, FsPath.ofRelative("notes/b.png"),
                            new StoredChunks(new byte[16], 2, "binary: a NUL byte at byte 4", 0, 0, Span.EMPTY)));
            int[] codes = {1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 9, 10, 11, 12, 12};
            for (int i = 0; i < changes.size(); i++) {
                Change c = changes.get(i);
                assertEquals(codes[i], c.type(), c.toString());
                ByteBuffer bytes = encode(c);
                Change back = Change.decode(c.type(), MemorySegment.ofBuffer(bytes.duplicate()), segments::get);
                assertEquals(c.getClass(), back.getClass());
                assertEquals(bytes, encode(back), "round trip of " + c);
            }
            Change.Rename r = (Change.Rename) Change.decode(7, MemorySegment.ofBuffer(encode(changes.get(6))), segments::get);
            assertInstanceOf(VectorContent.class, r.content());
            assertEquals(2, ((VectorContent) r.content()).rows());
        }
    }

    @Test
    void aRecordWithBytesLeftOverOrAnUnknownTypeIsRefused() throws IOException {
        try (SegmentStore segments = SegmentStore.open(dir, 1 << 20)) {
            ByteBuffer b = encode(new Change.State(1));
            ByteBuffer longer = ByteBuffer.allocate(b.remaining() + 1).put(b).put((byte) 0).flip();
            assertThrows(IOException.class, () -> Change.decode(11, MemorySegment.ofBuffer(longer), segments::get));
            assertThrows(IOException.class, () -> Change.decode(99, MemorySegment.ofArray(new byte[0]), segments::get));
        }
    }
}
