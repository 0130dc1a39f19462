package io.vexfs.core.search;

import io.vexfs.core.kernel.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Stored rows for tests, in each kind of memory the storage may hand to search. */
public enum StoredRows {
    /** A heap segment over a float[]: what the storage gives for vectors it holds on the heap. */
    HEAP,
    /** Off-heap memory at an aligned address, like a mapped segment file. */
    NATIVE,
    /** Off-heap memory at an odd byte address: rows need not be aligned in a segment file. */
    NATIVE_UNALIGNED;

    /** The values in this kind of memory, little-endian. */
    public MemorySegment of(float[] values) {
        if (this == HEAP) {
            return MemorySegment.ofArray(values);
        }
        int shift = this == NATIVE ? 0 : 3;
        MemorySegment segment = Arena.ofAuto().allocate((long) values.length * Float.BYTES + shift, 64).asSlice(shift);
        MemorySegment.copy(values, 0, segment, VectorKernels.FLOAT_LE, 0, values.length);
        return segment;
    }

    /** A search entry over the values, in the kind of memory its path picks (so a test's collection mixes all three). */
    public static SearchEntry entry(String path, float[] values, int rows, boolean multiRow) {
        return new SearchEntry(path, values()[Math.floorMod(path.hashCode(), 3)].of(values), rows, multiRow);
    }

    /** About {@code vectors} vectors: a third in single-vector files, the rest in multi-row files of 1 to 40
     * rows, in no path order, in every kind of memory. */
    public static List<SearchEntry> randomCollection(Random random, int dim, int vectors) {
        List<SearchEntry> entries = new ArrayList<>();
        int stored = 0;
        int file = 0;
        while (stored < vectors) {
            String path = "f" + Integer.toString(random.nextInt(1_000_000), 36) + "-" + file++;
            if (random.nextInt(3) == 0) {
                entries.add(entry(path + ".vec", gaussian(random, dim), 1, false));
                stored++;
            } else {
                int rows = 1 + random.nextInt(40);
                entries.add(entry(path + ".fvecs", gaussian(random, rows * dim), rows, true));
                stored += rows;
            }
        }
        return entries;
    }

    /** {@code length} values drawn from a standard normal distribution. */
    public static float[] gaussian(Random random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
