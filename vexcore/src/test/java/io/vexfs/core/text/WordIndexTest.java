package io.vexfs.core.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Lucene word index: BM25 order, deletes, paths kept for remounts, stop words, a damaged index rebuilt. */
class WordIndexTest {
    @TempDir
    Path dir;

    private static final byte[] KEY = new byte[16];

    private static List<Long> ids(List<WordIndex.Found> found) {
        return found.stream().map(WordIndex.Found::id).toList();
    }

    @Test
    void bm25FindsWhatWasAddedBeforeTheSearchAndDeletesAtOnce() throws IOException {
        try (WordIndex w = WordIndex.open(dir, p -> { })) {
            w.add(1, "a.md", KEY, new StringReader("rotating log files with logrotate, logs logs logs"));
            w.add(2, "b.md", KEY, new StringReader("a long note about networks that mentions a log once among many other words"));
            w.add(3, "c.md", KEY, new StringReader("pasta recipes"));
            List<WordIndex.Found> found = w.search(WordIndex.terms("logs"), 10);
            assertEquals(List.of(1L, 2L), ids(found));
            assertTrue(found.get(0).score() > found.get(1).score());
            w.delete(1);
            assertEquals(List.of(2L), ids(w.search(WordIndex.terms("logs"), 10)));
            assertEquals(2, w.size());
        }
    }

    @Test
    void theAnalyzerStemsAndDropsStopWords() {
        assertEquals(List.of("rotat", "log"), WordIndex.terms("The rotating of the logs"));
        assertEquals(List.of(), WordIndex.terms("the of and a"));
        assertEquals(List.of(), WordIndex.terms("?? -- !!"));
    }

    @Test
    void documentsAndTheirPathsSurviveAReopen() throws IOException {
        byte[] key = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        try (WordIndex w = WordIndex.open(dir, p -> { })) {
            w.add(7, "old.md", key, new StringReader("kept words"));
            w.add(8, "gone.md", key, new StringReader("deleted words"));
            w.delete(8);
            w.setPath(7, "sub/new.md");
        }
        List<String> problems = new ArrayList<>();
        try (WordIndex w = WordIndex.open(dir, problems::add)) {
            List<WordIndex.Stored> all = w.all();
            assertEquals(1, all.size());
            assertEquals(7, all.getFirst().id());
            assertEquals("sub/new.md", all.getFirst().path());
            assertArrayEquals(key, all.getFirst().key());
            assertEquals(List.of(7L), ids(w.search(WordIndex.terms("kept"), 5)));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aDamagedIndexIsRebuiltEmptyAndSaysSo() throws IOException {
        try (WordIndex w = WordIndex.open(dir, p -> { })) {
            w.add(1, "a.md", KEY, new StringReader("words"));
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segments")).toList()) {
                Files.write(f, new byte[]{1, 2, 3});
            }
        }
        List<String> problems = new ArrayList<>();
        try (WordIndex w = WordIndex.open(dir, problems::add)) {
            assertEquals(0, w.size());
            w.add(2, "b.md", KEY, new StringReader("fresh words"));
            assertEquals(List.of(2L), ids(w.search(WordIndex.terms("fresh"), 5)));
        }
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("rebuilt"), problems.toString());
    }
}
