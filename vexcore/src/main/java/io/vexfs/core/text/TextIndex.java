package io.vexfs.core.text;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.content.StoredContent;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.EmbedSpec;
import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FileNode;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.FsPath;
import io.vexfs.core.fs.StoreListener;
import io.vexfs.core.fs.StoredChunks;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Text collections (DESIGN §2, §3): ordinary files searched by meaning and by words. The store
 * tells it of every change ({@link StoreListener}); it keeps a Lucene word index per text
 * collection in step with commits (a file is found by words once its commit returns) and hands
 * new versions to the {@link EmbeddingWorker}, whose chunk embeddings go into the store. At
 * attach it reconciles both with the store: documents of versions that are gone are dropped,
 * missing ones indexed, and files without stored embeddings queued; what was embedded before is
 * never embedded again.
 */
public final class TextIndex implements StoreListener, AutoCloseable {
    /** The most chunks of one file that are embedded; words cover the whole file. */
    public static final int MAX_CHUNKS_PER_FILE = 256;
    /** How deep each ranking goes before reciprocal rank fusion. */
    static final int FUSION_DEPTH = 100;
    private static final long COMMIT_EVERY_SECONDS = 5;

    /** How a text query ranks files. */
    public enum Mode {
        HYBRID, VECTOR, WORDS;

        public static Mode parse(String value) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(value)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** The words of {@code text} a search looks for (lower case, stemmed, without stop words); none: nothing to search for. */
    public static List<String> terms(String text) {
        return WordIndex.terms(text);
    }

    /** A text query and where it was written ("line 3"), for refusals. */
    public record TextQuery(String text, String where) {
    }

    /** An exact search over chunk entries with the mount's search threads (QueryEngine.searchEntries). */
    @FunctionalInterface
    public interface ExactSearch {
        List<List<Hit>> search(Metric metric, int dim, int k, List<SearchEntry> entries, float[] queries, int count);
    }

    private final VexStore store;
    private final ChunkVectorStore chunks;
    private final Path textDir;
    private final Embedders embedders;
    private final ErrorLog errors;
    private final ExactSearch exact;
    private final TextStats stats;
    private final EmbeddingWorker worker;
    /** Text collections by identity (Collection has no equals). */
    private final Map<Collection, TextCollection> collections = new ConcurrentHashMap<>();
    /** Every followed version by its file; under the store's commit lock. */
    private final Map<FileNode, TextFile> files = new IdentityHashMap<>();
    /** Word index work of changes made under the commit lock, done by the same thread after it. */
    private final ThreadLocal<List<Runnable>> outbox = ThreadLocal.withInitial(ArrayList::new);
    private final ThreadLocal<Boolean> draining = ThreadLocal.withInitial(() -> false);
    /** Opening, moving and dropping indexes, in commit order; any thread drains it under {@link #structureLock}. */
    private final ConcurrentLinkedQueue<Runnable> structure = new ConcurrentLinkedQueue<>();
    private final ReentrantLock structureLock = new ReentrantLock();
    private final ScheduledExecutorService committer;

    /**
     * Reconciles every text collection of {@code store} with its word index under
     * {@code dataDir}/text, queues what needs embedding, then listens to the store. Call before
     * the store serves anyone.
     */
    public TextIndex(VexStore store, Path dataDir, Embedders embedders, ExactSearch exact) throws IOException {
        this.store = store;
        this.chunks = ChunkVectorStore.of(store);
        this.textDir = dataDir.resolve("text");
        this.embedders = embedders;
        this.errors = store.errors();
        this.exact = exact;
        this.stats = new TextStats(this, store.metrics());
        this.worker = new EmbeddingWorker(chunks, embedders, errors, stats);
        for (Map.Entry<String, Collection> e : store.collections().entrySet()) {
            EmbedSpec spec = e.getValue().settings().embed();
            if (spec != null) {
                TextCollection tc = new TextCollection(e.getValue(), e.getKey(), spec);
                collections.put(e.getValue(), tc);
                openWords(tc);
                reconcile(tc);
            }
        }
        removeOrphanIndexes();
        store.setListener(this);
        this.committer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("vexfs-text-commit").factory());
        committer.scheduleWithFixedDelay(this::commitQuietly, COMMIT_EVERY_SECONDS, COMMIT_EVERY_SECONDS, TimeUnit.SECONDS);
        worker.start();
    }

