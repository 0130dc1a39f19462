package io.vexfs.core.text;

import java.io.IOException;
import java.io.Reader;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits text into chunks that fit an embedding model's window: whole paragraphs (lines up to a
 * blank line) packed together while they fit; a paragraph too long for one chunk is split into
 * sentences, packed the same way; a sentence too long is cut between tokens. Reads as a stream and
 * stops after {@code maxChunks}, so a file of any size costs at most one paragraph of
 * {@link #MAX_PARAGRAPH_CHARS} and the chunks it returns.
 */
public final class Chunker {
    /** A paragraph (or a line without an end) longer than this is taken in pieces of this size. */
    static final int MAX_PARAGRAPH_CHARS = 16 * 1024;

    /** How the model counts: tokens in a text, and where its first n tokens end. */
    public interface Tokens {
        int count(String text);

        /** The char index just after the first {@code tokens} tokens of {@code text}. */
        int endOfTokens(String text, int tokens);
    }

    /** The chunks, and whether text was left over after the last (the file had more than maxChunks). */
    public record Chunks(List<String> texts, boolean truncated) {
    }

    private final Tokens tokens;
    private final int budget;
    private final int maxChunks;

    /** @param budget the tokens a chunk may have, the model's special tokens not counted */
    public Chunker(Tokens tokens, int budget, int maxChunks) {
        if (budget < 1 || maxChunks < 1) {
            throw new IllegalArgumentException("budget " + budget + ", maxChunks " + maxChunks);
        }
        this.tokens = tokens;
        this.budget = budget;
        this.maxChunks = maxChunks;
    }

    /** A chunker for {@code embedder}'s window. */
    public static Chunker forModel(Embedder embedder, int maxChunks) {
        return new Chunker(new Tokens() {
            @Override
            public int count(String text) {
                return embedder.countTokens(text);
            }

            @Override
            public int endOfTokens(String text, int n) {
                return embedder.endOfTokens(text, n);
            }
        }, embedder.maxTokens() - 2, maxChunks);
    }

    public Chunks chunk(Reader in) throws IOException {
        Packer packer = new Packer();
        ParagraphReader paragraphs = new ParagraphReader(in);
        String paragraph;
        while ((paragraph = paragraphs.next()) != null) {
            if (!packer.paragraph(paragraph)) {
                return new Chunks(packer.chunks, true);
            }
        }
        packer.flush();
        return new Chunks(packer.chunks, false);
    }

    /** Builds chunks from pieces that each fit the budget. */
    private final class Packer {
        final List<String> chunks = new ArrayList<>();
        private final StringBuilder current = new StringBuilder();
        private int currentTokens;

        /** Adds a paragraph; false once maxChunks chunks are full and more text is left. */
        boolean paragraph(String p) {
            int t = tokens.count(p);
            if (t <= budget) {
                return add(p, t, "\n\n");
            }
            BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
            sentences.setText(p);
            int start = sentences.first();
            for (int end = sentences.next(); end != BreakIterator.DONE; start = end, end = sentences.next()) {
                String sentence = p.substring(start, end).strip();
                if (sentence.isEmpty()) {
                    continue;
                }
                int st = tokens.count(sentence);
                while (st > budget) {
                    int cut = tokens.endOfTokens(sentence, budget);
                    String head = sentence.substring(0, cut).strip();
                    if (!add(head, tokens.count(head), " ")) {
                        return false;
                    }
                    sentence = sentence.substring(cut).strip();
                    st = tokens.count(sentence);
                }
                if (!sentence.isEmpty() && !add(sentence, st, " ")) {
                    return false;
                }
            }
            return true;
        }

        private boolean add(String piece, int t, String separator) {
            if (current.length() > 0 && currentTokens + t > budget) {
                flush();
            }
            if (chunks.size() >= maxChunks) {
                return false;
            }
            if (current.length() > 0) {
                current.append(separator);
            }
            current.append(piece);
            currentTokens += t;
            return true;
        }

        void flush() {
            if (current.length() > 0) {
                chunks.add(current.toString());
                current.setLength(0);
                currentTokens = 0;
            }
        }
    }

    /** Paragraphs of a stream: runs of non-blank lines, each line stripped; a very long one comes in pieces. */
    private static final class ParagraphReader {
        private final Reader in;
        private final char[] buffer = new char[8192];
        private final StringBuilder line = new StringBuilder();
        private int position;
        private int limit;

        ParagraphReader(Reader in) {
            this.in = in;
        }

        /** The next paragraph (at most about 2 × MAX_PARAGRAPH_CHARS), or null at the end. */
        String next() throws IOException {
            StringBuilder p = new StringBuilder();
            while (true) {
                String l = nextLine();
                if (l == null) {
                    return p.length() > 0 ? p.toString() : null;
                }
                l = l.strip();
                if (l.isEmpty()) {
                    if (p.length() > 0) {
                        return p.toString();
                    }
                    continue;
                }
                if (p.length() > 0) {
                    p.append('\n');
                }
                p.append(l);
                if (p.length() >= MAX_PARAGRAPH_CHARS) {
                    return p.toString();
                }
            }
        }

        /** The next line without its newline (a line longer than MAX_PARAGRAPH_CHARS in pieces), or null at the end. */
        private String nextLine() throws IOException {
            line.setLength(0);
            while (line.length() < MAX_PARAGRAPH_CHARS) {
                if (position == limit) {
                    limit = in.read(buffer, 0, buffer.length);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return line.length() > 0 ? line.toString() : null;
                    }
                }
                char c = buffer[position++];
                if (c == '\n') {
                    return line.toString();
                }
                line.append(c);
            }
            return line.toString();
        }
    }
}
