package io.vexfs.core.index;

/** One neighbour from an index: the caller's id and the reported distance (DESIGN §3), bitwise what {@code Metric.distance} gives. */
public record IndexHit(long id, float distance) {
}
