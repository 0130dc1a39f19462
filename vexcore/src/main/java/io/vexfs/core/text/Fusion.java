package io.vexfs.core.text;

import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turning chunk hits into file rankings, and rankings into one. */
final class Fusion {
    /** The k of reciprocal rank fusion (Cormack et al.): a file at rank r adds 1 / (K + r). */
    static final int RRF_K = 60;
    private static final Comparator<Ranked> BEST_FIRST = Comparator.comparingDouble((Ranked r) -> -r.score())
            .thenComparing(Ranked::path);

    private Fusion() {
    }

    /**
     * Reciprocal rank fusion: each file scores the sum of 1 / (60 + rank) over the rankings it
     * is in (ranks from 1), best first; ties by path, so the order does not depend on map order.
     */
    static List<Ranked> reciprocalRank(List<List<Ranked>> rankings) {
        Map<String, Double> scores = new HashMap<>();
        for (List<Ranked> ranking : rankings) {
            for (int i = 0; i < ranking.size(); i++) {
                scores.merge(ranking.get(i).path(), 1.0 / (RRF_K + i + 1), Double::sum);
            }
        }
        List<Ranked> fused = new ArrayList<>(scores.size());
        scores.forEach((path, score) -> fused.add(new Ranked(path, score.floatValue())));
        fused.sort(BEST_FIRST);
        return fused;
    }

    /**
     * For each of {@code count} unit-length queries, the {@code depth} files whose best chunk is
     * most similar (dot product, which is the cosine for unit vectors), best first. Searches for
     * more chunks when the nearest ones belong to fewer files than wanted.
     */
    static List<List<Ranked>> bestPerFile(TextIndex.ExactSearch exact, List<SearchEntry> entries, int dim, float[] queries,
                                          int count, int depth) {
        List<List<Ranked>> out = new ArrayList<>(count);
        if (entries.isEmpty()) {
            for (int q = 0; q < count; q++) {
                out.add(List.of());
            }
            return out;
        }
        long rows = 0;
        for (SearchEntry e : entries) {
            rows += e.rows();
        }
        int files = entries.size();
        int want = Math.min(depth, files);
        int k = (int) Math.min(rows, Math.max(want * 4L, 16));
        List<List<Hit>> hits = exact.search(Metric.DOT, dim, k, entries, queries, count);
        for (int q = 0; q < count; q++) {
            List<Ranked> ranked = perFile(hits.get(q), want);
            int kq = k;
            while (ranked.size() < want && kq < rows) {
                kq = (int) Math.min(rows, kq * 4L);
                float[] one = java.util.Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
                ranked = perFile(exact.search(Metric.DOT, dim, kq, entries, one, 1).get(0), want);
            }
            out.add(ranked);
        }
        return out;
    }

    /** The first hit of each file, in hit order, as a similarity (minus the dot distance). */
    private static List<Ranked> perFile(List<Hit> hits, int want) {
        List<Ranked> ranked = new ArrayList<>(want);
        Set<String> seen = new HashSet<>();
        for (Hit h : hits) {
            if (seen.add(h.path())) {
                ranked.add(new Ranked(h.path(), -h.distance()));
                if (ranked.size() == want) {
                    break;
                }
            }
        }
        return ranked;
    }
}
