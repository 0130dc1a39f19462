package io.vexfs.core.query;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.fs.Attributes;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.CollectionSettings;
import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.FsPath;
import io.vexfs.core.fs.Handle;
import io.vexfs.core.fs.QueryFiles;
import io.vexfs.core.fs.StatInfo;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.search.Hit;
import io.vexfs.core.search.Metric;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.text.TextIndex;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A collection's .search/ and .similar/ (DESIGN §3).
 *
 * <p>.search/NAME is one query's private state: written text (or a binary batch) is searched
 * when its writer closes it, and reads return the results. Names live in a Caffeine map that
 * expires each one {@code queryTtl} after its last write or read, and lists only live ones.
 *
 * <p>.similar/PATH mirrors the collection's directories and vector files: reading a file
 * returns the neighbours of each of its rows, the row itself left out.
 */
public final class QueryNamespace implements QueryFiles {
    private static final String SEARCH_DIR = ".search";
    private static final int QUERY_MODE = 0644;
    private static final int SIMILAR_FILE_MODE = 0444;
    private static final int SEARCH_DIR_MODE = 0755;
    private static final int SIMILAR_DIR_MODE = 0555;

    private final VexStore store;
    private final QueryEngine engine;
    /** Text queries and .similar of text files; null where the node has no text module. */
    private final TextIndex text;
    private final Cache<QueryName, QueryFile> files;

    /** Without text search. */
    public QueryNamespace(VexStore store, QueryEngine engine, Duration queryTtl) {
        this(store, engine, null, queryTtl, System::nanoTime);
    }

    /** {@code clock} (nanoseconds) decides expiry; tests pass their own. {@code text}: null for none. */
    public QueryNamespace(VexStore store, QueryEngine engine, TextIndex text, Duration queryTtl, LongSupplier clock) {
        this.store = store;
        this.engine = engine;
        this.text = text;
        // The scheduler drops expired names (and their results) without waiting for the next access.
        this.files = Caffeine.newBuilder().expireAfterAccess(queryTtl).ticker(clock::getAsLong)
                .scheduler(Scheduler.systemScheduler()).build();
    }

    @Override
    public StatInfo stat(FsPath path, Collection collection, Attributes owner) throws FsException {
        boolean search = isSearch(path);
        if (path.depth() == 2) {
            return StatInfo.virtual(path, true, search ? SEARCH_DIR_MODE : SIMILAR_DIR_MODE, 4096, owner);
        }
        if (search) {
            QueryFile f = files.policy().getIfPresentQuietly(queryName(path, collection));
            if (f == null) {
                throw new FsException(Errno.ENOENT, "no such query");
            }
            return StatInfo.virtual(path, false, QUERY_MODE, f.state().results().length, owner);
        }
        FsPath target = similarTarget(path);
        StatInfo s = store.stat(target.toString());
        if (s.directory()) {
            return StatInfo.virtual(path, true, SIMILAR_DIR_MODE, s.size(), owner);
        }
        requireSimilarFile(collection, target);
        return StatInfo.virtual(path, false, SIMILAR_FILE_MODE, similar(collection, target).length, owner);
    }

    @Override
    public void list(FsPath path, Collection collection, Consumer<String> names) throws FsException {
        if (isSearch(path)) {
            TreeSet<String> live = new TreeSet<>();
            for (QueryName n : files.asMap().keySet()) {
                if (n.collection() == collection) {
                    live.add(n.name());
                }
            }
            live.forEach(names);
            return;
        }
        FsPath target = similarTarget(path);
        List<String> children = new ArrayList<>();
        store.list(target.toString(), children::add);
        Set<String> textFiles = text == null ? Set.of() : text.textFiles(collection);
        for (String child : children) {
            FsPath p = target.child(child);
            if (VectorFormat.forName(child) != null || textFiles.contains(p.relative()) || store.stat(p.toString()).directory()) {
                names.accept(child);
            }
        }
    }

