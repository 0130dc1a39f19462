package io.vexfs.core.text;

import io.vexfs.core.fs.FileNode;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One version of one ordinary file of a text collection, as the text module follows it: its
 * document in the word index ({@link #id}, never reused in that index) and how far its
 * embedding has come. A new version of the file is a new TextFile; the old one is then no
 * longer {@link #live} and its document is deleted.
 */
final class TextFile {
    /**
     * Where the file's document is in the word index. The writer of a version and the remover of
     * it may run at once on different threads; these states let neither wait for the other:
     * a delete that finds the add running leaves the delete to the adder.
     */
    enum Words { NEW, ADDING, INDEXED, DELETE_WANTED, GONE, FAILED }

    final TextCollection owner;
    final FileNode node;
    /** The file's version this follows ({@link FileNode#version()}). */
    final long version;
    /** Its size, for estimates of work left. */
    final long bytes;
    final long id;
    final AtomicReference<Words> words = new AtomicReference<>(Words.NEW);
    /** The path inside the collection ("a.md", "sub/b.txt"); written under the commit lock. */
    volatile String relativePath;
    /** False once overwritten or removed: searches skip it, the embedder drops its work. */
    volatile boolean live = true;
    /** What the content is; null until checked (the committing thread checks it right after the commit). */
    volatile TextCheck.Kind kind;
    volatile String reason = "";
    volatile byte[] key;
    /** Chunks the file was cut into (-1 until chunked), chunks embedded so far, and whether its embeddings are stored. */
    volatile int chunks = -1;
    volatile int chunksDone;
    volatile boolean embedded;
    /** Why embedding failed, or null. */
    volatile String failure;

    TextFile(TextCollection owner, FileNode node, long version, long bytes, long id, String relativePath) {
        this.owner = owner;
        this.node = node;
        this.version = version;
        this.bytes = bytes;
        this.id = id;
        this.relativePath = relativePath;
    }

    /** The path as hits name it: "collection/a.md". */
    String path() {
        return owner.name + "/" + relativePath;
    }
}
