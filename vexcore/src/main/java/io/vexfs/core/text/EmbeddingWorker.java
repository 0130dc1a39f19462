package io.vexfs.core.text;

import io.vexfs.core.content.StoredContent;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.TextChunks;
import io.vexfs.core.metrics.ErrorLog;

import java.io.IOException;
import java.io.Reader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The background thread that embeds new versions of text files, oldest first: it cuts each into
 * chunks, embeds chunks in batches of up to {@link #BATCH} (across files, so small files share an
 * ONNX call), and stores each file's embeddings in the store once all its chunks are done. A
 * version overwritten or removed meanwhile is dropped wherever its work stands; what the worker
 * had not finished when the mount stops is redone at the next mount (the store has nothing for it).
 * Files that are not text get a record of why, so the next mount does not read them again.
 */
final class EmbeddingWorker implements AutoCloseable {
    /** Chunks per ONNX call: past 16 the calls get no cheaper per chunk on 2 cores, and latency grows. */
    static final int BATCH = 16;

    /** A file being embedded: its chunks, and its vectors as they come. */
    private static final class Job {
        final TextFile file;
        final Embedder embedder;
        final List<String> chunks;
        final float[] vectors;
        int handedOut;
        int done;

        Job(TextFile file, Embedder embedder, List<String> chunks) {
            this.file = file;
            this.embedder = embedder;
            this.chunks = chunks;
            this.vectors = new float[chunks.size() * embedder.dim()];
        }
    }

    private static final TextFile STOP = new TextFile(null, null, -1, 0, -1, "");

    private final ChunkVectorStore store;
    private final Embedders embedders;
    private final ErrorLog errors;
    private final TextStats stats;
    private final LinkedBlockingQueue<TextFile> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Object progress = new Object();
    /** Versions queued and versions finished (stored, skipped, dropped or failed); guarded by {@link #progress}. */
    private long enqueued;
    private long finished;
    private volatile boolean stopping;

    EmbeddingWorker(ChunkVectorStore store, Embedders embedders, ErrorLog errors, TextStats stats) {
        this.store = store;
        this.embedders = embedders;
        this.errors = errors;
        this.stats = stats;
        this.thread = Thread.ofPlatform().name("vexfs-embedder").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    void enqueue(TextFile tf) {
        synchronized (progress) {
            enqueued++;
        }
        queue.add(tf);
    }

    /** Waits until every version queued before the call is finished; false if {@code timeout} passed first. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            long target = enqueued;
            while (finished < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return true;
        }
    }

    private void finished() {
        synchronized (progress) {
            finished++;
            progress.notifyAll();
        }
    }

    private void run() {
        List<Job> active = new ArrayList<>();
        try {
            while (!stopping) {
                if (active.isEmpty()) {
                    TextFile next = queue.take();
                    if (next == STOP) {
                        return;
                    }
                    begin(next, active);
                    continue;
                }
                // Fill the batch with the first job's model: more files while the queue has them.
                Embedder embedder = active.getFirst().embedder;
                while (handOutable(active, embedder) < BATCH && !queue.isEmpty()) {
                    TextFile next = queue.poll();
                    if (next == STOP) {
                        return;
                    }
                    begin(next, active);
                }
                embedBatch(active, embedder);
            }
        } catch (InterruptedException e) {
            // close() interrupts only to stop.
        }
    }

    private static int handOutable(List<Job> active, Embedder embedder) {
        int n = 0;
        for (Job j : active) {
            if (j.embedder == embedder && j.file.live) {
                n += j.chunks.size() - j.handedOut;
            }
        }
        return n;
    }

    /** Checks, chunks and queues one version; versions with nothing to embed finish here. */
    private void begin(TextFile tf, List<Job> active) {
        if (!tf.live) {
            finished();
            return;
        }
        try {
            if (tf.kind != TextCheck.Kind.TEXT) {
                put(tf, new TextChunks(tf.key, tf.kind.code(), tf.reason, new float[0], 0, 0));
                finished();
                return;
            }
            Embedder embedder = embedders.get(tf.owner.spec);
            StoredContent content = store.pinned(tf.node, tf.version);
            if (content == null) {
                // Overwritten or removed since it was queued.
                finished();
                return;
            }
            Chunker.Chunks chunks;
            try (Reader text = ContentStream.text(content)) {
                chunks = Chunker.forModel(embedder, TextIndex.MAX_CHUNKS_PER_FILE).chunk(text);
            } finally {
                content.unpin();
            }
            tf.chunks = chunks.texts().size();
            stats.chunked(tf.bytes, chunks.texts().size());
            if (chunks.texts().isEmpty()) {
                put(tf, new TextChunks(tf.key, TextCheck.Kind.TEXT.code(), "", new float[0], 0, embedder.dim()));
                finished();
                return;
            }
            active.add(new Job(tf, embedder, chunks.texts()));
        } catch (IOException | RuntimeException e) {
            fail(tf, e);
            finished();
        }
    }

    private void embedBatch(List<Job> active, Embedder embedder) {
        List<String> texts = new ArrayList<>(BATCH);
        List<Job> owners = new ArrayList<>(BATCH);
        List<Integer> rows = new ArrayList<>(BATCH);
        for (Job j : active) {
            if (j.embedder != embedder || !j.file.live) {
                continue;
            }
            while (j.handedOut < j.chunks.size() && texts.size() < BATCH) {
                texts.add(j.chunks.get(j.handedOut));
                owners.add(j);
                rows.add(j.handedOut++);
            }
        }
        if (!texts.isEmpty()) {
            long t0 = System.nanoTime();
            try {
                float[] vectors = embedder.embed(texts);
                stats.documentsEmbedded(texts.size(), System.nanoTime() - t0);
                int dim = embedder.dim();
                for (int i = 0; i < texts.size(); i++) {
                    Job j = owners.get(i);
                    System.arraycopy(vectors, i * dim, j.vectors, rows.get(i) * dim, dim);
                    j.done++;
                    j.file.chunksDone = j.done;
                }
            } catch (RuntimeException e) {
                for (Job j : owners) {
                    j.file.failure = e.getMessage();
                    j.done = -1;
                }
                errors.record(owners.getFirst().file.path(), "EIO", "embedding", e.toString());
            }
        }
        for (var it = active.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (!j.file.live) {
                it.remove();
                finished();
            } else if (j.done < 0) {
                it.remove();
                finished();
            } else if (j.done == j.chunks.size()) {
                it.remove();
                put(j.file, new TextChunks(j.file.key, TextCheck.Kind.TEXT.code(), "", j.vectors, j.chunks.size(),
                        j.embedder.dim()));
                finished();
            }
        }
    }

    /** Stores what was found for a version, unless the file has another version (or collection) by now. */
    private void put(TextFile tf, TextChunks chunks) {
        try {
            if (tf.live && store.put(tf.node, tf.version, tf.owner.collection, chunks)) {
                tf.embedded = chunks.status() == TextCheck.Kind.TEXT.code();
            }
        } catch (FsException e) {
            fail(tf, e);
        }
    }

    private void fail(TextFile tf, Exception e) {
        tf.failure = e.getMessage() == null ? e.toString() : e.getMessage();
        errors.record(tf.path(), "EIO", "embedding", tf.failure);
    }

    /** Stops the thread; unfinished work is redone at the next mount. */
    @Override
    public void close() {
        stopping = true;
        queue.clear();
        queue.add(STOP);
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
