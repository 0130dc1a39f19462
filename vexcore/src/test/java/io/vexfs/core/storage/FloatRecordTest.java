package io.vexfs.core.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Records whose body ends in streamed floats: same bytes as a plain append, same recovery. */
class FloatRecordTest {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    /** Each replayed body as (head bytes, floats). */
    private static final class Bodies implements RecordVisitor {
        final List<byte[]> heads = new ArrayList<>();
        final List<float[]> floats = new ArrayList<>();

        @Override
        public void visit(int type, MemorySegment body) {
            int headLength = body.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            heads.add(body.asSlice(0, 4 + headLength).toArray(ValueLayout.JAVA_BYTE));
            float[] f = new float[(int) ((body.byteSize() - 4 - headLength) / 4)];
            MemorySegment.copy(body, FLOAT_LE, 4 + headLength, f, 0, f.length);
            floats.add(f);
        }
    }

    private static ByteBuffer head(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 + n).order(ByteOrder.LITTLE_ENDIAN).putInt(n);
        for (int i = 0; i < n; i++) {
            b.put((byte) i);
        }
        return b.flip();
    }

    private static float[] floats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = Float.intBitsToFloat(r.nextInt());
        }
        return f;
    }

    @Test
    void streamedFloatsReplayBitForBitAcrossChunkBoundaries() throws IOException {
        Random r = new Random(3);
        List<float[]> written = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, new Bodies())) {
            for (int n : new int[]{0, 1, 262_143, 262_144, 262_145, 1_000_003}) {
                float[] f = floats(r, n);
                log.appendFloats(5, head(n % 17), f);
                written.add(f);
            }
            log.append(6, head(3));
        }
        Bodies replayed = new Bodies();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, replayed)) {
            assertTrue(log.report().clean(), log.report().problems()::toString);
            for (int i = 0; i < written.size(); i++) {
                float[] expected = written.get(i);
                float[] actual = replayed.floats.get(i);
                assertEquals(expected.length, actual.length);
                for (int j = 0; j < expected.length; j++) {
                    assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(actual[j]));
                }
            }
            assertArrayEquals(head(3).array(), replayed.heads.get(written.size()));
        }
    }

    @Test
    void aStreamedRecordCutShortIsATornTail() throws IOException {
        Random r = new Random(4);
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, new Bodies())) {
            log.appendFloats(5, head(2), floats(r, 10));
            log.appendFloats(5, head(2), floats(r, 500_000));
        }
        Path segment;
        try (Stream<Path> s = Files.list(dir)) {
            segment = s.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        Bodies replayed = new Bodies();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, replayed)) {
            assertEquals(1, replayed.floats.size());
            assertTrue(log.report().problems().get(0).contains("torn tail"), log.report().problems()::toString);
        }
    }

    @Test
    void checkpointsStreamFloatsToo() throws IOException {
        Random r = new Random(5);
        float[] f = floats(r, 300_000);
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, new Bodies())) {
            long seq = log.beginCheckpoint();
            log.writeCheckpoint(seq, sink -> sink.appendFloats(5, head(1), f));
        }
        Bodies replayed = new Bodies();
        try (WriteAheadLog log = WriteAheadLog.open(dir, 64L << 20, replayed)) {
            assertTrue(log.report().clean());
            assertArrayEquals(f, replayed.floats.get(0));
        }
    }
}
