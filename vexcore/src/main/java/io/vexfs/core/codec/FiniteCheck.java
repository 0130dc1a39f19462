package io.vexfs.core.codec;

import java.lang.foreign.MemorySegment;

/** Finds NaN and infinity in binary floats, which a vector may not hold. */
final class FiniteCheck {
    private static final int EXPONENT_MASK = 0x7f80_0000;
    private static final int EXPONENT_LSB = 0x0080_0000;
    private static final int BLOCK = 1024;

    private FiniteCheck() {
    }

    /** Index of the first NaN or infinity among the {@code count} little-endian floats of {@code floats}, or -1. */
    static long firstNonFinite(MemorySegment floats, long count) {
        for (long block = 0; block < count; block += BLOCK) {
            long end = Math.min(count, block + BLOCK);
            // Branch-free so the JIT can vectorise it: adding one to an all-ones exponent carries into the sign bit.
            int carry = 0;
            for (long i = block; i < end; i++) {
                carry |= (floats.getAtIndex(StreamDecoder.INT_LE, i) & EXPONENT_MASK) + EXPONENT_LSB;
            }
            if (carry < 0) {
                for (long i = block; i < end; i++) {
                    if (!Float.isFinite(floats.getAtIndex(StreamDecoder.FLOAT_LE, i))) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
