package io.vexfs.core.fs;

import io.vexfs.core.content.BytesContent;
import io.vexfs.core.content.FileContent;

import java.lang.foreign.MemorySegment;

/**
 * A generated file (control plane, .collection) as a {@link StagingHandle.Source}: its text is
 * fixed when opened so a reader sees one consistent rendering; what a writer writes goes to
 * {@code committer} (null: read-only). Reads bypass the page cache: the text changes between opens.
 */
final class TextSource implements StagingHandle.Source {
    interface Committer {
        void commit(byte[] written) throws FsException;
    }

    private final FileContent text;
    private final Committer committer;

    TextSource(byte[] text, Committer committer) {
        this.text = BytesContent.of(text);
        this.committer = committer;
    }

    @Override
    public FileContent content() {
        return text;
    }

    @Override
    public void commit(String path, StagedFile staged) throws FsException {
        byte[] written = new byte[(int) staged.size()];
        staged.read(0, MemorySegment.ofArray(written));
        committer.commit(written);
    }

    @Override
    public FsException writeRefusal() {
        return committer == null ? new FsException(Errno.EACCES, "this file is read-only") : null;
    }

    @Override
    public boolean directIo() {
        return true;
    }
}