    TextStats stats() {
        return stats;
    }

    /** The text collections, for stats. */
    java.util.Collection<TextCollection> textCollections() {
        return collections.values();
    }

    /** What .vexfs/stats shows of text collections (empty when there are none). */
    public String statsText() {
        return stats.render();
    }

    /** .vexfs/text: per text collection its embedding progress, tab-separated, for vexctl. */
    public String statusTsv() {
        return stats.renderTsv();
    }

    /** Waits until every queued version is embedded (or given up); false if {@code timeout} passed first. */
    public boolean awaitEmbedded(java.time.Duration timeout) throws InterruptedException {
        return worker.awaitIdle(timeout);
    }

    // ---- StoreListener: under the commit lock, record only ----

    @Override
    public void fileChanged(Collection collection, FsPath path, FileNode node) {
        TextCollection tc = collections.get(collection);
        TextFile before = files.get(node);
        String relative = relativeOf(path);
        if (before != null && before.owner == tc && before.version == node.version()) {
            // Renamed inside its collection (or the collection was): same content, same document, same embeddings.
            if (!before.relativePath.equals(relative)) {
                before.relativePath = relative;
                outbox.get().add(() -> recordPath(before));
            }
            return;
        }
        if (before != null) {
            retire(before);
        }
        if (tc == null) {
            return;
        }
        TextFile tf = new TextFile(tc, node, node.version(), node.content().size(), tc.nextId.getAndIncrement(), relative);
        files.put(node, tf);
        tc.byId.put(tf.id, tf);
        outbox.get().add(() -> admit(tf));
    }

    @Override
    public void fileRemoved(FileNode node) {
        TextFile tf = files.get(node);
        if (tf != null) {
            retire(tf);
        }
    }

    private void retire(TextFile tf) {
        tf.live = false;
        files.remove(tf.node);
        tf.owner.byId.remove(tf.id);
        outbox.get().add(() -> deleteWords(tf));
    }

    @Override
    public void settingsChanged(String name, Collection collection) {
        EmbedSpec spec = collection.settings().embed();
        TextCollection tc = collections.get(collection);
        if (spec != null && tc == null) {
            // The collection is empty (embed is set only then): every file it gets comes through fileChanged.
            TextCollection created = new TextCollection(collection, name, spec);
            collections.put(collection, created);
            structure.add(() -> {
                try {
                    WordIndex.deleteTree(dirOf(name));
                } catch (IOException e) {
                    errors.record(name, "EIO", "word index", "clearing an old index in " + dirOf(name) + ": " + e);
                }
                openWords(created);
            });
        } else if (spec == null && tc != null) {
            collections.remove(collection);
            structure.add(() -> dropWords(tc));
        } else if (tc != null) {
            // Only while the collection is empty (CollectionSettings refuses it otherwise).
            tc.spec = spec;
        }
    }

    @Override
    public void collectionRenamed(String from, String to, Collection collection) {
        TextCollection tc = collections.get(collection);
        if (tc != null) {
            tc.name = to;
            structure.add(() -> moveWords(tc, from, to));
        }
    }

    @Override
    public void collectionRemoved(String name, Collection collection) {
        TextCollection tc = collections.remove(collection);
        if (tc != null) {
            structure.add(() -> dropWords(tc));
        }
    }

    @Override
    public int prepareEmbedding(EmbedSpec spec) throws InvalidInputException {
        return embedders.prepare(spec);
    }

