package io.vexfs.core.text;

import io.vexfs.core.content.BytesContent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Text judged by content: UTF-8 throughout, no NUL, few control characters; a key per content. */
class TextCheckTest {
    private static TextCheck check(byte[] bytes) {
        return TextCheck.of(BytesContent.of(bytes));
    }

    /** Content split into pieces of {@code piece} bytes, as large files are stored. */
    private static TextCheck check(byte[] bytes, int piece) {
        List<byte[]> chunks = new java.util.ArrayList<>();
        for (int i = 0; i < bytes.length; i += piece) {
            chunks.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece)));
        }
        return TextCheck.of(new BytesContent(chunks, bytes.length));
    }

    @Test
    void utf8TextIsText() {
        TextCheck c = check("Grüße, 世界! ☃\n\tTabs, ESC \u001b[1m bold \u001b[0m and form feeds \f too.".getBytes(StandardCharsets.UTF_8));
        assertEquals(TextCheck.Kind.TEXT, c.kind());
        assertEquals("", c.reason());
    }

    @Test
    void emptyIsEmpty() {
        assertEquals(TextCheck.Kind.EMPTY, check(new byte[0]).kind());
    }

    @Test
    void aNulByteMakesItBinaryAndSaysWhere() {
        byte[] b = "plain text then".getBytes(StandardCharsets.UTF_8);
        byte[] withNul = Arrays.copyOf(b, b.length + 3);
        TextCheck c = check(withNul);
        assertEquals(TextCheck.Kind.BINARY, c.kind());
        assertTrue(c.reason().contains("NUL byte at byte " + b.length), c.reason());
    }

    @Test
    void manyControlCharactersMakeItBinary() {
        byte[] b = new byte[1000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 3 == 0 ? 0x01 : 'a');
        }
        TextCheck c = check(b);
        assertEquals(TextCheck.Kind.BINARY, c.kind());
        assertTrue(c.reason().contains("control characters"), c.reason());
    }

    @Test
    void invalidUtf8IsRefusedAtItsByte() {
        byte[] latin1 = "café au lait".getBytes(StandardCharsets.ISO_8859_1);
        TextCheck c = check(latin1);
        assertEquals(TextCheck.Kind.NOT_UTF8, c.kind());
        assertTrue(c.reason().contains("at byte 3"), c.reason());
        byte[] cut = Arrays.copyOf("snow ☃".getBytes(StandardCharsets.UTF_8), "snow ☃".getBytes(StandardCharsets.UTF_8).length - 1);
        assertEquals(TextCheck.Kind.NOT_UTF8, check(cut).kind());
    }

    /** Characters split across the 64 KiB blocks the check reads: still text; a bad byte far in: still found. */
    @Test
    void largeContentIsCheckedWhole() {
        byte[] unit = "ü☃ab".getBytes(StandardCharsets.UTF_8);
        byte[] big = new byte[300_001 * unit.length];
        for (int i = 0; i < big.length; i += unit.length) {
            System.arraycopy(unit, 0, big, i, unit.length);
        }
        assertEquals(TextCheck.Kind.TEXT, check(big, 1 << 20).kind());
        big[big.length - 2] = (byte) 0xff;
        TextCheck c = check(big, 1 << 20);
        assertEquals(TextCheck.Kind.NOT_UTF8, c.kind());
        assertTrue(c.reason().contains("at byte " + (big.length - 2)), c.reason());
        // A bad continuation byte: the sequence it breaks is named by its first byte.
        big[big.length - 2] = 'a';
        big[big.length - 3] = (byte) 0xff;
        assertTrue(check(big, 1 << 20).reason().contains("at byte " + (big.length - 5)));
    }

    @Test
    void theKeyFollowsTheContent() {
        byte[] a = "same words".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(check(a).key(), check(a.clone(), 3).key());
        assertFalse(Arrays.equals(check(a).key(), check("same word!".getBytes(StandardCharsets.UTF_8)).key()));
        assertEquals(16, check(a).key().length);
    }
}
