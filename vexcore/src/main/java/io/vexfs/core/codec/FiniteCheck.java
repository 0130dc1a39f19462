package io.vexfs.core.codec;

/** Finds NaN and infinity in decoded binary floats, which a vector may not hold. */
final class FiniteCheck {
    private static final int EXPONENT_MASK = 0x7f80_0000;
    private static final int EXPONENT_LSB = 0x0080_0000;
    private static final int BLOCK = 1024;

    private FiniteCheck() {
    }

    /** Index of the first NaN or infinity in values[from, to), or -1. */
    static int firstNonFinite(float[] values, int from, int to) {
        for (int block = from; block < to; block += BLOCK) {
            int end = Math.min(to, block + BLOCK);
            // Branch-free so the JIT can vectorise it: adding one to an all-ones exponent carries into the sign bit.
            int carry = 0;
            for (int i = block; i < end; i++) {
                carry |= (Float.floatToRawIntBits(values[i]) & EXPONENT_MASK) + EXPONENT_LSB;
            }
            if (carry < 0) {
                for (int i = block; i < end; i++) {
                    if (!Float.isFinite(values[i])) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