    @Override
    public void afterUnlock() {
        if (draining.get()) {
            // The worker's own store writes, or this drain's: the outer drain finishes the work.
            return;
        }
        draining.set(true);
        try {
            if (!structure.isEmpty()) {
                structureLock.lock();
                try {
                    Runnable r;
                    while ((r = structure.poll()) != null) {
                        r.run();
                    }
                } finally {
                    structureLock.unlock();
                }
            }
            List<Runnable> mine = outbox.get();
            while (!mine.isEmpty()) {
                List<Runnable> batch = new ArrayList<>(mine);
                mine.clear();
                batch.forEach(Runnable::run);
            }
        } finally {
            draining.set(false);
        }
    }

    // ---- after the lock: words and the embedding queue ----

    /** A new version: what is it, its words, and its place in the embedding queue. */
    private void admit(TextFile tf) {
        if (!tf.live) {
            return;
        }
        StoredContent content = chunks.pinned(tf.node, tf.version);
        if (content == null) {
            // Overwritten or removed since: what replaced it comes through the listener too.
            return;
        }
        try {
            TextCheck check = TextCheck.of(content);
            tf.key = check.key();
            tf.reason = check.reason();
            tf.kind = check.kind();
            if (check.text()) {
                addWords(tf, content);
            }
        } catch (RuntimeException e) {
            // A corrupt block (EIO): the file cannot be read, so it is neither indexed nor embedded.
            fail(tf, e);
            return;
        } finally {
            content.unpin();
        }
        worker.enqueue(tf);
    }

    private void fail(TextFile tf, Exception e) {
        tf.failure = e.getMessage() == null ? e.toString() : e.getMessage();
        errors.record(tf.path(), "EIO", "text", tf.failure);
    }

    /** Indexes the words of {@code content} (pinned by the caller), the version {@code tf} follows. */
    private void addWords(TextFile tf, StoredContent content) {
        if (!tf.words.compareAndSet(TextFile.Words.NEW, TextFile.Words.ADDING)) {
            return;
        }
        TextCollection tc = tf.owner;
        tc.indexLock.readLock().lock();
        try (Reader body = ContentStream.text(content)) {
            WordIndex words = tc.words;
            if (words == null) {
                tf.words.set(TextFile.Words.GONE);
                return;
            }
            words.add(tf.id, tf.relativePath, tf.key, body);
            if (!tf.words.compareAndSet(TextFile.Words.ADDING, TextFile.Words.INDEXED)) {
                // Removed while it was being added: the remover left the delete to us.
                words.delete(tf.id);
                tf.words.set(TextFile.Words.GONE);
            }
        } catch (IOException | RuntimeException e) {
            tf.words.set(TextFile.Words.FAILED);
            errors.record(tf.path(), "EIO", "word index", e.toString());
        } finally {
            tc.indexLock.readLock().unlock();
        }
    }

