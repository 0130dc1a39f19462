package io.vexfs.core.text;

import io.vexfs.core.search.FlatSearch;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.search.SearchOptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reciprocal rank fusion, and chunk hits turned into one best hit per file. */
class FusionTest {
    private static final TextIndex.ExactSearch EXACT = (metric, dim, k, entries, queries, count) ->
            FlatSearch.search(metric, dim, queries, count, k, entries, SearchOptions.CALLER_THREAD).hits();

    private static Ranked r(String path) {
        return new Ranked(path, 0);
    }

    @Test
    void filesInBothRankingsRiseAndScoresAreTheReciprocalSums() {
        List<Ranked> fused = Fusion.reciprocalRank(List.of(
                List.of(r("a"), r("b"), r("c")),
                List.of(r("c"), r("d"), r("b"))));
        // c: ranks 3 and 1; b: ranks 2 and 3; a: rank 1 of one ranking; d: rank 2 of one.
        assertEquals(List.of("c", "b", "a", "d"), fused.stream().map(Ranked::path).toList());
        assertEquals(1.0 / 63 + 1.0 / 61, fused.get(0).score(), 1e-6);
        assertEquals(1.0 / 62 + 1.0 / 63, fused.get(1).score(), 1e-6);
        assertEquals(1.0 / 61, fused.get(2).score(), 1e-6);
    }

    @Test
    void tiesAreOrderedByPathAndAnEmptyRankingChangesNothing() {
        List<Ranked> fused = Fusion.reciprocalRank(List.of(List.of(r("z"), r("y")), List.of(r("y"), r("z")), List.of()));
        assertEquals(List.of("y", "z"), fused.stream().map(Ranked::path).toList());
    }

    /** Many near chunks of one file do not crowd the other files out of the ranking. */
    @Test
    void oneHitPerFileEvenWhenOneFileHasAllTheNearestChunks() {
        float[] crowd = new float[40 * 2];
        for (int i = 0; i < 40; i++) {
            crowd[2 * i] = 1;
            crowd[2 * i + 1] = 0.001f * i;
        }
        List<SearchEntry> entries = List.of(
                new SearchEntry("c/crowd.md", MemorySegment.ofArray(crowd), 40, true),
                new SearchEntry("c/far.md", MemorySegment.ofArray(new float[]{0, 1}), 1, true),
                new SearchEntry("c/near.md", MemorySegment.ofArray(new float[]{0.8f, 0.6f}), 1, true));
        List<List<Ranked>> ranked = Fusion.bestPerFile(EXACT, entries, 2, new float[]{1, 0}, 1, 3);
        assertEquals(List.of("c/crowd.md", "c/near.md", "c/far.md"), ranked.get(0).stream().map(Ranked::path).toList());
        assertEquals(1f, ranked.get(0).get(0).score(), 1e-6);
        assertEquals(0.8f, ranked.get(0).get(1).score(), 1e-6);
    }
}
