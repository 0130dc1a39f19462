package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.codec.VectorData;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.content.BytesContent;
import io.vexfs.core.content.FileContent;
import io.vexfs.core.content.VectorContents;
import io.vexfs.core.search.SearchEntry;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.metrics.VexGauge;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.core.storage.RecoveryReport;
import io.vexfs.core.storage.WriteAheadLog;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The filesystem without FUSE: a namespace of collections, directories and files kept in
 * memory, made durable by a write-ahead log, compacted by checkpoints.
 *
 * <p>Concurrency: readers (stat, readdir, read, search) take no lock; they read immutable values
 * behind volatile fields. Every change takes {@link #commitLock}, appends its log record and
 * applies it, so the log's order is the order changes were made in. Decoding and validating a
 * written file happens before the lock is taken.
 */
public final class VexStore implements Closeable {
    static final String SETTINGS_FILE = ".collection";
    static final String SEARCH_DIR = ".search";
    static final String SIMILAR_DIR = ".similar";

    private final StoreOptions options;
    private final WriteAheadLog wal;
    private final DirNode root;
    private final Map<String, Collection> collections = new ConcurrentHashMap<>();
    private final ReentrantLock commitLock = new ReentrantLock();
    private final VirtualFiles virtualFiles;
    private final Indexer indexer;
    private final Object compactionGuard = new Object();
    private boolean compacting;
    /** Bytes of log records that still describe live state; the rest of the log is dead. */
    private long liveLogBytes;
    private volatile boolean closed;

    private VexStore(StoreOptions options) throws IOException {
        this.options = options;
        long now = nowNs();
        this.root = new DirNode(Attributes.created(0755, (int) uid(), (int) gid(), now));
        this.virtualFiles = new VirtualFiles(this);
        this.indexer = new Indexer(options.errors());
        Files.createDirectories(options.dataDir());
        this.wal = WriteAheadLog.open(options.dataDir().resolve("wal"), options.walSegmentBytes(), this::replay);
        for (String problem : wal.report().problems()) {
            options.errors().record(options.dataDir().toString(), "EIO", "recovery", problem);
        }
        VexMetrics m = options.metrics();
        m.bind(VexGauge.VECTORS_STORED, () -> collections.values().stream().mapToLong(Collection::vectorCount).sum());
        m.bind(VexGauge.COLLECTIONS, collections::size);
        m.bind(VexGauge.SEGMENTS, () -> wal.stats().segmentCount());
    }

    public static VexStore open(StoreOptions options) throws IOException {
        return new VexStore(options);
    }

    public RecoveryReport recoveryReport() {
        return wal.report();
    }

    public VexMetrics metrics() {
        return options.metrics();
    }

    public ErrorLog errors() {
        return options.errors();
    }

    public VirtualFiles virtualFiles() {
        return virtualFiles;
    }

    /** The pool that stages what is written, for handles outside this package (query files). */
    public io.vexfs.pool.BufferPool pool() {
        return options.pool();
    }

    StoreOptions options() {
        return options;
    }

    WriteAheadLog wal() {
        return wal;
    }

    public Map<String, Collection> collections() {
        return collections;
    }

    /**
     * Waits until the background indexer has applied every change committed before the call
     * (hnsw collections only: flat ones give it nothing to do); false if {@code timeout} passed first.
     */
    public boolean awaitIndexed(java.time.Duration timeout) throws InterruptedException {
        return indexer.awaitIdle(timeout);
    }

    // ---- lookups (no lock) ----

    public StatInfo stat(String path) throws FsException {
        FsPath p = FsPath.parse(path);
        StatInfo v = virtualFiles.stat(p);
        if (v != null) {
            return v;
        }
        return StatInfo.of(require(p));
    }

    /**
     * Names in a directory, in order, without "." and "..". The dot-entries that are operations
     * (.vexfs, .collection, .search, .similar) are reachable by name but not listed, so that
     * rm -r, cp -r, find and du see only stored files.
     */
    public void list(String path, Consumer<String> names) throws FsException {
        FsPath p = FsPath.parse(path);
        if (virtualFiles.list(p, names)) {
            return;
        }
        Node n = require(p);
        if (!(n instanceof DirNode d)) {
            throw new FsException(Errno.ENOTDIR, "not a directory");
        }
        for (String name : d.children.keySet()) {
            names.accept(name);
        }
    }

    Node lookup(FsPath p) throws FsException {
        Node n = root;
        for (String part : p.parts()) {
            if (!(n instanceof DirNode d)) {
                throw new FsException(Errno.ENOTDIR, "a path component is not a directory");
            }
            n = d.children.get(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    Node require(FsPath p) throws FsException {
        Node n = lookup(p);
        if (n == null) {
            throw new FsException(Errno.ENOENT, "no such file or directory");
        }
        return n;
    }

    private DirNode requireParent(FsPath p) throws FsException {
        if (p.isRoot()) {
            throw new FsException(Errno.EEXIST, "the root exists");
        }
        Node parent = require(p.parent());
        if (!(parent instanceof DirNode d)) {
            throw new FsException(Errno.ENOTDIR, "parent is not a directory");
        }
        return d;
    }

    Collection collectionOf(FsPath p) {
        return p.depth() >= 2 ? collections.get(p.collection()) : null;
    }

    Attributes rootAttributes() {
        return root.attributes();
    }

    // ---- namespace changes ----

    public void mkdir(String path, int mode, int uid, int gid) throws FsException {
        FsPath p = FsPath.parse(path);
        checkNotReserved(p);
        Attributes a = Attributes.created(mode, uid, gid, nowNs());
        locked(() -> {
            DirNode parent = requireParent(p);
            if (parent.children.containsKey(p.name())) {
                throw new FsException(Errno.EEXIST, "already exists");
            }
            log(LogRecords.MKDIR, LogRecords.withAttributes(p, a));
            applyMkdir(p, a);
        });
    }

    public void rmdir(String path) throws FsException {
        FsPath p = FsPath.parse(path);
        checkNotReserved(p);
        locked(() -> {
            Node n = require(p);
            if (!(n instanceof DirNode d)) {
                throw new FsException(Errno.ENOTDIR, "not a directory");
            }
            if (p.isRoot()) {
                throw new FsException(Errno.EBUSY, "cannot remove the root");
            }
            if (!d.children.isEmpty()) {
                throw new FsException(Errno.ENOTEMPTY, "directory not empty");
            }
            log(LogRecords.RMDIR, LogRecords.pathOnly(p));
            applyRemove(p);
        });
    }

    public void unlink(String path) throws FsException {
        FsPath p = FsPath.parse(path);
        if (virtualFiles.unlink(p)) {
            return;
        }
        checkNotReserved(p);
        locked(() -> {
            Node n = require(p);
            if (n instanceof DirNode) {
                throw new FsException(Errno.EISDIR, "is a directory");
            }
            log(LogRecords.UNLINK, LogRecords.pathOnly(p));
            applyRemove(p);
        });
    }

    public void chmod(String path, int mode) throws FsException {
        setAttributes(path, a -> a.withMode(mode, nowNs()));
    }

    public void chown(String path, int uid, int gid) throws FsException {
        setAttributes(path, a -> a.withOwner(uid < 0 ? a.uid() : uid, gid < 0 ? a.gid() : gid, nowNs()));
    }

    /** Sets times; a negative value keeps the current one. */
    public void utimens(String path, long atimeNs, long mtimeNs) throws FsException {
        setAttributes(path, a -> a.withTimes(atimeNs < 0 ? a.atimeNs() : atimeNs, mtimeNs < 0 ? a.mtimeNs() : mtimeNs, nowNs()));
    }

    private void setAttributes(String path, java.util.function.UnaryOperator<Attributes> change) throws FsException {
        FsPath p = FsPath.parse(path);
        if (virtualFiles.stat(p) != null) {
            throw new FsException(Errno.EPERM, "control and query files have fixed attributes");
        }
        locked(() -> {
            Node n = require(p);
            Attributes a = change.apply(n.attributes());
            log(LogRecords.SETATTR, LogRecords.withAttributes(p, a));
            n.setAttributes(a);
        });
    }

    public void rename(String from, String to) throws FsException {
        FsPath src = FsPath.parse(from);
        FsPath dst = FsPath.parse(to);
        checkNotReserved(src);
        checkNotReserved(dst);
        if (src.equals(dst)) {
            return;
        }
        long now = nowNs();
        locked(() -> {
            RenamePlan plan = planRename(src, dst);
            log(LogRecords.RENAME, LogRecords.rename(src, dst, now));
            applyRename(plan, now);
        });
    }

    /** truncate(2) on a path: staged and committed like a write, so a vector file is validated. */
    public void truncate(String path, long size) throws FsException {
        Handle h = open(path, true, false);
        try {
            h.truncate(size);
            h.flush(path);
        } finally {
            h.release(path);
        }
    }

    // ---- files ----

    public Handle create(String path, int mode, int uid, int gid) throws FsException {
        FsPath p = FsPath.parse(path);
        Handle v = virtualFiles.open(p, true, true);
        if (v != null) {
            return v;
        }
        checkNotReserved(p);
        checkVectorPlacement(p);
        Attributes a = Attributes.created(mode, uid, gid, nowNs());
        FileNode node = lockedGet(() -> {
            DirNode parent = requireParent(p);
            Node existing = parent.children.get(p.name());
            if (existing instanceof DirNode) {
                throw new FsException(Errno.EISDIR, "is a directory");
            }
            if (existing instanceof FileNode f) {
                return f;
            }
            FileNode.Version empty = emptyVersion();
            logPut(p, a, empty, List.of());
            return applyPut(p, a, empty);
        });
        return new StagingHandle(this, new StoredFileSource(this, node, true), true);
    }

    /** Opens an existing file. {@code truncate}: O_TRUNC, staged so a refused write keeps the old content. */
    public Handle open(String path, boolean write, boolean truncate) throws FsException {
        FsPath p = FsPath.parse(path);
        Handle v = virtualFiles.open(p, write, truncate);
        if (v != null) {
            return v;
        }
        Node n = require(p);
        if (n instanceof DirNode) {
            throw new FsException(Errno.EISDIR, "is a directory");
        }
        return new StagingHandle(this, new StoredFileSource(this, (FileNode) n, write), truncate);
    }

    public void sync() throws FsException {
        try {
            wal.sync();
            metrics().increment(VexCounter.WAL_FSYNCS);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "log sync failed: " + e.getMessage(), e);
        }
    }

    /** Space of the filesystem holding the data directory: what df shows for the mount. */
    public FileStore dataFileStore() throws IOException {
        return Files.getFileStore(options.dataDir());
    }

    /**
     * Commits staged bytes as the new content of the file at {@code path}. Vector files are
     * decoded and validated first, outside the lock; nothing changes if they are refused.
     */
    void commit(FsPath path, FileNode node, StagedFile staged) throws FsException {
        VectorFormat format = VectorFormat.forName(path.name());
        checkVectorPlacement(path);
        FileNode.Version version;
        List<byte[]> plainChunks;
        if (format != null) {
            Collection c = collectionOf(path);
            int expectedDim = c == null ? 0 : c.settings().dim();
            VectorData data = decode(format, staged, expectedDim);
            version = new FileNode.Version(VectorContents.render(data), data, 0);
            plainChunks = List.of();
        } else {
            plainChunks = copyOut(staged);
            version = new FileNode.Version(new BytesContent(plainChunks, staged.size()), null, 0);
        }
        long now = nowNs();
        FileNode.Version committed = version;
        lockedGet(() -> {
            if (lookup(path) != node) {
                // Unlinked (or replaced) while open: like POSIX, the writes go nowhere.
                return null;
            }
            VectorData d = committed.vectors();
            Collection c = collectionOf(path);
            if (d != null && c != null && c.settings().dim() != 0 && d.rows() > 0 && d.dim() != c.settings().dim()) {
                throw new FsException(Errno.EINVAL, "", "dimension " + d.dim() + " differs from the collection's "
                        + c.settings().dim());
            }
            Attributes a = node.attributes().modified(now);
            long bytes = logPut(path, a, committed, plainChunks);
            applyPut(path, a, new FileNode.Version(committed.content(), committed.vectors(), bytes));
            return null;
        });
        if (version.vectors() != null) {
            metrics().increment(VexCounter.COMMITS);
            metrics().add(VexCounter.VECTOR_WRITES, version.vectors().rows());
        }
        if (options.syncOnClose()) {
            sync();
        }
        maybeCompact();
    }

    private static VectorData decode(VectorFormat format, StagedFile staged, int expectedDim) throws FsException {
        try (InputStream in = staged.stream()) {
            return VectorCodec.decode(format, in, staged.size(), expectedDim);
        } catch (InvalidInputException e) {
            throw FsException.invalid(e);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "reading staged bytes failed: " + e.getMessage(), e);
        }
    }

    private static List<byte[]> copyOut(StagedFile staged) {
        List<byte[]> chunks = new ArrayList<>();
        long pos = 0;
        while (pos < staged.size()) {
            byte[] c = new byte[(int) Math.min(StagedFile.BIG, staged.size() - pos)];
            staged.read(pos, MemorySegment.ofArray(c));
            chunks.add(c);
            pos += c.length;
        }
        return chunks;
    }

    static List<byte[]> chunksOf(FileContent content) {
        List<byte[]> chunks = new ArrayList<>();
        long pos = 0;
        while (pos < content.size()) {
            byte[] c = new byte[(int) Math.min(StagedFile.BIG, content.size() - pos)];
            int n = content.read(pos, MemorySegment.ofArray(c));
            if (n != c.length) {
                throw new IllegalStateException("content shorter than its size");
            }
            chunks.add(c);
            pos += c.length;
        }
        return chunks;
    }

    private static FileNode.Version emptyVersion() {
        return new FileNode.Version(BytesContent.of(new byte[0]), null, 0);
    }

    private void checkVectorPlacement(FsPath p) throws FsException {
        if (VectorFormat.forName(p.name()) != null && p.depth() < 2) {
            throw new FsException(Errno.EINVAL, "", "a vector file must be inside a collection (a top-level directory)");
        }
    }

    private void checkNotReserved(FsPath p) throws FsException {
        if (virtualFiles.isReserved(p)) {
            throw new FsException(Errno.EPERM, "'" + p.name() + "' is reserved by vexfs");
        }
    }

    // ---- settings (.collection) ----

    void writeSettings(FsPath collectionPath, String text) throws FsException {
        locked(() -> {
            Collection c = collections.get(collectionPath.collection());
            if (c == null) {
                throw new FsException(Errno.ENOENT, "no such collection");
            }
            CollectionSettings next;
            try {
                next = c.settings().apply(text, c.hasVectors());
            } catch (InvalidInputException e) {
                throw FsException.invalid(e);
            }
            log(LogRecords.SETTINGS, LogRecords.settings(collectionPath, next));
            c.setSettings(next);
        });
    }

    // ---- apply: shared by live changes and replay ----

    private void applyMkdir(FsPath p, Attributes a) {
        DirNode parent = (DirNode) lookupUnchecked(p.parent());
        parent.children.put(p.name(), new DirNode(a));
        if (p.depth() == 1) {
            collections.put(p.name(), new Collection(CollectionSettings.DEFAULT, indexer));
        }
    }

    private FileNode applyPut(FsPath p, Attributes a, FileNode.Version v) {
        DirNode parent = (DirNode) lookupUnchecked(p.parent());
        Node existing = parent.children.get(p.name());
        FileNode node;
        if (existing instanceof FileNode f) {
            node = f;
            liveLogBytes -= f.version().logBytes();
            node.setAttributes(a);
            node.setVersion(v);
        } else {
            node = new FileNode(a, v);
            parent.children.put(p.name(), node);
        }
        liveLogBytes += v.logBytes();
        index(p, node);
        return node;
    }

    /** Points the file's search entry at its current vectors and path. */
    private void index(FsPath p, FileNode node) {
        Collection c = collectionOf(p);
        VectorData d = node.version().vectors();
        SearchEntry search = null;
        if (c != null && d != null && d.rows() > 0) {
            if (c.settings().dim() == 0) {
                c.setSettings(c.settings().withDim(d.dim()));
            }
            search = new SearchEntry(p.relative(), MemorySegment.ofArray(d.values()), d.rows(), d.rows() > 1);
        }
        if (node.entry == null && search == null) {
            return;
        }
        Collection owner = node.entryOwner;
        if (owner != null && owner != c) {
            owner.replace(node.entry, null);
            node.entry = null;
        }
        node.entry = c == null ? null : c.replace(node.entry, search);
        node.entryOwner = node.entry == null ? null : c;
    }

    private void unindex(FileNode node) {
        if (node.entry != null) {
            node.entryOwner.replace(node.entry, null);
            node.entry = null;
            node.entryOwner = null;
        }
    }

    private void applyRemove(FsPath p) {
        DirNode parent = (DirNode) lookupUnchecked(p.parent());
        Node removed = parent.children.remove(p.name());
        forEachFile(removed, f -> {
            unindex(f);
            liveLogBytes -= f.version().logBytes();
        });
        if (p.depth() == 1 && removed instanceof DirNode) {
            collections.remove(p.name());
        }
    }

    private static void forEachFile(Node n, Consumer<FileNode> action) {
        if (n instanceof FileNode f) {
            action.accept(f);
        } else if (n instanceof DirNode d) {
            for (Node child : d.children.values()) {
                forEachFile(child, action);
            }
        }
    }

    private Node lookupUnchecked(FsPath p) {
        Node n = root;
        for (String part : p.parts()) {
            n = ((DirNode) n).children.get(part);
        }
        return n;
    }

    // ---- rename ----

    /** A validated rename: what moves, and for a file whose format changes, its new version. */
    private record RenamePlan(FsPath src, FsPath dst, Node node, FileNode.Version newVersion) {
    }

    private RenamePlan planRename(FsPath src, FsPath dst) throws FsException {
        Node node = require(src);
        if (src.isRoot()) {
            throw new FsException(Errno.EBUSY, "cannot move the root");
        }
        DirNode dstParent = requireParent(dst);
        Node existing = dstParent.children.get(dst.name());
        if (node instanceof DirNode) {
            if (src.contains(dst)) {
                throw new FsException(Errno.EINVAL, "cannot move a directory inside itself");
            }
            if ((src.depth() == 1) != (dst.depth() == 1)) {
                // A collection and a subdirectory are different things; mv falls back to copying.
                throw new FsException(Errno.EXDEV, "a collection cannot become a subdirectory or the reverse");
            }
            if (existing instanceof FileNode) {
                throw new FsException(Errno.ENOTDIR, "target is a file");
            }
            if (existing instanceof DirNode d && !d.children.isEmpty()) {
                throw new FsException(Errno.ENOTEMPTY, "target directory not empty");
            }
            if (src.depth() > 1 && !src.collection().equals(dst.collection())) {
                checkDimensions(node, collections.get(dst.collection()));
            }
            return new RenamePlan(src, dst, node, null);
        }
        if (existing instanceof DirNode) {
            throw new FsException(Errno.EISDIR, "target is a directory");
        }
        checkVectorPlacement(dst);
        FileNode f = (FileNode) node;
        FileNode.Version v = f.version();
        VectorFormat from = v.vectors() == null ? null : v.vectors().format();
        VectorFormat to = VectorFormat.forName(dst.name());
        FileNode.Version nv = v;
        if (to == null && from != null) {
            List<byte[]> chunks = chunksOf(v.content());
            nv = new FileNode.Version(new BytesContent(chunks, v.content().size()), null, v.logBytes());
        } else if (to != null && from != null && to != from) {
            VectorData d = VectorCodec.convert(v.vectors(), to);
            nv = new FileNode.Version(VectorContents.render(d), d, v.logBytes());
        } else if (to != null && from == null) {
            StagedFile staged = new StagedFile(options.pool());
            try {
                staged.loadFrom(v.content());
                Collection c = collectionOf(dst);
                VectorData d = decode(to, staged, c == null ? 0 : c.settings().dim());
                nv = new FileNode.Version(VectorContents.render(d), d, v.logBytes());
            } finally {
                staged.close();
            }
        }
        Collection target = collectionOf(dst);
        if (nv.vectors() != null && nv.vectors().rows() > 0 && target != collectionOf(src)) {
            int dim = target.settings().dim();
            if (dim != 0 && dim != nv.vectors().dim()) {
                throw new FsException(Errno.EINVAL, "", "dimension " + nv.vectors().dim()
                        + " differs from the target collection's " + dim);
            }
        }
        return new RenamePlan(src, dst, node, nv == v ? null : nv);
    }

    private void checkDimensions(Node subtree, Collection target) throws FsException {
        int[] dim = {target.settings().dim()};
        FsException[] refused = {null};
        forEachFile(subtree, f -> {
            VectorData d = f.version().vectors();
            if (d != null && d.rows() > 0 && refused[0] == null) {
                if (dim[0] == 0) {
                    dim[0] = d.dim();
                } else if (dim[0] != d.dim()) {
                    refused[0] = new FsException(Errno.EINVAL, "", "dimension " + d.dim()
                            + " differs from the target collection's " + dim[0]);
                }
            }
        });
        if (refused[0] != null) {
            throw refused[0];
        }
    }

    private void applyRename(RenamePlan plan, long nowNs) {
        DirNode srcParent = (DirNode) lookupUnchecked(plan.src().parent());
        DirNode dstParent = (DirNode) lookupUnchecked(plan.dst().parent());
        Node replaced = dstParent.children.get(plan.dst().name());
        if (replaced != null) {
            applyRemove(plan.dst());
        }
        srcParent.children.remove(plan.src().name());
        Node node = plan.node();
        node.setAttributes(node.attributes().withTimes(node.attributes().atimeNs(), node.attributes().mtimeNs(), nowNs));
        dstParent.children.put(plan.dst().name(), node);
        if (plan.dst().depth() == 1 && node instanceof DirNode) {
            collections.put(plan.dst().name(), collections.remove(plan.src().name()));
        }
        if (node instanceof FileNode f && plan.newVersion() != null) {
            f.setVersion(plan.newVersion());
        }
        reindex(plan.dst(), node);
    }

    private void reindex(FsPath p, Node n) {
        if (n instanceof FileNode f) {
            index(p, f);
        } else if (n instanceof DirNode d) {
            for (Map.Entry<String, Node> e : d.children.entrySet()) {
                reindex(p.child(e.getKey()), e.getValue());
            }
        }
    }

    // ---- log ----

    private void log(int type, ByteBuffer... parts) throws FsException {
        try {
            long bytes = recordSize(parts);
            wal.append(type, parts);
            metrics().add(VexCounter.WAL_BYTES, bytes);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "write-ahead log append failed: " + e.getMessage(), e);
        }
    }

    private long logPut(FsPath p, Attributes a, FileNode.Version v, List<byte[]> plainChunks) throws FsException {
        LogRecords.PutRecord put = LogRecords.put(p, a, v, plainChunks);
        long bytes = put.bytes();
        try {
            if (put.floats() == null) {
                wal.append(LogRecords.PUT, put.parts());
            } else {
                wal.appendFloats(LogRecords.PUT, put.parts()[0], put.floats());
            }
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "write-ahead log append failed: " + e.getMessage(), e);
        }
        metrics().add(VexCounter.WAL_BYTES, bytes);
        return bytes;
    }

    /** A record's size in the log: its 9-byte frame and its body. */
    private static long recordSize(ByteBuffer[] parts) {
        long n = 9;
        for (ByteBuffer b : parts) {
            n += b.remaining();
        }
        return n;
    }

    private void replay(int type, MemorySegment body) {
        LogRecords.Reader r = new LogRecords.Reader(body);
        long size = body.byteSize() + 9;
        switch (type) {
            case LogRecords.MKDIR -> {
                FsPath p = r.path();
                Attributes a = r.attributes();
                if (lookupUnchecked(p.parent()) instanceof DirNode parent && !parent.children.containsKey(p.name())) {
                    applyMkdir(p, a);
                }
                liveLogBytes += size;
            }
            case LogRecords.PUT -> {
                LogRecords.Put put = r.put();
                FileNode.Version v = put.vectors() == null
                        ? new FileNode.Version(new BytesContent(put.plain(), put.plainSize()), null, size)
                        : new FileNode.Version(VectorContents.render(put.vectors()), put.vectors(), size);
                applyPut(put.path(), put.attributes(), v);
            }
            case LogRecords.UNLINK, LogRecords.RMDIR -> applyRemove(r.path());
            case LogRecords.RENAME -> {
                FsPath src = r.path();
                FsPath dst = r.path();
                long now = r.i64();
                try {
                    applyRename(planRename(src, dst), now);
                } catch (FsException e) {
                    throw new IllegalStateException("log replay: rename " + src + " -> " + dst
                            + " no longer applies: " + e.getMessage(), e);
                }
            }
            case LogRecords.SETATTR -> {
                FsPath p = r.path();
                Attributes a = r.attributes();
                Node n = lookupUnchecked(p);
                n.setAttributes(a);
            }
            case LogRecords.SETTINGS -> {
                FsPath p = r.path();
                String text = r.text();
                Collection c = collections.get(p.collection());
                try {
                    c.setSettings(CollectionSettings.DEFAULT.apply(text, false));
                } catch (InvalidInputException e) {
                    throw new IllegalStateException("log replay: settings of " + p + ": " + e.getMessage(), e);
                }
                liveLogBytes += size;
            }
            default -> throw new IllegalStateException("log replay: unknown record type " + type);
        }
    }

    // ---- compaction ----

    /** Starts a checkpoint in the background once the dead part of the log is large enough. */
    private void maybeCompact() {
        long total = logBytes();
        long dead = total - liveLogBytes;
        if (dead < options.compactionMinDead() || dead < options.compactionDeadRatio() * total) {
            return;
        }
        synchronized (compactionGuard) {
            if (compacting || closed) {
                return;
            }
            compacting = true;
        }
        Thread.ofPlatform().name("vexfs-checkpoint").daemon(true).start(this::checkpointQuietly);
    }

    private void checkpointQuietly() {
        try {
            checkpoint();
        } catch (IOException | RuntimeException e) {
            System.err.println("vexfs: checkpoint failed: " + e);
            options.errors().record(options.dataDir().toString(), "EIO", "checkpoint", e.toString());
        } finally {
            synchronized (compactionGuard) {
                compacting = false;
                compactionGuard.notifyAll();
            }
        }
    }

    /** What a checkpoint writes for one node, captured under the lock. */
    private record Captured(FsPath path, Node node, Attributes attributes, FileNode.Version version, CollectionSettings settings) {
    }

    /**
     * Writes the live state as a checkpoint and drops the log before it. The state is captured
     * under the commit lock (references only, no copying of contents); writing happens after,
     * while readers and writers go on.
     */
    public void checkpoint() throws IOException {
        List<Captured> captured = new ArrayList<>();
        long seq;
        commitLock.lock();
        try {
            seq = wal.beginCheckpoint();
            capture(FsPath.ROOT, root, captured);
        } finally {
            commitLock.unlock();
        }
        wal.writeCheckpoint(seq, sink -> {
            for (Captured c : captured) {
                if (c.node() instanceof DirNode) {
                    sink.append(LogRecords.MKDIR, LogRecords.withAttributes(c.path(), c.attributes()));
                    if (c.settings() != null) {
                        sink.append(LogRecords.SETTINGS, LogRecords.settings(c.path(), c.settings()));
                    }
                } else {
                    FileNode.Version v = c.version();
                    List<byte[]> plain = v.vectors() == null ? chunksOf(v.content()) : List.of();
                    LogRecords.put(c.path(), c.attributes(), v, plain).appendTo(sink);
                }
            }
        });
        // liveLogBytes needs no adjustment: a record is the same size in a checkpoint as in the log.
        metrics().increment(VexCounter.COMPACTIONS);
    }

    /** Everything replay would read: the checkpoint and the log after it. */
    private long logBytes() {
        var s = wal.stats();
        return s.checkpointBytes() + s.liveLogBytes();
    }

    private void capture(FsPath p, DirNode dir, List<Captured> out) {
        for (Map.Entry<String, Node> e : dir.children.entrySet()) {
            FsPath child = p.child(e.getKey());
            Node n = e.getValue();
            if (n instanceof DirNode d) {
                Collection c = child.depth() == 1 ? collections.get(e.getKey()) : null;
                out.add(new Captured(child, n, n.attributes(), null, c == null ? null : c.settings()));
                capture(child, d, out);
            } else {
                FileNode f = (FileNode) n;
                out.add(new Captured(child, n, n.attributes(), f.version(), null));
            }
        }
    }

    // ---- plumbing ----

    interface Change {
        void run() throws FsException;
    }

    interface Producer<T> {
        T get() throws FsException;
    }

    private void locked(Change change) throws FsException {
        lockedGet(() -> {
            change.run();
            return null;
        });
    }

    private <T> T lockedGet(Producer<T> change) throws FsException {
        if (closed) {
            throw new FsException(Errno.EROFS, "the store is closed");
        }
        commitLock.lock();
        try {
            return change.get();
        } finally {
            commitLock.unlock();
        }
    }

    static long nowNs() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static long uid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    private static long gid() {
        return new com.sun.security.auth.module.UnixSystem().getGid();
    }

    /** Waits for a running checkpoint, syncs and closes the log. */
    @Override
    public void close() throws IOException {
        synchronized (compactionGuard) {
            closed = true;
            while (compacting) {
                try {
                    compactionGuard.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for a checkpoint", e);
                }
            }
        }
        commitLock.lock();
        try {
            wal.sync();
            wal.close();
        } finally {
            commitLock.unlock();
        }
        try {
            indexer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the indexer", e);
        }
    }
}
