package io.vexfs.core.fs;

import io.vexfs.core.codec.DecodedShape;
import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.codec.VectorStreamDecoder;
import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.Span;
import io.vexfs.core.content.StoredContent;
import io.vexfs.core.content.VecText;
import io.vexfs.core.content.VectorContent;
import io.vexfs.core.metrics.ErrorLog;
import io.vexfs.core.metrics.VexCounter;
import io.vexfs.core.metrics.VexGauge;
import io.vexfs.core.metrics.VexMetrics;
import io.vexfs.core.storage.CorruptDataException;
import io.vexfs.core.storage.RecoveryReport;
import io.vexfs.core.storage.Segment;
import io.vexfs.core.storage.SegmentStore;
import io.vexfs.core.storage.WriteAheadLog;
import io.vexfs.pool.BufferPool;
import io.vexfs.pool.PooledBuffer;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

/**
 * The filesystem without FUSE: a namespace of collections, directories and files whose bytes
 * live in memory-mapped segment files (docs/STORAGE.md), made durable by a write-ahead log of
 * {@link Change}s and bounded in replay by checkpoints.
 *
 * <p>Concurrency: readers (stat, readdir, read, search) take no lock; they read immutable values
 * behind volatile fields. Every change takes {@link #commitLock} only to check what it depends
 * on, append its small log record and apply it, so the log's order is the order of the changes.
 * Slow work (decoding, validating and storing a written file, rendering a conversion) happens
 * before the lock is taken.
 */
public final class VexStore implements Closeable {
    static final String SETTINGS_FILE = ".collection";
    static final String SEARCH_DIR = ".search";
    static final String SIMILAR_DIR = ".similar";
    /** Payloads up to this size go to the shared active segment; larger ones get a segment of their own. */
    static final long INLINE_LIMIT = 1 << 20;
    /** Capacity of the shared active segment. */
    static final long ACTIVE_SEGMENT_BYTES = 64L << 20;
    /** Pool memory one open file may stage before it spills to disk. */
    static final long STAGING_MEMORY = 1 << 20;
    /** The longest symbolic link target (PATH_MAX). */
    static final int SYMLINK_MAX = 4095;
    /** Bytes decoded or rendered per step: one pool page. */
    private static final int STEP = PageStaging.PAGE;

    private final StoreOptions options;
    private final SegmentStore segments;
    private final Namespace ns;
    private final WriteAheadLog wal;
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Serialises checkpoints and compactions; never held by a reader or a writer of files. */
    private final ReentrantLock checkpointLock = new ReentrantLock();
    private final VirtualFiles virtualFiles;
    private final Indexer indexer;
    private final Checkpointer checkpointer;
    private final List<String> recoveryProblems = new ArrayList<>();
    private volatile boolean closed;
    /** The text module, told of changes to keep its indexes in step; null until it attaches. */
    private volatile StoreListener listener;

