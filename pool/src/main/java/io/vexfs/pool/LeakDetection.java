package io.vexfs.pool;

/**
 * How the pool watches for buffers that become unreachable without being released.
 *
 * <p>With {@link #SAMPLED} and {@link #ALL} every buffer is tracked, so every leak is detected
 * and its memory recovered; the modes differ only in how often the acquiring call site is
 * captured, which is the expensive part (a stack walk).
 */
public enum LeakDetection {
    /** Nothing is tracked: a leaked buffer's slot (or outside allocation) is lost for good. */
    OFF,
    /** Every buffer is tracked; the call site is captured for one acquisition in a sample interval. */
    SAMPLED,
    /** Every buffer is tracked with its call site; meant for tests. */
    ALL
}
