package io.vexfs.core.content;

import io.vexfs.core.storage.Segment;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A committed file's content as stored: what it reads as, and the segment spans that hold it.
 * Immutable; a commit replaces it whole. Readers pin its segments while they read.
 */
public sealed interface StoredContent extends FileContent permits ExtentContent, VectorContent {
    /** Every span the content reads from that is in a segment (an empty one is not). */
    List<Span> spans();

    /** The same content with each span replaced (by compaction, which moves bytes between segments). */
    StoredContent withSpans(UnaryOperator<Span> move);

    /**
     * Pins every segment this content reads from; false (with nothing left pinned) when one of
     * them is gone already, so the caller must take the file's current content again.
     */
    default boolean pin() {
        List<Span> spans = spans();
        for (int i = 0; i < spans.size(); i++) {
            if (!spans.get(i).segment().tryPin()) {
                for (int j = 0; j < i; j++) {
                    spans.get(j).segment().unpin();
                }
                return false;
            }
        }
        return true;
    }

    default void unpin() {
        for (Span s : spans()) {
            s.segment().unpin();
        }
    }

    /** The distinct segments of this content. */
    default List<Segment> segments() {
        return spans().stream().map(Span::segment).distinct().toList();
    }
}