    private VexStore(StoreOptions options) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException("vexfs stores little-endian floats and needs a little-endian machine");
        }
        this.options = options;
        this.virtualFiles = new VirtualFiles(this);
        this.indexer = new Indexer(options.errors(), options.dataDir());
        Files.createDirectories(options.dataDir());
        java.nio.file.Path formatOne = DataDirectory.prepare(options.dataDir());
        this.segments = SegmentStore.open(options.dataDir().resolve(DataDirectory.SEGMENTS), ACTIVE_SEGMENT_BYTES);
        this.ns = new Namespace(Attributes.created(0755, (int) uid(), (int) gid(), nowNs()), indexer);
        this.wal = WriteAheadLog.open(options.dataDir().resolve(DataDirectory.WAL), options.walSegmentBytes(),
                (type, body) -> ns.apply(Change.decode(type, body, segments::get)));
        finishRecovery();
        indexer.start(ns.collections());
        for (String problem : wal.report().problems()) {
            recoveryProblems.add(problem);
        }
        for (String problem : recoveryProblems) {
            options.errors().record(options.dataDir().toString(), "EIO", "recovery", problem);
        }
        VexMetrics m = options.metrics();
        m.bind(VexGauge.VECTORS_STORED, () -> ns.collections().values().stream().mapToLong(Collection::vectorCount).sum());
        m.bind(VexGauge.COLLECTIONS, () -> ns.collections().size());
        m.bind(VexGauge.SEGMENTS, () -> segments.segments().size());
        m.bind(VexGauge.DATA_BYTES, () -> segments.segments().stream().mapToLong(Segment::length).sum());
        m.bind(VexGauge.LIVE_BYTES, () -> segments.segments().stream().mapToLong(Segment::liveBytes).sum());
        this.checkpointer = new Checkpointer(this, options);
        if (formatOne != null) {
            long imported = FormatOneImport.run(this, formatOne, options.walSegmentBytes());
            checkpoint();
            DataDirectory.markCurrent(options.dataDir());
            java.nio.file.Path kept = DataDirectory.keepFormatOne(options.dataDir());
            recoveryProblems.add("converted a format 1 data directory (" + imported + " records) to format "
                    + DataDirectory.FORMAT + "; the old log is kept in " + kept + " and can be deleted");
        }
        DataDirectory.markCurrent(options.dataDir());
        checkpointer.start();
    }

    public static VexStore open(StoreOptions options) throws IOException {
        return new VexStore(options);
    }

    /**
     * After replay: a segment the process was appending to when it stopped has no footer. It is
     * sealed at the end of what the log references; a payload whose own checksum fails (torn by a
     * power cut) is marked so that reading it fails instead of returning garbage. Segment files
     * nothing references are deleted.
     */
    private void finishRecovery() throws IOException {
        Map<Segment, long[]> ends = new IdentityHashMap<>();
        Map<Segment, List<long[]>> bad = new IdentityHashMap<>();
        ns.walk(FsPath.ROOT, ns.root(), (path, node) -> {
            if (node instanceof FileNode f) {
                for (Span s : spansOf(f)) {
                    if (!s.segment().unsealedAtStart()) {
                        continue;
                    }
                    long[] end = ends.computeIfAbsent(s.segment(), k -> new long[1]);
                    end[0] = Math.max(end[0], s.offset() + s.length());
                    if (s.hasCrc() && !crcMatches(s)) {
                        bad.computeIfAbsent(s.segment(), k -> new ArrayList<>()).add(new long[]{s.offset(), s.length()});
                        recoveryProblems.add(path + ": its data in " + s.segment() + " at " + s.offset()
                                + " was torn by a crash; reading it fails with EIO");
                    }
                }
            }
        });
        for (Segment s : List.copyOf(segments.segments())) {
            if (s.unsealedAtStart()) {
                long[] end = ends.get(s);
                segments.sealRecovered(s, end == null ? 0 : Math.min(end[0], s.length()), bad.getOrDefault(s, List.of()));
            }
        }
        for (var p : segments.deleteUnopened()) {
            recoveryProblems.add(p.getFileName() + ": no record referenced it (left by a crash); deleted");
        }
    }

    /** Every span a file references: its content's, and its chunk embeddings'. */
    private static List<Span> spansOf(FileNode f) {
        StoredChunks chunks = f.chunks;
        if (chunks == null || chunks.spans().isEmpty()) {
            return f.content().spans();
        }
        List<Span> all = new ArrayList<>(f.content().spans());
        all.addAll(chunks.spans());
        return all;
    }

    private static boolean crcMatches(Span s) {
        if (s.offset() + s.length() > s.segment().length()) {
            return false;
        }
        CRC32C c = new CRC32C();
        c.update(s.memory().asByteBuffer());
        return (int) c.getValue() == s.crc();
    }

    /**
     * Attaches the text module: from now on it hears of every change to a text file or a
     * collection (see {@link StoreListener}); null detaches it.
     */
    public void setListener(StoreListener listener) {
        commitLock.lock();
        try {
            this.listener = listener;
            ns.setListener(listener);
        } finally {
            commitLock.unlock();
        }
    }

    public RecoveryReport recoveryReport() {
        RecoveryReport r = wal.report();
        return new RecoveryReport(r.checkpointSeq(), r.checkpointRecords(), r.segmentsReplayed(), r.recordsReplayed(),
                r.bytesReplayed(), recoveryProblems);
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
    public BufferPool pool() {
        return options.pool();
    }

    StoreOptions options() {
        return options;
    }

    public Map<String, Collection> collections() {
        return ns.collections();
    }

    /** The segment files' state, for stats and vexctl. */
    public SegmentStore segments() {
        return segments;
    }

    public WriteAheadLog log() {
        return wal;
    }

    /**
     * Waits until the background indexer has applied every change committed before the call
     * (hnsw collections only: flat ones give it nothing to do); false if {@code timeout} passed first.
     */
    public boolean awaitIndexed(java.time.Duration timeout) throws InterruptedException {
        return indexer.awaitIdle(timeout);
    }

    // ---- lookups (no lock) ----

    /**
     * What stat shows. An ordinary file being written shows what is staged (size and mtime), as
     * a local filesystem would; a vector file shows its committed state until a writer's close
     * commits the staged one (its writers see their staged size through fstat).
     */
    public StatInfo stat(String path) throws FsException {
        FsPath p = FsPath.parse(path);
        StatInfo v = virtualFiles.stat(p);
        if (v != null) {
            return v;
        }
        return statOf(require(p), VectorFormat.forName(p.name()) == null);
    }

    private static StatInfo statOf(Node n, boolean showStaged) {
        return switch (n) {
            case FileNode f -> {
                StatInfo s = StatInfo.of(f, f.size(), f.links);
                OpenFile open = showStaged ? f.open : null;
                long[] staged = open == null ? null : open.staged();
                yield staged == null ? s : s.withSize(staged[0], staged[1]);
            }
            case DirNode d -> StatInfo.of(d, 4096, 2 + d.subdirs);
            case SymlinkNode l -> StatInfo.of(l, l.size(), 1);
            case SpecialNode x -> StatInfo.of(x, 0, 1);
        };
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

    public String readlink(String path) throws FsException {
        Node n = require(FsPath.parse(path));
        if (!(n instanceof SymlinkNode l)) {
            throw new FsException(Errno.EINVAL, "not a symbolic link");
        }
        return l.target();
    }

    Node require(FsPath p) throws FsException {
        Node n = ns.lookup(p);
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

    private void requireAbsent(DirNode parent, FsPath p) throws FsException {
        if (parent.children.containsKey(p.name())) {
            throw new FsException(Errno.EEXIST, "already exists");
        }
    }

    Collection collectionOf(FsPath p) {
        return ns.collectionOf(p);
    }

    Attributes rootAttributes() {
        return ns.root().attributes();
    }

    /** The dimension a vector file at {@code path} must have: its collection's, or 0 for any. */
    int expectedDim(String path) throws FsException {
        Collection c = ns.collectionOf(FsPath.parse(path));
        return c == null ? 0 : c.settings().dim();
    }

    // ---- namespace changes ----

    public void mkdir(String path, int mode, int uid, int gid) throws FsException {
        FsPath p = FsPath.parse(path);
        checkNotReserved(p);
        Attributes a = Attributes.created(mode, uid, gid, nowNs());
        locked(() -> {
            requireAbsent(requireParent(p), p);
            commitChange(new Change.MakeDir(p, ns.newIno(), a));
        });
    }

    public void symlink(String target, String path, int uid, int gid) throws FsException {
        FsPath p = FsPath.parse(path);
        checkNotReserved(p);
        if (target.isEmpty()) {
            throw new FsException(Errno.ENOENT, "a symbolic link needs a target");
        }
        if (target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SYMLINK_MAX) {
            throw new FsException(Errno.ENAMETOOLONG, "link target longer than " + SYMLINK_MAX + " bytes");
        }
        Attributes a = Attributes.created(0777, uid, gid, nowNs());
        locked(() -> {
            requireAbsent(requireParent(p), p);
            commitChange(new Change.MakeSymlink(p, ns.newIno(), a, target));
        });
    }

    /** mknod: a regular file (as create, without opening it) or a FIFO, socket or device node. */
    public void mknod(String path, int mode, long rdev, int uid, int gid) throws FsException {
        FsPath p = FsPath.parse(path);
        checkNotReserved(p);
        int type = mode & FileType.MASK;
        if (type != FileType.REGULAR && type != 0 && !FileType.isSpecial(type)) {
            throw new FsException(Errno.EINVAL, "mknod makes regular files, FIFOs, sockets and device nodes");
        }
        if (type == FileType.REGULAR || type == 0) {
            checkVectorPlacement(p);
        }
        Attributes a = Attributes.created(mode, uid, gid, nowNs());
        locked(() -> {
            requireAbsent(requireParent(p), p);
            commitChange(type == FileType.REGULAR || type == 0
                    ? new Change.MakeFile(p, ns.newIno(), a, ExtentContent.empty())
                    : new Change.MakeNode(p, ns.newIno(), a, type, rdev));
        });
    }

    /** A hard link. Vector files have one name each (a hit names one file), so they cannot be linked. */
    public void link(String existing, String path) throws FsException {
        FsPath from = FsPath.parse(existing);
        FsPath p = FsPath.parse(path);
        checkNotReserved(from);
        checkNotReserved(p);
        long now = nowNs();
        locked(() -> {
            Node n = require(from);
            if (n instanceof DirNode) {
                throw new FsException(Errno.EPERM, "hard links to directories are not allowed");
            }
            if (!(n instanceof FileNode f)) {
                throw new FsException(Errno.EPERM, "hard links are supported for regular files only");
            }
            if (f.content() instanceof VectorContent || VectorFormat.forName(p.name()) != null
                    || VectorFormat.forName(from.name()) != null) {
                throw new FsException(Errno.EPERM, "a vector file has exactly one name (search results name it); copy it instead");
            }
            requireAbsent(requireParent(p), p);
            commitChange(new Change.Link(f.ino(), p, now));
        });
    }

    public void rmdir(String path) throws FsException {
        FsPath p = FsPath.parse(path);
        checkNotReserved(p);
        long now = nowNs();
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
            commitChange(new Change.Remove(p, now));
        });
    }

    public void unlink(String path) throws FsException {
        FsPath p = FsPath.parse(path);
        if (virtualFiles.unlink(p)) {
            return;
        }
        checkNotReserved(p);
        long now = nowNs();
        locked(() -> {
            Node n = require(p);
            if (n instanceof DirNode) {
                throw new FsException(Errno.EISDIR, "is a directory");
            }
            commitChange(new Change.Remove(p, now));
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

    private void setAttributes(String path, UnaryOperator<Attributes> change) throws FsException {
        FsPath p = FsPath.parse(path);
        if (virtualFiles.stat(p) != null) {
            throw new FsException(Errno.EPERM, "control and query files have fixed attributes");
        }
        locked(() -> {
            Node n = require(p);
            commitChange(new Change.SetAttributes(n.ino(), change.apply(n.attributes())));
        });
    }

    /**
     * A write by {@code callerUid} (not root, which keeps them as Linux's CAP_FSETID does)
     * clears the file's set-user-ID bit, and its set-group-ID bit when it is group-executable.
     */
    void clearSetIdOnWrite(FileNode node, int callerUid) throws FsException {
        int mode = node.attributes().mode();
        int kill = (mode & 04000) | ((mode & 02010) == 02010 ? 02000 : 0);
        if (callerUid <= 0 || kill == 0) {
            return;
        }
        locked(() -> {
            if (node.links > 0) {
                commitChange(new Change.SetAttributes(node.ino(), node.attributes().withMode(node.attributes().mode() & ~kill, nowNs())));
            }
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
        // A move that changes a file's format converts its content first, outside the lock; the
        // conversion is used only if the file is unchanged when the lock is taken.
        for (int attempt = 0; ; attempt++) {
            Node node = require(src);
            StoredContent before = node instanceof FileNode f ? f.content() : null;
            StoredContent converted = before == null ? null : convertForRename(before, dst);
            long now = nowNs();
            boolean done = lockedGet(() -> {
                Node current = require(src);
                if (current != node || (node instanceof FileNode f && f.content() != before)) {
                    return false;
                }
                checkRename(src, dst, node, converted);
                commitChange(new Change.Rename(src, dst, now, converted));
                return true;
            });
            if (done) {
                return;
            }
            if (attempt == 3) {
                throw new FsException(Errno.EBUSY, "the file kept changing while it was being moved");
            }
        }
    }

    /** Validates a rename under the lock. */
    private void checkRename(FsPath src, FsPath dst, Node node, StoredContent converted) throws FsException {
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
            if (existing != null && !(existing instanceof DirNode)) {
                throw new FsException(Errno.ENOTDIR, "target is not a directory");
            }
            if (existing instanceof DirNode d && !d.children.isEmpty()) {
                throw new FsException(Errno.ENOTEMPTY, "target directory not empty");
            }
            if (src.depth() > 1 && !src.collection().equals(dst.collection())) {
                checkDimensions(node, ns.collections().get(dst.collection()));
            }
            return;
        }
        if (existing instanceof DirNode) {
            throw new FsException(Errno.EISDIR, "target is a directory");
        }
        if (node instanceof FileNode) {
            checkVectorPlacement(dst);
            StoredContent content = converted != null ? converted : ((FileNode) node).content();
            Collection target = ns.collectionOf(dst);
            if (content instanceof VectorContent v && v.rows() > 0 && target != null && target != ns.collectionOf(src)) {
                int dim = target.settings().dim();
                if (dim != 0 && dim != v.dim()) {
                    throw new FsException(Errno.EINVAL, "", "dimension " + v.dim() + " differs from the target collection's " + dim);
                }
            }
        }
    }

    /** The content a file gets when moved to {@code dst}'s name, if its format changes there; else null. */
    private StoredContent convertForRename(StoredContent content, FsPath dst) throws FsException {
        VectorFormat to = VectorFormat.forName(dst.name());
        VectorFormat from = content instanceof VectorContent v ? v.format() : null;
        if (to == from || content.size() == 0) {
            return null;
        }
        if (to == null) {
            return storeBytes(content);
        }
        if (from != null) {
            VectorContent v = (VectorContent) content;
            // The floats stay where they are; only the framing differs (and .vec text is rendered from them).
            return to == VectorFormat.VEC ? withText(v) : new VectorContent(to, v.rows(), v.dim(), v.floats(), null, null);
        }
        Collection c = ns.collectionOf(dst);
        return decodeVectors(dst, to, c == null ? 0 : c.settings().dim(), content::read, content.size(), null);
    }

    private void checkDimensions(Node subtree, Collection target) throws FsException {
        int[] dim = {target.settings().dim()};
        FsException[] refused = {null};
        Namespace.forEachFile(subtree, f -> {
            if (f.content() instanceof VectorContent v && v.rows() > 0 && refused[0] == null) {
                if (dim[0] == 0) {
                    dim[0] = v.dim();
                } else if (dim[0] != v.dim()) {
                    refused[0] = new FsException(Errno.EINVAL, "", "dimension " + v.dim()
                            + " differs from the target collection's " + dim[0]);
                }
            }
        });
        if (refused[0] != null) {
            throw refused[0];
        }
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
            if (existing instanceof FileNode f) {
                return f;
            }
            if (existing != null) {
                throw new FsException(existing instanceof DirNode ? Errno.EISDIR : Errno.EEXIST, "exists and is not a regular file");
            }
            commitChange(new Change.MakeFile(p, ns.newIno(), a, ExtentContent.empty()));
            return (FileNode) parent.children.get(p.name());
        });
        // Created empty: the first write decides how it stages (a new .fvecs streams).
        return openHandle(node, true, true, path);
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
        if (!(n instanceof FileNode f)) {
            throw new FsException(Errno.EACCES, "special files are opened by the kernel, not read through vexfs");
        }
        return openHandle(f, write, truncate, path);
    }

    private Handle openHandle(FileNode node, boolean write, boolean truncate, String path) throws FsException {
        OpenFile file;
        synchronized (node) {
            file = node.open;
            if (file == null) {
                file = new OpenFile(this, node);
                node.open = file;
            }
            file.handles++;
        }
        if (truncate) {
            file.truncateAtOpen();
        }
        return new FileHandle(this, file, write, path);
    }

    /** A handle was released; the last one commits what is left and drops the file's open state. */
    void closeHandle(OpenFile file, String path) throws FsException {
        FileNode node = file.node;
        synchronized (node) {
            if (--file.handles > 0) {
                return;
            }
            try {
                file.lastRelease(path);
            } finally {
                node.open = null;
            }
        }
    }

    /** fsync: everything committed so far survives a power cut (the segments it reads, then the log). */
    public void sync() throws FsException {
        try {
            segments.sync();
            wal.sync();
            metrics().increment(VexCounter.WAL_FSYNCS);
        } catch (IOException e) {
            throw FsException.io("sync of the data directory", e);
        }
    }

    /** Space of the filesystem holding the data directory: what df shows for the mount. */
    public FileStore dataFileStore() throws IOException {
        return Files.getFileStore(options.dataDir());
    }

    // ---- staging and commits ----

    Placer placer() {
        return new Placer(options.pool(), segments, INLINE_LIMIT);
    }

    PageStaging newPageStaging(StoredContent base) {
        return new PageStaging(options.pool(), segments, STAGING_MEMORY, base);
    }

    /** A staging reads through {@code base}: its segments are not retired until {@link #releaseBase}. */
    void retainBase(StoredContent base) {
        commitLock.lock();
        try {
            for (Span s : base.spans()) {
                s.segment().addStagingRef(1);
            }
        } finally {
            commitLock.unlock();
        }
    }

    void releaseBase(StoredContent base) {
        commitLock.lock();
        try {
            for (Span s : base.spans()) {
                s.segment().addStagingRef(-1);
            }
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Commits staged bytes as the new content of {@code node} (named {@code path} now). Vector
     * files are decoded, validated and stored first, outside the lock; nothing changes if they are
     * refused. On success the staging is spent.
     */
    void commit(FsPath path, FileNode node, Staging staging, StoredContent base) throws FsException {
        checkVectorPlacement(path);
        VectorFormat format = VectorFormat.forName(path.name());
        StoredContent content;
        if (format != null) {
            content = staging instanceof VectorStreamStaging v
                    ? finishStream(path, v)
                    : decodeVectors(path, format, expectedDim(path.toString()), staging::read, staging.size(), null);
        } else {
            PageStaging pages = staging instanceof VectorStreamStaging v ? materialize(v) : (PageStaging) staging;
            content = storePages(pages, base);
        }
        long now = nowNs();
        boolean installed = false;
        try {
            installed = lockedGet(() -> {
                if (node.links == 0) {
                    // Unlinked while open: like POSIX, the writes go nowhere.
                    return false;
                }
                if (content instanceof VectorContent v && v.rows() > 0) {
                    Collection c = ns.collectionOf(path);
                    if (c != null && c.settings().dim() != 0 && v.dim() != c.settings().dim()) {
                        throw new FsException(Errno.EINVAL, "", "dimension " + v.dim() + " differs from the collection's "
                                + c.settings().dim());
                    }
                }
                FsPath named = ns.lookup(path) == node ? path : ns.pathOf(node);
                commitChange(new Change.SetContent(node.ino(), named, node.attributes().modified(now), content));
                return true;
            });
        } finally {
            if (!installed) {
                discardUnreferenced(content.spans());
            }
        }
        try {
            staging.close();
        } catch (IOException e) {
            errors().record(path.toString(), "EIO", "staging", "dropping staged bytes after a commit failed: " + e.getMessage());
        }
        if (content instanceof VectorContent v) {
            metrics().increment(VexCounter.COMMITS);
            metrics().add(VexCounter.VECTOR_WRITES, v.rows());
        }
        if (options.syncOnClose()) {
            sync();
        }
        checkpointer.poke();
    }

    /** A commit that did not happen: a segment made for its content alone is dropped now. */
    private void discardUnreferenced(List<Span> spans) {
        for (Segment s : spans.stream().map(Span::segment).distinct().toList()) {
            if (s != segments.active() && s.liveBytes() == 0 && s.stagingRefs() == 0 && s.deadSince() < 0 && s.sealed()
                    && !s.isRetired() && s.length() > 0 && onlyThese(s, spans)) {
                segments.retire(s);
            }
        }
    }

    /** Whether the segment holds exactly these bytes: one made for them alone. */
    private static boolean onlyThese(Segment s, List<Span> spans) {
        long bytes = 0;
        for (Span span : spans) {
            if (span.segment() == s) {
                bytes += span.length();
            }
        }
        return bytes >= s.length() && s.deadSince() < 0;
    }

    private PageStaging materialize(VectorStreamStaging v) throws FsException {
        try {
            return v.materialize(newPageStaging(null));
        } catch (IOException e) {
            throw FsException.io("restaging a file", e);
        }
    }

    /** A streamed .fvecs/.npy: refuse what only the end shows, then store the floats it holds. */
    private StoredContent finishStream(FsPath path, VectorStreamStaging v) throws FsException {
        try {
            DecodedShape shape = v.finish();
            return vectorContent(shape, v.size(), v.floats(), null);
        } catch (InvalidInputException e) {
            throw FsException.invalid(e);
        } catch (IOException e) {
            throw FsException.io("storing " + path, e);
        }
    }

    /** Something that reads bytes by position: a staging, a content. */
    @FunctionalInterface
    interface Source {
        int read(long position, MemorySegment dst) throws IOException, FsException;
    }

    /**
     * Decodes a whole file of {@code size} bytes from {@code source}, validating it, and stores its
     * floats (and a .vec file's canonical text).
     */
    private StoredContent decodeVectors(FsPath path, VectorFormat format, int expectedDim, Source source, long size,
                                        Placer floatsIn) throws FsException {
        Placer floats = floatsIn != null ? floatsIn : placer();
        try (PooledBuffer chunk = options.pool().acquire(STEP)) {
            VectorStreamDecoder decoder = VectorStreamDecoder.of(format, expectedDim, (f, rows, dim) -> floats.write(f));
            MemorySegment buffer = chunk.segment();
            for (long at = 0; at < size; ) {
                int n = source.read(at, buffer.asSlice(0, Math.min(buffer.byteSize(), size - at)));
                if (n <= 0) {
                    throw new FsException(Errno.EIO, "the staged file ended at " + at + " of " + size + " bytes");
                }
                decoder.accept(buffer.asSlice(0, n));
                at += n;
            }
            return vectorContent(decoder.finish(), size, floats, format);
        } catch (InvalidInputException e) {
            closeQuietly(floats);
            throw FsException.invalid(e);
        } catch (IOException e) {
            closeQuietly(floats);
            throw FsException.io("storing " + path, e);
        } catch (FsException | RuntimeException e) {
            closeQuietly(floats);
            throw e;
        }
    }

    /** The content for decoded vectors: floats placed, and for .vec the canonical text rendered beside them. */
    private StoredContent vectorContent(DecodedShape shape, long stagedSize, Placer floats, VectorFormat formatOrNull)
            throws IOException {
        VectorFormat format = formatOrNull != null ? formatOrNull : shape.format();
        if (stagedSize == 0) {
            floats.close();
            return ExtentContent.empty();
        }
        Placer text = null;
        try {
            if (format == VectorFormat.VEC) {
                text = placer();
                renderText(floats, shape.rows(), shape.dim(), text);
            }
            Span[] spans = text == null ? Placer.place(segments, floats) : Placer.place(segments, floats, text);
            Span floatSpan = shape.rows() == 0 ? Span.EMPTY : spans[0];
            ExtentContent textContent = text == null ? null
                    : ExtentContent.of(spans[1].length(), List.of(new ExtentContent.Extent(0, spans[1])));
            return new VectorContent(format, shape.rows(), shape.dim(), floatSpan, shape.npyHeader(), textContent);
        } finally {
            floats.close();
            if (text != null) {
                text.close();
            }
        }
    }

    /** The same stored floats as a .vec file: its canonical text rendered and stored beside them. */
    private StoredContent withText(VectorContent v) throws FsException {
        try (Placer text = placer()) {
            long rowBytes = (long) Float.BYTES * v.dim();
            try (PooledBuffer block = options.pool().acquire(Math.max(rowBytes, STEP))) {
                long perBlock = Math.max(1, block.capacity() / rowBytes);
                for (long r = 0; r < v.rows(); r += perBlock) {
                    long n = Math.min(perBlock, v.rows() - r);
                    MemorySegment view = block.segment().asSlice(0, n * rowBytes);
                    v.floats().copyTo(r * rowBytes, view, 0, n * rowBytes);
                    VecText.render(view, n, v.dim(), text::write);
                }
            }
            Span span = Placer.place(segments, text)[0];
            return new VectorContent(VectorFormat.VEC, v.rows(), v.dim(), v.floats(), null,
                    ExtentContent.of(span.length(), List.of(new ExtentContent.Extent(0, span))));
        } catch (IOException e) {
            throw FsException.io("rendering .vec text", e);
        }
    }

    /** Renders .vec text from placed floats, a block of rows at a time. */
    private void renderText(Placer floats, long rows, int dim, Placer text) throws IOException {
        if (rows == 0) {
            return;
        }
        long rowBytes = (long) Float.BYTES * dim;
        long perBlock = Math.max(1, STEP / rowBytes);
        try (PooledBuffer block = options.pool().acquire(perBlock * rowBytes)) {
            for (long r = 0; r < rows; r += perBlock) {
                long n = Math.min(perBlock, rows - r);
                MemorySegment view = block.segment().asSlice(0, n * rowBytes);
                floats.read(r * rowBytes, view);
                VecText.render(view, n, dim, text::write);
            }
        }
    }

    /** An ordinary file's staged pages over its base, stored: small runs appended together, large ones sealed. */
    private StoredContent storePages(PageStaging pages, StoredContent base) throws FsException {
        List<long[]> runs = pages.runs();
        List<ExtentContent.Extent> written = new ArrayList<>(runs.size());
        try {
            if (!pages.spilled() && pages.touchedBytes() <= INLINE_LIMIT) {
                Placer[] placers = new Placer[runs.size()];
                try {
                    for (int i = 0; i < runs.size(); i++) {
                        placers[i] = placer();
                        pages.copyRun(runs.get(i)[0], runs.get(i)[1], placers[i]);
                    }
                    Span[] spans = placers.length == 0 ? new Span[0] : Placer.place(segments, placers);
                    for (int i = 0; i < spans.length; i++) {
                        written.add(new ExtentContent.Extent(runs.get(i)[0], spans[i]));
                    }
                } finally {
                    for (Placer p : placers) {
                        if (p != null) {
                            p.close();
                        }
                    }
                }
            } else {
                Segment s = pages.sealSpill();
                for (long[] r : runs) {
                    written.add(new ExtentContent.Extent(r[0], Span.of(s, r[0], r[1] - r[0])));
                }
            }
        } catch (IOException e) {
            throw FsException.io("storing written bytes", e);
        }
        ExtentContent over = base instanceof ExtentContent e ? e : null;
        return ExtentContent.overlay(over, pages.baseLimit(), pages.size(), written);
    }

    /** Bytes of any content stored afresh as an ordinary file's (a vector file renamed to a plain name). */
    private StoredContent storeBytes(StoredContent content) throws FsException {
        PageStaging pages = newPageStaging(null);
        try (PooledBuffer chunk = options.pool().acquire(PageStaging.PAGE)) {
            MemorySegment buffer = chunk.segment();
            for (long at = 0; at < content.size(); ) {
                int n = content.read(at, buffer);
                pages.write(at, buffer.asSlice(0, n));
                at += n;
            }
            return storePages(pages, null);
        } catch (IOException e) {
            throw FsException.io("converting a file", e);
        } finally {
            try {
                pages.close();
            } catch (IOException e) {
                errors().record("", "EIO", "staging", "dropping a conversion's staging failed: " + e.getMessage());
            }
        }
    }

    private static void closeQuietly(Placer p) {
        try {
            p.close();
        } catch (IOException e) {
            // The placer's own segment was never referenced; the next start deletes its file if this failed.
            System.err.println("vexfs: dropping an unplaced segment failed: " + e.getMessage());
        }
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
        int embedDim = prepareEmbedding(collectionPath, text);
        locked(() -> {
            Collection c = ns.collections().get(collectionPath.collection());
            if (c == null) {
                throw new FsException(Errno.ENOENT, "no such collection");
            }
            boolean empty = ns.lookup(collectionPath) instanceof DirNode d && d.children.isEmpty();
            CollectionSettings next;
            try {
                next = c.settings().apply(text, c.hasVectors(), empty, embedDim);
            } catch (InvalidInputException e) {
                throw FsException.invalid(e);
            }
            commitChange(new Change.Settings(collectionPath, next.render()));
        });
    }

    /**
     * The dimension of the embedding model that {@code text} names, loaded by the text module
     * before the commit lock (loading a model takes a while); 0 when it names none.
     */
    private int prepareEmbedding(FsPath collectionPath, String text) throws FsException {
        EmbedSpec spec;
        try {
            spec = CollectionSettings.DEFAULT.apply(text, false, true, 0).embed();
        } catch (InvalidInputException e) {
            // A key the collection's current settings complete (embed_pooling alone on an onnx
            // collection) fails here alone; the locked apply reports what is really wrong, if anything.
            Collection c = ns.collections().get(collectionPath.collection());
            spec = c == null ? null : c.settings().embed();
        }
        if (spec == null) {
            return 0;
        }
        StoreListener l = listener;
        if (l == null) {
            if (spec.knownDim() == 0) {
                throw new FsException(Errno.EINVAL, "", "this store has no text module to load " + spec.modelPath());
            }
            return spec.knownDim();
        }
        try {
            return l.prepareEmbedding(spec);
        } catch (InvalidInputException e) {
            throw FsException.invalid(e);
        }
    }

    // ---- text files: the text module's view of the store ----

    /**
     * The content of version {@code version} of {@code node}, pinned (unpin it when read), or null
     * when the file no longer has that version: the text module reads a version only while it is current.
     */
    public StoredContent pinnedContent(FileNode node, long version) {
        commitLock.lock();
        try {
            if (node.links == 0 || node.version() != version) {
                return null;
            }
            StoredContent c = node.content();
            // Under the lock a current content's segments are never retired, so the pin holds.
            return c.pin() ? c : null;
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Stores the chunk embeddings (or the reason there are none) that the text module made from
     * version {@code version} of {@code node} as a text file of {@code collection}. The floats go
     * to a segment like a commit's (outside the lock); then, only if the file still has exactly
     * that version and is a text file of that collection, one SET_CHUNKS record is logged and
     * applied (in the OS page cache on return, durable after {@link #sync()}), and searches see
     * them at once under the file's text name. Otherwise nothing is stored and the result is false.
     * The store then keeps them exactly as long as that version: see {@link Namespace}.
     */
    public boolean putTextChunks(FileNode node, long version, Collection collection, TextChunks chunks) throws FsException {
        if (closed) {
            throw new FsException(Errno.EROFS, "the store is closed");
        }
        Span floats = Span.EMPTY;
        if (chunks.rows() > 0) {
            MemorySegment vectors = MemorySegment.ofArray(chunks.vectors());
            try (Placer placer = placer(); PooledBuffer step = options.pool().acquire(STEP)) {
                // Through pool memory: segment files are written from native memory, not from a float[].
                for (long at = 0; at < vectors.byteSize(); at += STEP) {
                    long n = Math.min(STEP, vectors.byteSize() - at);
                    MemorySegment.copy(vectors, at, step.segment(), 0, n);
                    placer.write(step.segment().asSlice(0, n));
                }
                floats = Placer.place(segments, placer)[0];
            } catch (IOException e) {
                throw FsException.io("storing chunk embeddings", e);
            }
        }
        StoredChunks stored = new StoredChunks(chunks.key(), chunks.status(), chunks.reason(), chunks.rows(), chunks.dim(), floats);
        boolean installed = false;
        try {
            installed = lockedGet(() -> {
                if (node.links == 0 || node.version() != version || node.textCollection != collection || node.textName == null) {
                    return false;
                }
                commitChange(new Change.SetChunks(node.ino(), node.textName, stored));
                return true;
            });
        } finally {
            if (!installed) {
                discardUnreferenced(stored.spans());
            }
        }
        checkpointer.poke();
        return installed;
    }

    /** A text file as the text module matches it with its word index at attach: its text name, node, version and chunks. */
    public record TextFile(FsPath path, FileNode node, long version, StoredChunks chunks) {
    }

    /** The text files of collection {@code name} (each once, under its text name), as one consistent list. */
    public List<TextFile> textFiles(String name) throws FsException {
        return lockedGet(() -> {
            List<TextFile> out = new ArrayList<>();
            FsPath dir = new FsPath(List.of(name));
            if (ns.lookup(dir) instanceof DirNode d) {
                ns.walk(dir, d, (path, node) -> {
                    if (node instanceof FileNode f && path.equals(f.textName)) {
                        out.add(new TextFile(path, f, f.version(), f.chunks));
                    }
                });
            }
            return out;
        });
    }

    // ---- the log ----

    /** Under the commit lock: logs a checked change, then applies it. */
    private void commitChange(Change change) throws FsException {
        Change.Body body = new Change.Body();
        change.encode(body);
        try {
            wal.append(change.type(), body.flip());
        } catch (IOException e) {
            throw FsException.io("write-ahead log append", e);
        }
        metrics().add(VexCounter.WAL_BYTES, body.flip().limit() + 9L);
        ns.apply(change);
    }

    // ---- checkpoints and compaction ----

    /**
     * Writes the namespace as a checkpoint and drops the log before it, then retires segments
     * nothing references any more. The namespace is captured under the commit lock (references
     * only: nodes and contents are immutable values); writing happens after, while readers and
     * writers go on. Segments are fsynced before the checkpoint that names them.
     */
    public void checkpoint() throws IOException {
        // One checkpoint at a time (the background one, a test's, a compaction's): each must begin and finish as a pair.
        checkpointLock.lock();
        try {
            checkpointLocked();
        } finally {
            checkpointLock.unlock();
        }
    }

    private void checkpointLocked() throws IOException {
        List<Change> captured = new ArrayList<>();
        long seq;
        long capturedAt;
        commitLock.lock();
        try {
            seq = wal.beginCheckpoint();
            segments.sealActive();
            capturedAt = ns.changes();
            capture(captured);
        } finally {
            commitLock.unlock();
        }
        CrashPoints.reach("checkpoint-before-write");
        segments.sync();
        wal.writeCheckpoint(seq, sink -> {
            for (Change c : captured) {
                Change.Body body = new Change.Body();
                c.encode(body);
                sink.append(c.type(), body.flip());
            }
        });
        CrashPoints.reach("checkpoint-after-write");
        metrics().increment(VexCounter.COMPACTIONS);
        retireDead(capturedAt);
    }

    /** The namespace as changes that rebuild it: counters, then every node parents first, then exact attributes. */
    private void capture(List<Change> out) {
        out.add(new Change.State(ns.nextIno()));
        Map<Long, FsPath> firstName = new HashMap<>();
        List<Change> attributes = new ArrayList<>();
        attributes.add(new Change.SetAttributes(ns.root().ino(), ns.root().attributes()));
        ns.walk(FsPath.ROOT, ns.root(), (path, node) -> {
            Attributes a = node.attributes();
            switch (node) {
                case DirNode d -> {
                    out.add(new Change.MakeDir(path, d.ino(), a));
                    attributes.add(new Change.SetAttributes(d.ino(), a));
                    Collection c = path.depth() == 1 ? ns.collections().get(path.name()) : null;
                    if (c != null) {
                        out.add(new Change.Settings(path, c.settings().render()));
                    }
                }
                case FileNode f -> {
                    if (f.links > 1 && firstName.containsKey(f.ino())) {
                        out.add(new Change.Link(f.ino(), path, a.ctimeNs()));
                    } else {
                        out.add(new Change.MakeFile(path, f.ino(), a, f.content()));
                        if (f.links > 1) {
                            firstName.put(f.ino(), path);
                            attributes.add(new Change.SetAttributes(f.ino(), a));
                        }
                    }
                    StoredChunks chunks = f.chunks;
                    if (chunks != null && path.equals(f.textName)) {
                        // After the name it is searched under exists, which names its hits.
                        out.add(new Change.SetChunks(f.ino(), path, chunks));
                    }
                }
                case SymlinkNode l -> out.add(new Change.MakeSymlink(path, l.ino(), a, l.target()));
                case SpecialNode x -> out.add(new Change.MakeNode(path, x.ino(), a, x.type(), x.rdev()));
            }
        });
        out.addAll(attributes);
    }

    /** Retires segments that nothing live references and that the checkpoint taken at {@code capturedAt} does not name. */
    private void retireDead(long capturedAt) {
        commitLock.lock();
        try {
            for (Segment s : List.copyOf(segments.segments())) {
                if (s != segments.active() && !s.isRetired() && s.liveBytes() == 0 && s.stagingRefs() == 0
                        && s.deadSince() >= 0 && s.deadSince() <= capturedAt) {
                    segments.retire(s);
                }
            }
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Rewrites the live bytes of sealed segments that are mostly dead into one new segment, moves
     * the files that still use them onto it, and takes a checkpoint so the move is durable; the
     * old segments are retired by that checkpoint once nothing reads them. Readers are never
     * blocked: they keep the segments of what they read pinned.
     *
     * @return the number of segments compacted
     */
    public int compact() throws IOException {
        checkpointLock.lock();
        try {
            return compactLocked();
        } finally {
            checkpointLock.unlock();
        }
    }

    private int compactLocked() throws IOException {
        List<Segment> victims = new ArrayList<>();
        commitLock.lock();
        try {
            long dead = 0;
            for (Segment s : segments.segments()) {
                if (s.sealed() && s != segments.active() && !s.isRetired() && s.length() > 0 && s.liveBytes() > 0
                        && s.stagingRefs() == 0 && (s.length() - s.liveBytes()) >= options.compactionDeadRatio() * s.length()) {
                    victims.add(s);
                    dead += s.length() - s.liveBytes();
                }
            }
            if (victims.isEmpty() || dead < options.compactionMinDead()) {
                return 0;
            }
        } finally {
            commitLock.unlock();
        }
        Map<Segment, Boolean> isVictim = new IdentityHashMap<>();
        victims.forEach(v -> isVictim.put(v, true));
        // The files that use them, with their contents and chunk embeddings as they are now (no lock: read-only walk).
        Map<FileNode, StoredContent> users = new IdentityHashMap<>();
        Map<FileNode, StoredChunks> chunkUsers = new IdentityHashMap<>();
        ns.walk(FsPath.ROOT, ns.root(), (path, node) -> {
            if (node instanceof FileNode f) {
                StoredContent c = f.content();
                if (usesAny(c.spans(), isVictim)) {
                    users.put(f, c);
                }
                StoredChunks chunks = f.chunks;
                if (chunks != null && usesAny(chunks.spans(), isVictim)) {
                    chunkUsers.put(f, chunks);
                }
            }
        });
        Map<Span, Long> newOffsets = new IdentityHashMap<>();
        Segment target;
        try (var writer = segments.create()) {
            List<List<Span>> spanLists = new ArrayList<>();
            users.values().forEach(c -> spanLists.add(c.spans()));
            chunkUsers.values().forEach(c -> spanLists.add(c.spans()));
            for (List<Span> spans : spanLists) {
                for (Span span : spans) {
                    if (isVictim.containsKey(span.segment()) && !newOffsets.containsKey(span)) {
                        newOffsets.put(span, writer.length());
                        writer.append(span.checkedMemory());
                    }
                }
            }
            target = writer.seal();
        } catch (CorruptDataException e) {
            // Compaction must not spread a bad block: the files there keep failing on their own.
            options.errors().record(e.segment().toString(), "EIO", "compaction", e.getMessage());
            return 0;
        }
        UnaryOperator<Span> move = span -> newOffsets.containsKey(span) ? Span.of(target, newOffsets.get(span), span.length()) : span;
        Map<StoredContent, StoredContent> moved = new IdentityHashMap<>();
        for (StoredContent c : users.values()) {
            moved.put(c, c.withSpans(move));
        }
        CrashPoints.reach("compaction-after-copy");
        commitLock.lock();
        try {
            for (Map.Entry<FileNode, StoredContent> e : users.entrySet()) {
                FileNode f = e.getKey();
                if (f.content() == e.getValue() && f.links > 0) {
                    ns.relocate(f, moved.get(e.getValue()));
                }
            }
            for (Map.Entry<FileNode, StoredChunks> e : chunkUsers.entrySet()) {
                FileNode f = e.getKey();
                if (f.chunks == e.getValue() && f.links > 0) {
                    ns.relocateChunks(f, e.getValue().withSpans(move));
                }
            }
        } finally {
            commitLock.unlock();
        }
        CrashPoints.reach("compaction-after-swap");
        metrics().add(VexCounter.BYTES_COMPACTED, target.length());
        checkpoint();
        return victims.size();
    }

    private static boolean usesAny(List<Span> spans, Map<Segment, Boolean> segments) {
        for (Span s : spans) {
            if (segments.containsKey(s.segment())) {
                return true;
            }
        }
        return false;
    }

    // ---- plumbing ----

    interface Work {
        void run() throws FsException;
    }

    interface Producer<T> {
        T get() throws FsException;
    }

    private void locked(Work work) throws FsException {
        lockedGet(() -> {
            work.run();
            return null;
        });
    }

    private <T> T lockedGet(Producer<T> work) throws FsException {
        if (closed) {
            throw new FsException(Errno.EROFS, "the store is closed");
        }
        commitLock.lock();
        try {
            return work.get();
        } finally {
            commitLock.unlock();
            StoreListener l = listener;
            if (l != null) {
                l.afterUnlock();
            }
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

    /** Stops background work, seals and syncs the segments, syncs and closes the log. */
    @Override
    public void close() throws IOException {
        closed = true;
        checkpointer.close();
        try {
            // First: it writes the changed indexes, which reads stored rows, and then unpins their segments.
            indexer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the indexer", e);
        }
        commitLock.lock();
        try {
            segments.close();
            wal.sync();
            wal.close();
        } finally {
            commitLock.unlock();
        }
    }
}
