package io.vexfs.pool;

import java.time.Instant;
import java.util.Optional;

/**
 * A buffer that became unreachable without being released; its memory has been recovered.
 *
 * @param site the frame that called {@code acquire}, when the acquisition was sampled
 * @param requestedBytes the size that was asked for
 * @param tier the size class of the request; empty for a request larger than every tier
 * @param pooled whether the buffer was a pool slot (otherwise an outside allocation)
 * @param acquiredAt when the buffer was acquired
 * @param detectedAt when the pool found it unreachable
 */
public record LeakReport(Optional<StackTraceElement> site, long requestedBytes, Optional<Tier> tier,
                         boolean pooled, Instant acquiredAt, Instant detectedAt) {
}
