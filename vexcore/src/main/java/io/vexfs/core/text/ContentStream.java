package io.vexfs.core.text;

import io.vexfs.core.content.FileContent;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** A committed file's content read as a stream, so a file of any size is read in a small buffer. */
final class ContentStream extends InputStream {
    private final FileContent content;
    private long position;

    ContentStream(FileContent content) {
        this.content = content;
    }

    /** The content as UTF-8 text (it was checked to be UTF-8 by {@link TextCheck}). */
    static Reader text(FileContent content) {
        return new InputStreamReader(new ContentStream(content), StandardCharsets.UTF_8);
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (position >= content.size()) {
            return -1;
        }
        int n = content.read(position, MemorySegment.ofArray(b).asSlice(off, len));
        position += n;
        return n;
    }
}