    @Override
    public Handle open(FsPath path, Collection collection, boolean write, boolean truncate) throws FsException {
        if (path.depth() == 2) {
            throw new FsException(Errno.EISDIR, "is a directory");
        }
        if (isSearch(path)) {
            QueryName name = queryName(path, collection);
            QueryFile f = write ? files.get(name, n -> new QueryFile()) : files.getIfPresent(name);
            if (f == null) {
                throw new FsException(Errno.ENOENT, "no such query");
            }
            QueryHandle.Writer writer = write ? new NameWriter(name, path.collection(), f) : null;
            return new QueryHandle(f.state(), writer, () -> files.getIfPresent(name), truncate, store.pool());
        }
        if (write) {
            throw new FsException(Errno.EACCES, ".similar/ is read-only");
        }
        FsPath target = similarTarget(path);
        if (store.stat(target.toString()).directory()) {
            throw new FsException(Errno.EISDIR, "is a directory");
        }
        requireSimilarFile(collection, target);
        return new QueryHandle(QueryFile.State.of(similar(collection, target)), null, () -> { }, false, store.pool());
    }

    @Override
    public void unlink(FsPath path, Collection collection) throws FsException {
        if (files.asMap().remove(queryName(path, collection)) == null) {
            throw new FsException(Errno.ENOENT, "no such query");
        }
    }

    /** The write side of one name under .search/, for one open handle. */
    private final class NameWriter implements QueryHandle.Writer {
        private final QueryName name;
        private final String collectionName;
        private final QueryFile file;

        NameWriter(QueryName name, String collectionName, QueryFile file) {
            this.name = name;
            this.collectionName = collectionName;
            this.file = file;
        }

        @Override
        public CollectionSettings settings() {
            return name.collection().settings();
        }

        @Override
        public QueryReader reader(CollectionSettings settings) {
            return new QueryReader(name.name(), settings, dir -> isDirectory("/" + collectionName + "/" + dir));
        }

        @Override
        public QueryFile.State commit(QueryHandle.BatchSource query) throws InvalidInputException {
            Collection c = name.collection();
            // The snapshot first: a collection's dimension is set before its first vector is published.
            Collection.Snapshot snapshot = c.snapshot();
            CollectionSettings settings = c.settings();
            QueryBatch batch = query.batch(settings);
            String pathPrefix = batch.prefix().isEmpty() ? "" : collectionName + "/" + batch.prefix();
            Collection.Snapshot pinned = c.pinned(snapshot);
            List<List<Hit>> hits;
            try {
                hits = engine.search(c, pinned, settings.metric(), batch.dim(), batch.k(), batch.ef(),
                        settings.rerank(), pathPrefix, batch.vectors(), batch.count());
            } finally {
                pinned.unpin();
            }
            if (!batch.texts().isEmpty()) {
                hits = inOrder(batch, hits, searchText(c, batch, pathPrefix));
            }
            QueryFile.State results = QueryFile.State.of(ResultText.render(hits));
            publish(results);
            return results;
        }

        @Override
        public void refuse(InvalidInputException refusal) {
            publish(QueryFile.State.refused(refusal));
        }

        @Override
        public void fail(QueryFile.State failed) {
            publish(failed);
        }

        private void publish(QueryFile.State state) {
            file.set(state);
            // A commit is a write: the name's time to live starts over.
            files.getIfPresent(name);
        }
    }

    /** The text queries' answers: the third column of each hit is a score, higher is better. */
    private List<List<Hit>> searchText(Collection c, QueryBatch batch, String pathPrefix) throws InvalidInputException {
        if (text == null) {
            throw new InvalidInputException("", "this mount has no text search");
        }
        return text.search(c, batch.texts(), batch.mode(), batch.k(), pathPrefix);
    }

    /** Vector and text answers back in the order their queries were written. */
    private static List<List<Hit>> inOrder(QueryBatch batch, List<List<Hit>> vectorHits, List<List<Hit>> textHits) {
        List<List<Hit>> all = new ArrayList<>(batch.queries());
        int v = 0;
        int t = 0;
        for (boolean isText : batch.textAt()) {
            all.add(isText ? textHits.get(t++) : vectorHits.get(v++));
        }
        return all;
    }

