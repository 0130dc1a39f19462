package io.vexfs.core.text;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chunks: paragraphs packed, long paragraphs split at sentences, long sentences at tokens, a cap, a stream of any size. */
class ChunkerTest {
    /** One token per word, as a fake model would count. */
    private static final Chunker.Tokens WORDS = new Chunker.Tokens() {
        @Override
        public int count(String text) {
            String t = text.strip();
            return t.isEmpty() ? 0 : t.split("\\s+").length;
        }

        @Override
        public int endOfTokens(String text, int tokens) {
            int seen = 0;
            boolean inWord = false;
            for (int i = 0; i < text.length(); i++) {
                boolean space = Character.isWhitespace(text.charAt(i));
                if (!space && !inWord && seen++ == tokens) {
                    return i;
                }
                inWord = !space;
            }
            return text.length();
        }
    };

    private static OnnxEmbedder minilm;

    @BeforeAll
    static void load() {
        minilm = OnnxEmbedder.minilm(1);
    }

    @AfterAll
    static void close() {
        minilm.close();
    }

    private static List<String> chunks(String text, int budget, int max) throws IOException {
        return new Chunker(WORDS, budget, max).chunk(new StringReader(text)).texts();
    }

    @Test
    void paragraphsArePackedWhileTheyFit() throws IOException {
        String text = "one two three\n\nfour five\n\nsix seven eight nine\n";
        assertEquals(List.of("one two three\n\nfour five", "six seven eight nine"), chunks(text, 5, 10));
        assertEquals(List.of("one two three\n\nfour five\n\nsix seven eight nine"), chunks(text, 9, 10));
    }

    @Test
    void aLongParagraphIsSplitAtSentences() throws IOException {
        String text = "The cat sat. The dog ran far away. A bird sang loudly today.";
        assertEquals(List.of("The cat sat.", "The dog ran far away.", "A bird sang loudly today."), chunks(text, 5, 10));
    }

    @Test
    void aLongSentenceIsCutBetweenTokens() throws IOException {
        String text = "a b c d e f g h i j";
        assertEquals(List.of("a b c d", "e f g h", "i j"), chunks(text, 4, 10));
    }

    @Test
    void linesOfOneParagraphStayTogetherAndBlankRunsAreIgnored() throws IOException {
        String text = "\n\n  first line\nsecond line  \n\n\n\nthird\n\n";
        assertEquals(List.of("first line\nsecond line", "third"), chunks(text, 4, 10));
    }

    @Test
    void atMostMaxChunksAndTheRestIsReportedLeftOver() throws IOException {
        String text = "a b\n\nc d\n\ne f\n\ng h\n";
        Chunker.Chunks c = new Chunker(WORDS, 2, 2).chunk(new StringReader(text));
        assertEquals(List.of("a b", "c d"), c.texts());
        assertTrue(c.truncated());
        assertFalse(new Chunker(WORDS, 2, 4).chunk(new StringReader(text)).truncated());
    }

    @Test
    void emptyAndWhitespaceGiveNoChunks() throws IOException {
        assertEquals(List.of(), chunks("", 4, 10));
        assertEquals(List.of(), chunks(" \n\t\n  \n", 4, 10));
    }

    /** An endless single line: the chunker stops at its cap having read only what those chunks need. */
    @Test
    void anEndlessStreamIsReadOnlyAsFarAsTheCap() throws IOException {
        long[] read = {0};
        Reader endless = new Reader() {
            @Override
            public int read(char[] buf, int off, int len) {
                for (int i = 0; i < len; i++) {
                    buf[off + i] = i % 6 == 5 ? ' ' : 'x';
                }
                read[0] += len;
                return len;
            }

            @Override
            public void close() {
            }
        };
        Chunker.Chunks c = new Chunker(WORDS, 100, 3).chunk(endless);
        assertEquals(3, c.texts().size());
        assertTrue(c.truncated());
        assertTrue(read[0] < 4 * Chunker.MAX_PARAGRAPH_CHARS, "read " + read[0] + " chars");
    }

    @Test
    void withTheRealTokenizerEveryChunkFitsTheModelWindow() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < 40; p++) {
            for (int s = 0; s < 3 + p % 7; s++) {
                text.append("Paragraph ").append(p).append(" sentence ").append(s)
                        .append(" talks about configuration files, daemons and unusual words like supercalifragilistic. ");
            }
            text.append(p % 5 == 0 ? "averyveryverylongtokenthatneverends".repeat(40) : "").append("\n\n");
        }
        Chunker chunker = Chunker.forModel(minilm, 1000);
        List<String> chunks = chunker.chunk(new StringReader(text.toString())).texts();
        assertTrue(chunks.size() > 10, "chunks: " + chunks.size());
        for (String chunk : chunks) {
            int tokens = minilm.countTokens(chunk);
            // Pieces are counted one by one; joined, a word piece or two may shift at a seam.
            assertTrue(tokens <= minilm.maxTokens() - 2 + 4, tokens + " tokens: " + chunk);
        }
        String joined = String.join(" ", chunks).replaceAll("\\s+", "");
        assertEquals(text.toString().replaceAll("\\s+", ""), joined, "nothing lost, nothing repeated");
    }
}
