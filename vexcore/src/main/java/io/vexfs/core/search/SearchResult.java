package io.vexfs.core.search;

import java.util.List;

/**
 * The answer to a batch: per query, up to k hits best first. The counters come from row
 * counts, not from the inner loop: {@code vectorsScanned} stored vectors were each compared
 * with every query ({@code distancesComputed} in all), in {@code passes} reads of the stored
 * vectors from memory (one per block of queries).
 */
public record SearchResult(List<List<Hit>> hits, long vectorsScanned, long distancesComputed, int passes) {
}
