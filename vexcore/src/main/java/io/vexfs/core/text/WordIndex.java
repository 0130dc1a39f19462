package io.vexfs.core.text;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One text collection's words: a Lucene index (BM25) in its own directory under the data
 * directory. A document is one version of one file, named by a number that is never reused in the
 * index ({@code id}); it also carries the file's path in the collection and its content key, so
 * that a remount can match documents to stored files. The text itself is indexed as a stream,
 * with term frequencies but no positions (BM25 needs no more), so a huge file costs its distinct
 * words, not its length. Thread-safe: Lucene's writer takes documents from many threads at once.
 *
 * <p>Searches read a near-real-time view that is reopened when something changed since it was
 * opened, so a document added before a search starts is found by it. The index is committed
 * to disk in the background and on close; what a crash loses is redone at the next mount.
 */
final class WordIndex implements Closeable {
    static final String ID = "id";
    static final String ID_VALUE = "id_value";
    static final String PATH = "path";
    static final String KEY = "key";
    static final String BODY = "body";
    private static final FieldType BODY_TYPE = new FieldType();

    static {
        BODY_TYPE.setTokenized(true);
        BODY_TYPE.setStored(false);
        BODY_TYPE.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
        BODY_TYPE.freeze();
    }

    /** A stored document: its number, its path relative to the collection, its content key. */
    record Stored(long id, String path, byte[] key) {
    }

    /** A document found: its number and BM25 score. */
    record Found(long id, float score) {
    }

    /** English: lower case, stop words out, Porter stems; thread-safe (per-thread token streams). */
    private static final Analyzer ANALYZER = new EnglishAnalyzer();
    private final Path dir;
    private final FSDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    /** Changes made; the view is reopened when it has not seen them all. */
    private final AtomicLong changes = new AtomicLong();
    private volatile long changesSeen;

    private WordIndex(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        this.directory = FSDirectory.open(dir);
        IndexWriterConfig config = new IndexWriterConfig(ANALYZER).setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setRAMBufferSizeMB(32).setCommitOnClose(true);
        this.writer = new IndexWriter(directory, config);
        this.searchers = new SearcherManager(writer, new SearcherFactory());
    }

    /**
     * Opens (or creates) the index in {@code dir}. An index that does not open (damaged, or of
     * another format) is deleted and started empty; {@code problems} hears why, and the caller
     * re-indexes every file.
     */
    static WordIndex open(Path dir, java.util.function.Consumer<String> problems) throws IOException {
        try {
            return new WordIndex(dir);
        } catch (IOException | RuntimeException e) {
            problems.accept("the word index in " + dir + " does not open (" + e + "); it is rebuilt");
            deleteTree(dir);
            return new WordIndex(dir);
        }
    }

    Path dir() {
        return dir;
    }

    void add(long id, String path, byte[] key, Reader body) throws IOException {
        Document doc = new Document();
        doc.add(new StringField(ID, Long.toString(id), Field.Store.NO));
        doc.add(new NumericDocValuesField(ID_VALUE, id));
        doc.add(new BinaryDocValuesField(PATH, new BytesRef(path)));
        doc.add(new BinaryDocValuesField(KEY, new BytesRef(key)));
        doc.add(new Field(BODY, body, BODY_TYPE));
        writer.addDocument(doc);
        changes.incrementAndGet();
    }

    void delete(long id) throws IOException {
        writer.deleteDocuments(new Term(ID, Long.toString(id)));
        changes.incrementAndGet();
    }

    /** Records a document's new path (after a rename), so a remount matches it without re-indexing. */
    void setPath(long id, String path) throws IOException {
        writer.updateBinaryDocValue(new Term(ID, Long.toString(id)), PATH, new BytesRef(path));
        changes.incrementAndGet();
    }

    /** The words of {@code text} as the index has them (lower case, stemmed, without stop words), each once. */
    static List<String> terms(String text) {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream ts = ANALYZER.tokenStream(BODY, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken() && terms.size() < IndexSearcher.getMaxClauseCount()) {
                terms.add(term.toString());
            }
            ts.end();
        } catch (IOException e) {
            // A string reader does not fail.
            throw new UncheckedIOException(e);
        }
        return List.copyOf(terms);
    }

    /** The {@code n} best documents for any of {@code terms}, by BM25. */
    List<Found> search(List<String> terms, int n) throws IOException {
        refreshIfChanged();
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        for (String t : terms) {
            query.add(new TermQuery(new Term(BODY, t)), BooleanClause.Occur.SHOULD);
        }
        IndexSearcher searcher = searchers.acquire();
        try {
            TopDocs top = searcher.search(query.build(), n);
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            List<Found> found = new ArrayList<>(top.scoreDocs.length);
            for (ScoreDoc d : top.scoreDocs) {
                LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(d.doc, leaves));
                NumericDocValues ids = leaf.reader().getNumericDocValues(ID_VALUE);
                if (ids != null && ids.advanceExact(d.doc - leaf.docBase)) {
                    found.add(new Found(ids.longValue(), d.score));
                }
            }
            return found;
        } finally {
            searchers.release(searcher);
        }
    }

    /** Documents in the index: how many a search sees. */
    int size() throws IOException {
        refreshIfChanged();
        IndexSearcher searcher = searchers.acquire();
        try {
            return searcher.getIndexReader().numDocs();
        } finally {
            searchers.release(searcher);
        }
    }

    private void refreshIfChanged() throws IOException {
        long now = changes.get();
        if (changesSeen != now) {
            searchers.maybeRefreshBlocking();
            changesSeen = now;
        }
    }

    /** Every live document, for matching against the store at mount. */
    List<Stored> all() throws IOException {
        List<Stored> out = new ArrayList<>();
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                NumericDocValues ids = leaf.reader().getNumericDocValues(ID_VALUE);
                BinaryDocValues paths = leaf.reader().getBinaryDocValues(PATH);
                BinaryDocValues keys = leaf.reader().getBinaryDocValues(KEY);
                if (ids == null || paths == null || keys == null) {
                    continue;
                }
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if ((live != null && !live.get(doc)) || !ids.advanceExact(doc) || !paths.advanceExact(doc)
                            || !keys.advanceExact(doc)) {
                        continue;
                    }
                    BytesRef p = paths.binaryValue();
                    BytesRef k = keys.binaryValue();
                    out.add(new Stored(ids.longValue(), new String(p.bytes, p.offset, p.length, StandardCharsets.UTF_8),
                            Arrays.copyOfRange(k.bytes, k.offset, k.offset + k.length)));
                }
            }
        }
        return out;
    }

    /** Makes what was added durable, if anything was. */
    void commit() throws IOException {
        if (writer.hasUncommittedChanges()) {
            writer.commit();
        }
    }

    /** Commits and closes. */
    @Override
    public void close() throws IOException {
        try {
            searchers.close();
            writer.close();
        } finally {
            directory.close();
        }
    }

    /** Closes and removes the index from disk (its collection is gone). */
    void delete() throws IOException {
        try {
            searchers.close();
            writer.rollback();
        } finally {
            directory.close();
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
