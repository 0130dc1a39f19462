package io.vexfs.core.query;

import io.vexfs.core.fs.Collection;
import io.vexfs.core.search.Metric;

import java.util.Arrays;

/**
 * What a cached answer depends on: the collection (by identity, so a collection removed and made
 * again never shares answers) at one version, the metric, k, the hnsw ef and rerank (0 for an exact search), the searched prefix and the exact
 * query floats. A commit makes a new version, so an answer cached before it is never found again.
 */
record ResultKey(Collection collection, long version, Metric metric, int k, int ef, int rerank, String prefix,
                 float[] query) {

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultKey other && collection == other.collection && version == other.version
                && metric == other.metric && k == other.k && ef == other.ef && rerank == other.rerank && prefix.equals(other.prefix)
                && Arrays.equals(query, other.query);
    }

    @Override
    public int hashCode() {
        int h = System.identityHashCode(collection);
        h = 31 * h + Long.hashCode(version);
        h = 31 * h + metric.hashCode();
        h = 31 * h + k;
        h = 31 * h + ef;
        h = 31 * h + rerank;
        h = 31 * h + prefix.hashCode();
        return 31 * h + Arrays.hashCode(query);
    }
}