    private void deleteWords(TextFile tf) {
        while (true) {
            TextFile.Words state = tf.words.get();
            switch (state) {
                case NEW -> {
                    if (tf.words.compareAndSet(state, TextFile.Words.GONE)) {
                        return;
                    }
                }
                case ADDING -> {
                    if (tf.words.compareAndSet(state, TextFile.Words.DELETE_WANTED)) {
                        return;
                    }
                }
                case INDEXED -> {
                    if (tf.words.compareAndSet(state, TextFile.Words.GONE)) {
                        withWords(tf.owner, w -> w.delete(tf.id), tf.path());
                        return;
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** A renamed file's document learns its new path, so the next mount matches it without re-indexing. */
    private void recordPath(TextFile tf) {
        if (tf.live && tf.words.get() == TextFile.Words.INDEXED) {
            withWords(tf.owner, w -> w.setPath(tf.id, tf.relativePath), tf.path());
        }
    }

    private interface WordsChange {
        void apply(WordIndex words) throws IOException;
    }

    private void withWords(TextCollection tc, WordsChange change, String path) {
        tc.indexLock.readLock().lock();
        try {
            if (tc.words != null) {
                change.apply(tc.words);
            }
        } catch (IOException | RuntimeException e) {
            errors.record(path, "EIO", "word index", e.toString());
        } finally {
            tc.indexLock.readLock().unlock();
        }
    }

    // ---- word index directories ----

    private Path dirOf(String collectionName) {
        return textDir.resolve(collectionName);
    }

    private void openWords(TextCollection tc) {
        tc.indexLock.writeLock().lock();
        try {
            tc.words = WordIndex.open(dirOf(tc.name), problem -> errors.record(tc.name, "EIO", "word index", problem));
        } catch (IOException e) {
            errors.record(tc.name, "EIO", "word index", "cannot open " + dirOf(tc.name) + ": " + e);
        } finally {
            tc.indexLock.writeLock().unlock();
        }
    }

    private void moveWords(TextCollection tc, String from, String to) {
        tc.indexLock.writeLock().lock();
        try {
            if (tc.words != null) {
                tc.words.close();
            }
            WordIndex.deleteTree(dirOf(to));
            if (Files.exists(dirOf(from))) {
                Files.move(dirOf(from), dirOf(to), StandardCopyOption.ATOMIC_MOVE);
            }
            tc.words = WordIndex.open(dirOf(to), problem -> errors.record(to, "EIO", "word index", problem));
        } catch (IOException e) {
            tc.words = null;
            errors.record(to, "EIO", "word index", "moving the word index from " + from + ": " + e
                    + "; it is rebuilt at the next mount");
        } finally {
            tc.indexLock.writeLock().unlock();
        }
    }

    private void dropWords(TextCollection tc) {
        tc.indexLock.writeLock().lock();
        try {
            if (tc.words != null) {
                tc.words.delete();
                tc.words = null;
            }
        } catch (IOException e) {
            errors.record(tc.name, "EIO", "word index", "removing " + dirOf(tc.name) + ": " + e);
        } finally {
            tc.indexLock.writeLock().unlock();
        }
    }

    /** Indexes of collections that no longer exist (removed, or renamed before a crash). */
    private void removeOrphanIndexes() throws IOException {
        if (!Files.isDirectory(textDir)) {
            return;
        }
        try (var dirs = Files.list(textDir)) {
            for (Path d : dirs.toList()) {
                boolean used = collections.values().stream().anyMatch(tc -> tc.name.equals(d.getFileName().toString()));
                if (!used) {
                    WordIndex.deleteTree(d);
                }
            }
        }
    }

    // ---- reconcile: at attach, and when a collection becomes a text collection ----

    /**
     * Matches the word index with the store. A document whose (path, content key) is a stored file
     * keeps serving it; other documents are deleted; files without one are indexed now. Files
     * without stored embeddings are queued; those with them are done.
     */
    private void reconcile(TextCollection tc) {
        long started = System.nanoTime();
        int reindexed = 0;
        int queued = 0;
        int dropped = 0;
        tc.indexLock.readLock().lock();
        try {
            WordIndex words = tc.words;
            List<WordIndex.Stored> documents = words == null ? List.of() : words.all();
            Map<String, List<WordIndex.Stored>> byPath = new HashMap<>();
            long maxId = -1;
            for (WordIndex.Stored d : documents) {
                byPath.computeIfAbsent(d.path(), p -> new ArrayList<>()).add(d);
                maxId = Math.max(maxId, d.id());
            }
            tc.nextId.set(Math.max(tc.nextId.get(), maxId + 1));
            for (VexStore.TextFile s : chunks.textFiles(tc.name)) {
                FileNode node = s.node();
                String relative = relativeOf(s.path());
                StoredChunks done = s.chunks();
                TextCheck.Kind kind;
                byte[] key;
                String reason;
                if (done != null) {
                    kind = TextCheck.Kind.of(done.status());
                    key = done.key();
                    reason = done.reason();
                } else {
                    StoredContent content = chunks.pinned(node, s.version());
                    if (content == null) {
                        // Changed since the list was taken: the listener brings the new version.
                        continue;
                    }
                    TextCheck check;
                    try {
                        check = TextCheck.of(content);
                    } catch (RuntimeException e) {
                        errors.record(s.path().relative(), "EIO", "text", "reading it at attach: " + e.getMessage());
                        continue;
                    } finally {
                        content.unpin();
                    }
                    kind = check.kind();
                    key = check.key();
                    reason = check.reason();
                }
                WordIndex.Stored match = null;
                for (WordIndex.Stored d : byPath.getOrDefault(relative, List.of())) {
                    if (match == null && Arrays.equals(d.key(), key) && kind == TextCheck.Kind.TEXT) {
                        match = d;
                    }
                }
                if (match != null) {
                    byPath.get(relative).remove(match);
                }
                TextFile tf = new TextFile(tc, node, s.version(), node.content().size(),
                        match != null ? match.id() : tc.nextId.getAndIncrement(), relative);
                tf.kind = kind;
                tf.key = key;
                tf.reason = reason;
                if (match != null) {
                    tf.words.set(TextFile.Words.INDEXED);
                }
                if (done != null) {
                    tf.embedded = true;
                    tf.chunks = Math.toIntExact(done.rows());
                    tf.chunksDone = tf.chunks;
                }
                register(tc, tf);
                if (kind == TextCheck.Kind.TEXT && match == null) {
                    StoredContent content = chunks.pinned(node, s.version());
                    if (content != null) {
                        try {
                            addWords(tf, content);
                        } finally {
                            content.unpin();
                        }
                        reindexed++;
                    }
                }
                if (done == null) {
                    worker.enqueue(tf);
                    queued++;
                }
            }
            for (List<WordIndex.Stored> stale : byPath.values()) {
                for (WordIndex.Stored d : stale) {
                    if (tc.words != null) {
                        tc.words.delete(d.id());
                    }
                    dropped++;
                }
            }
            if (tc.words != null) {
                tc.words.commit();
            }
        } catch (IOException | FsException e) {
            errors.record(tc.name, "EIO", "word index", "reconciling with the store: " + e);
        } finally {
            tc.indexLock.readLock().unlock();
        }
        if (reindexed + queued + dropped > 0) {
            System.out.printf("vexfs: text %s: %d files indexed for words, %d stale documents dropped, %d files queued for"
                    + " embedding (%d ms)%n", tc.name, reindexed, dropped, queued, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** Registers a reconciled version (at attach, before the store serves anyone or calls the listener). */
    private void register(TextCollection tc, TextFile tf) {
        files.put(tf.node, tf);
        tc.byId.put(tf.id, tf);
    }

    /** "notes/sub/a.md" is "sub/a.md" in its collection. */
    private static String relativeOf(FsPath path) {
        return String.join("/", path.parts().subList(1, path.depth()));
    }

    // ---- searching ----

    /** Whether {@code collection} is a text collection this index follows. */
    public boolean follows(Collection collection) {
        return collections.containsKey(collection);
    }

    /**
     * The {@code k} best files for each query: one hit per file (its best chunk), the score in
     * {@link Hit#distance()} (higher is better): cosine similarity for {@code VECTOR}, BM25 for
     * {@code WORDS}, the reciprocal rank fusion of both for {@code HYBRID}. {@code pathPrefix}
     * ("notes/sub/", or "") limits the files. A query with no word left once stop words are
     * taken out is refused: it has nothing to search for.
     */
    public List<List<Hit>> search(Collection collection, List<TextQuery> queries, Mode mode, int k, String pathPrefix)
            throws InvalidInputException {
        TextCollection tc = collections.get(collection);
        if (tc == null) {
            throw new InvalidInputException("", "this collection has no embedding model: text queries need"
                    + " 'embed = minilm' in its .collection (set while it is empty)");
        }
        List<List<String>> terms = new ArrayList<>(queries.size());
        for (TextQuery q : queries) {
            List<String> t = WordIndex.terms(q.text());
            if (t.isEmpty()) {
                throw new InvalidInputException(q.where(), "'" + clip(q.text()) + "' has only stop words (or no words):"
                        + " nothing in it to search for; add a word that says what you are looking for");
            }
            terms.add(t);
        }
        int depth = mode == Mode.HYBRID ? Math.max(k, FUSION_DEPTH) : k;
        List<List<Ranked>> byVector = mode == Mode.WORDS ? null : vectorRankings(tc, queries, depth, pathPrefix);
        List<List<Hit>> answers = new ArrayList<>(queries.size());
        long wordsStarted = System.nanoTime();
        for (int q = 0; q < queries.size(); q++) {
            List<Ranked> byWords = mode == Mode.VECTOR ? null : wordRanking(tc, terms.get(q), depth, pathPrefix);
            List<Ranked> ranked = switch (mode) {
                case VECTOR -> byVector.get(q);
                case WORDS -> byWords;
                case HYBRID -> Fusion.reciprocalRank(List.of(byVector.get(q), byWords));
            };
            List<Hit> hits = new ArrayList<>(Math.min(k, ranked.size()));
            for (int i = 0; i < ranked.size() && i < k; i++) {
                hits.add(new Hit(ranked.get(i).score(), ranked.get(i).path(), -1));
            }
            answers.add(hits);
        }
        stats.wordsSearched(mode == Mode.VECTOR ? 0 : System.nanoTime() - wordsStarted);
        return answers;
    }

    /** Each query's files by their best chunk's cosine similarity. */
    private List<List<Ranked>> vectorRankings(TextCollection tc, List<TextQuery> queries, int depth, String pathPrefix) {
        Embedder embedder = embedders.get(tc.spec);
        List<String> texts = queries.stream().map(TextQuery::text).toList();
        long t0 = System.nanoTime();
        float[] vectors = embedQueries(embedder, texts);
        long t1 = System.nanoTime();
        stats.queriesEmbedded(texts.size(), t1 - t0);
        Collection.Snapshot snapshot = chunks.pinnedChunks(tc.collection);
        try {
            List<List<Ranked>> ranked = Fusion.bestPerFile(exact, under(snapshot.entries(), pathPrefix),
                    embedder.dim(), vectors, queries.size(), depth);
            stats.chunksSearched(System.nanoTime() - t1);
            return ranked;
        } finally {
            snapshot.unpin();
        }
    }

    /** Queries are embedded in runs of at most 64, each run spread over the embedder's threads (one unpadded ONNX call per query). */
    private static float[] embedQueries(Embedder embedder, List<String> texts) {
        final int run = 64;
        if (texts.size() <= run) {
            return embedder.embed(texts);
        }
        float[] all = new float[texts.size() * embedder.dim()];
        for (int from = 0; from < texts.size(); from += run) {
            List<String> part = texts.subList(from, Math.min(texts.size(), from + run));
            System.arraycopy(embedder.embed(part), 0, all, from * embedder.dim(), part.size() * embedder.dim());
        }
        return all;
    }

    /** The files whose words match best, by BM25, among the live versions under {@code pathPrefix}. */
    private List<Ranked> wordRanking(TextCollection tc, List<String> terms, int depth, String pathPrefix) {
        int asked = depth * 2;
        while (true) {
            List<WordIndex.Found> found;
            tc.indexLock.readLock().lock();
            try {
                if (tc.words == null) {
                    return List.of();
                }
                found = tc.words.search(terms, asked);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                tc.indexLock.readLock().unlock();
            }
            List<Ranked> ranked = new ArrayList<>(Math.min(depth, found.size()));
            for (WordIndex.Found f : found) {
                TextFile tf = tc.byId.get(f.id());
                // A document of a version overwritten or removed a moment ago is not a file any more.
                if (tf != null && tf.live) {
                    String path = tf.path();
                    if (path.startsWith(pathPrefix)) {
                        ranked.add(new Ranked(path, f.score()));
                        if (ranked.size() == depth) {
                            break;
                        }
                    }
                }
            }
            if (ranked.size() >= depth || found.size() < asked) {
                return ranked;
            }
            asked *= 4;
        }
    }

    /**
     * The files closest in meaning to the text file at {@code path} ("notes/a.md"): ranked by
     * their best chunk's similarity to the mean of its chunks. EAGAIN while it is not embedded yet.
     */
    public List<Hit> similar(Collection collection, String path, int k) throws FsException {
        TextCollection tc = collections.get(collection);
        if (tc == null) {
            throw new FsException(Errno.ENOENT, "only vector files (.vec, .fvecs, .npy) have neighbours here:"
                    + " the collection has no embedding model");
        }
        Collection.Snapshot snapshot = chunks.pinnedChunks(collection);
        try {
            SearchEntry self = null;
            for (SearchEntry e : snapshot.entries()) {
                if (e.path().equals(path)) {
                    self = e;
                    break;
                }
            }
            if (self == null) {
                return notEmbedded(tc, path);
            }
            int dim = embedders.get(tc.spec).dim();
            float[] centroid = new float[dim];
            float[] rows = self.floats();
            for (int r = 0; r < self.rows(); r++) {
                for (int d = 0; d < dim; d++) {
                    centroid[d] += rows[r * dim + d];
                }
            }
            double norm = 0;
            for (float v : centroid) {
                norm += v * v;
            }
            for (int d = 0; d < dim; d++) {
                centroid[d] /= (float) Math.sqrt(norm);
            }
            List<Ranked> ranked = Fusion.bestPerFile(exact, snapshot.entries(), dim, centroid, 1, k + 1).get(0);
            List<Hit> hits = new ArrayList<>(k);
            for (Ranked r : ranked) {
                if (!r.path().equals(path) && hits.size() < k) {
                    hits.add(new Hit(r.score(), r.path(), -1));
                }
            }
            return hits;
        } finally {
            snapshot.unpin();
        }
    }

    /** .similar of a text file without embeddings: none if it has no chunks, else why not yet (EAGAIN) or not at all. */
    private List<Hit> notEmbedded(TextCollection tc, String path) throws FsException {
        TextFile tf = null;
        for (TextFile f : tc.byId.values()) {
            if (f.live && f.path().equals(path)) {
                tf = f;
            }
        }
        if (tf == null) {
            throw new FsException(Errno.ENOENT, "no such file");
        }
        if (tf.kind != null && tf.kind != TextCheck.Kind.TEXT) {
            throw new FsException(Errno.ENOENT, "not text, so it has no neighbours by meaning: " + tf.reason);
        }
        if (tf.failure != null) {
            throw new FsException(Errno.EIO, "", "it could not be embedded: " + tf.failure);
        }
        if (tf.embedded) {
            return List.of();
        }
        throw new FsException(Errno.EAGAIN, "", "not embedded yet (see .vexfs/stats for progress); try again shortly");
    }

    /** The paths ("notes/a.md") of the ordinary files of a text collection that this index follows; empty for another collection. */
    public java.util.Set<String> textFiles(Collection collection) {
        TextCollection tc = collections.get(collection);
        if (tc == null) {
            return java.util.Set.of();
        }
        java.util.Set<String> paths = new java.util.HashSet<>();
        for (TextFile f : tc.byId.values()) {
            if (f.live) {
                paths.add(f.path());
            }
        }
        return paths;
    }

    private static List<SearchEntry> under(List<SearchEntry> entries, String pathPrefix) {
        if (pathPrefix.isEmpty()) {
            return entries;
        }
        List<SearchEntry> matching = new ArrayList<>();
        for (SearchEntry e : entries) {
            if (e.path().startsWith(pathPrefix)) {
                matching.add(e);
            }
        }
        return matching;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    // ---- lifecycle ----

    private void commitQuietly() {
        for (TextCollection tc : collections.values()) {
            withWords(tc, WordIndex::commit, tc.name);
        }
    }

    /**
     * Stops embedding (unfinished work is redone at the next mount) and commits and closes the
     * word indexes. The models stay loaded: their {@link Embedders} is the caller's to close.
     */
    @Override
    public void close() throws IOException {
        store.setListener(null);
        committer.shutdownNow();
        worker.close();
        IOException failure = null;
        for (TextCollection tc : collections.values()) {
            tc.indexLock.writeLock().lock();
            try {
                if (tc.words != null) {
                    tc.words.close();
                    tc.words = null;
                }
            } catch (IOException e) {
                failure = e;
            } finally {
                tc.indexLock.writeLock().unlock();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
