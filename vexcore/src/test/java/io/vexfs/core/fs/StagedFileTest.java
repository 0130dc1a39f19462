package io.vexfs.core.fs;

import io.vexfs.core.content.BytesContent;
import io.vexfs.pool.BufferPool;
import io.vexfs.pool.Tier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Staging: random writes against a plain array model, across the chunk boundaries. */
class StagedFileTest {
    @Test
    void randomWritesTruncatesAndReadsMatchAnArray() throws IOException {
        try (BufferPool pool = BufferPool.builder().capacity(8 << 20).build()) {
            Random r = new Random(11);
            byte[] model = new byte[0];
            try (StagedFile f = new StagedFile(pool)) {
                for (int i = 0; i < 400; i++) {
                    int op = r.nextInt(10);
                    if (op < 8) {
                        long pos = r.nextInt(3 << 20);
                        byte[] data = new byte[1 + r.nextInt(70_000)];
                        r.nextBytes(data);
                        f.write(pos, MemorySegment.ofArray(data));
                        if (model.length < pos + data.length) {
                            model = Arrays.copyOf(model, (int) pos + data.length);
                        }
                        System.arraycopy(data, 0, model, (int) pos, data.length);
                    } else {
                        int size = r.nextInt(3 << 20);
                        f.truncate(size);
                        model = Arrays.copyOf(model, size);
                    }
                    assertEquals(model.length, f.size());
                }
                byte[] back = new byte[(int) f.size()];
                assertEquals(back.length, f.read(0, MemorySegment.ofArray(back)));
                assertArrayEquals(model, back);
                try (InputStream in = f.stream()) {
                    assertArrayEquals(model, in.readAllBytes());
                }
            }
            assertEquals(0, pool.stats().heldBytesInUse(), "every staging buffer went back to the pool");
        }
    }

    @Test
    void smallFilesGrowThroughTheTiers() {
        try (BufferPool pool = BufferPool.builder().capacity(8 << 20).build()) {
            try (StagedFile f = new StagedFile(pool)) {
                f.write(0, MemorySegment.ofArray(new byte[500]));
                assertEquals(1, pool.stats().tier(Tier.SMALL).slotsInUse());
                f.write(500, MemorySegment.ofArray(new byte[2000]));
                assertEquals(1, pool.stats().tier(Tier.MEDIUM).slotsInUse());
                assertEquals(0, pool.stats().tier(Tier.SMALL).slotsInUse());
                f.loadFrom(BytesContent.of(new byte[10_000]));
                assertEquals(1, pool.stats().tier(Tier.LARGE).slotsInUse());
            }
        }
    }
}