    /** The neighbours of every row of the vector file at {@code target}, each row's own hit left out; of a text file, its own. */
    private byte[] similar(Collection c, FsPath target) throws FsException {
        if (VectorFormat.forName(target.name()) == null) {
            // A text file of a text collection (requireSimilarFile let nothing else through).
            return ResultText.render(List.of(text.similar(c, target.relative(), c.settings().k())));
        }
        Collection.Snapshot snapshot = c.pinned(c.snapshot());
        try {
            return similar(c, snapshot, target);
        } finally {
            snapshot.unpin();
        }
    }

    private byte[] similar(Collection c, Collection.Snapshot snapshot, FsPath target) throws FsException {
        CollectionSettings settings = c.settings();
        String path = target.relative();
        SearchEntry entry = null;
        for (SearchEntry e : snapshot.entries()) {
            if (e.path().equals(path)) {
                entry = e;
                break;
            }
        }
        if (entry == null) {
            return ResultText.render(List.of());
        }
        int k = settings.k();
        if ((long) entry.rows() * k > QueryReader.MAX_RESULT_LINES) {
            // A stat (ls -l) computes this too: one huge file must not start a search of hours.
            throw new FsException(Errno.EINVAL, "", entry.rows() + " rows × k = " + k + " is more than "
                    + QueryReader.MAX_RESULT_LINES + " result lines; copy fewer of its rows into a query under .search/");
        }
        int dim = settings.dim();
        float[] rows = entry.floats();
        if (settings.metric() == Metric.COSINE) {
            for (int row = 0; row < entry.rows(); row++) {
                if (Metric.isZero(rows, row * dim, dim)) {
                    throw new FsException(Errno.EINVAL, "row " + row,
                            "a zero vector has no direction, so it has no cosine neighbours");
                }
            }
        }
        List<List<Hit>> withSelf = engine.search(c, snapshot, settings.metric(), dim, k + 1, settings.ef(), settings.rerank(), "",
                rows, entry.rows());
        List<List<Hit>> hits = new ArrayList<>(withSelf.size());
        for (int row = 0; row < withSelf.size(); row++) {
            int selfRow = entry.multiRow() ? row : -1;
            List<Hit> others = new ArrayList<>(k);
            for (Hit h : withSelf.get(row)) {
                if (others.size() < k && !(h.row() == selfRow && h.path().equals(path))) {
                    others.add(h);
                }
            }
            hits.add(others);
        }
        return ResultText.render(hits);
    }

    private boolean isDirectory(String path) {
        try {
            return store.stat(path).directory();
        } catch (FsException e) {
            // ENOENT, ENOTDIR or a bad name: in each case, not a directory of the collection.
            return false;
        }
    }

    private static boolean isSearch(FsPath path) {
        return path.parts().get(1).equals(SEARCH_DIR);
    }

    /** The name of a query file; a deeper path is under a file, not a directory. */
    private QueryName queryName(FsPath path, Collection collection) throws FsException {
        QueryName name = new QueryName(collection, path.parts().get(2));
        if (path.depth() > 3) {
            throw files.policy().getIfPresentQuietly(name) == null
                    ? new FsException(Errno.ENOENT, "no such query")
                    : new FsException(Errno.ENOTDIR, "a query file is not a directory");
        }
        return name;
    }

    /** .similar/PATH of collection C mirrors C/PATH. */
    private static FsPath similarTarget(FsPath path) {
        List<String> parts = new ArrayList<>(path.depth() - 1);
        parts.add(path.parts().get(0));
        parts.addAll(path.parts().subList(2, path.depth()));
        return new FsPath(List.copyOf(parts));
    }

    /** Vector files have neighbours; so have the text files of a text collection. */
    private void requireSimilarFile(Collection c, FsPath target) throws FsException {
        if (VectorFormat.forName(target.name()) == null && (text == null || !text.follows(c))) {
            throw new FsException(Errno.ENOENT, "only vector files (.vec, .fvecs, .npy) have neighbours"
                    + " (and, in a text collection, its text files)");
        }
    }


}
