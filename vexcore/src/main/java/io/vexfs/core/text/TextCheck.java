package io.vexfs.core.text;

import io.vexfs.core.content.FileContent;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Whether a file's content is text, judged by the content alone (not its name): valid UTF-8
 * throughout, no NUL byte, and few control characters. Read in one streaming pass that also
 * hashes the bytes, so a file of any size is checked in a fixed 64 KiB of memory.
 *
 * @param kind   what the content is
 * @param reason why it is not text (for .vexfs/stats and errors), empty when it is
 * @param key    the first 16 bytes of the content's SHA-256: which content embeddings were made from
 * @param bytes  the content's size
 */
public record TextCheck(Kind kind, String reason, byte[] key, long bytes) {
    public enum Kind {
        TEXT(0), EMPTY(1), BINARY(2), NOT_UTF8(3);

        /** The status code stored with a file's chunks (SET_CHUNKS, docs/STORAGE.md): fixed, never the ordinal. */
        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Kind of(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException("no text status " + code);
        }
    }

    private static final int BLOCK = 64 * 1024;
    /** Control characters judged over the first block: above this share the content is binary. */
    private static final double MAX_CONTROL_SHARE = 0.05;

    public boolean text() {
        return kind == Kind.TEXT;
    }

    public static TextCheck of(FileContent content) {
        long size = content.size();
        MessageDigest sha = sha256();
        if (size == 0) {
            return new TextCheck(Kind.EMPTY, "empty", key(sha), 0);
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] block = new byte[(int) Math.min(BLOCK, size)];
        // Room for a character split across two blocks.
        ByteBuffer in = ByteBuffer.allocate(block.length + 4).flip();
        CharBuffer out = CharBuffer.allocate(block.length + 4);
        String refusal = null;
        Kind kind = Kind.TEXT;
        long position = 0;
        // The content offset of in's first byte.
        long inStart = 0;
        boolean firstBlock = true;
        while (position < size) {
            int n = content.read(position, MemorySegment.ofArray(block));
            if (n <= 0) {
                throw new IllegalStateException("content shorter than its size at byte " + position);
            }
            sha.update(block, 0, n);
            for (int i = 0; refusal == null && i < n; i++) {
                if (block[i] == 0) {
                    refusal = "binary: a NUL byte at byte " + (position + i);
                    kind = Kind.BINARY;
                }
            }
            position += n;
            if (refusal != null) {
                continue;
            }
            inStart += in.position();
            in.compact().put(block, 0, n).flip();
            out.clear();
            CoderResult r = utf8.decode(in, out, position == size);
            if (r.isError()) {
                refusal = "not UTF-8: an invalid byte sequence at byte " + (inStart + in.position());
                kind = Kind.NOT_UTF8;
            } else if (firstBlock) {
                int controls = controls(out.flip());
                if (controls > MAX_CONTROL_SHARE * out.limit()) {
                    refusal = "binary: " + controls + " control characters in the first " + out.limit() + " characters";
                    kind = Kind.BINARY;
                }
            }
            firstBlock = false;
        }
        if (refusal == null && utf8.flush(out.clear()).isError()) {
            refusal = "not UTF-8: the content ends inside a character";
            kind = Kind.NOT_UTF8;
        }
        return new TextCheck(kind, refusal == null ? "" : refusal, key(sha), size);
    }

    private static int controls(CharBuffer chars) {
        int n = 0;
        for (int i = chars.position(); i < chars.limit(); i++) {
            char c = chars.get(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x0b && c != 0x1b) || c == 0x7f) {
                n++;
            }
        }
        return n;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] key(MessageDigest sha) {
        return Arrays.copyOf(sha.digest(), 16);
    }
}
