package io.vexfs.core.fs;

import io.vexfs.core.codec.VectorFormat;
import io.vexfs.core.content.ExtentContent;
import io.vexfs.core.content.Span;
import io.vexfs.core.content.StoredContent;
import io.vexfs.core.content.VectorContent;
import io.vexfs.core.search.SearchEntry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The tree of names and nodes, the collections, and the one place that carries out a
 * {@link Change}: {@link #apply} runs the same code for a live change (under the store's commit
 * lock, after the change was checked and logged) and in recovery (replaying what was logged).
 * Lookups take no lock.
 *
 * <p>Text files (ordinary files of a text collection) are followed here too: each has one name
 * its text is searched under ({@link FileNode#textName}), and its chunk embeddings live and die
 * with its version. The {@link StoreListener}, when one is attached, hears of each text file's
 * new versions, names and removal as the change is applied (never during replay: it attaches
 * after).
 */
final class Namespace {
    static final long ROOT_INO = 1;

    private final DirNode root;
    private final Map<String, Collection> collections = new ConcurrentHashMap<>();
    private final InodeTable inodes = new InodeTable();
    private final Indexer indexer;
    private long nextIno = ROOT_INO + 1;
    /** Changes applied so far: dates the moment a segment stopped being referenced. */
    private long changes;
    /** The text module, or null; told of text files' changes under the commit lock. */
    private volatile StoreListener listener;

    Namespace(Attributes rootAttributes, Indexer indexer) {
        this.root = new DirNode(ROOT_INO, rootAttributes);
        this.indexer = indexer;
        inodes.put(root);
    }

    DirNode root() {
        return root;
    }

    Map<String, Collection> collections() {
        return collections;
    }

    /** A new inode number; under the commit lock. */
    long newIno() {
        return nextIno++;
    }

    long nextIno() {
        return nextIno;
    }

    long changes() {
        return changes;
    }

    void setListener(StoreListener listener) {
        this.listener = listener;
    }

    // ---- lookups (no lock) ----

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

    Collection collectionOf(FsPath p) {
        return p.depth() >= 2 ? collections.get(p.collection()) : null;
    }

    // ---- apply ----

    void apply(Change change) {
        changes++;
        switch (change) {
            case Change.MakeDir c -> {
                DirNode dir = new DirNode(c.ino(), c.attributes());
                DirNode parent = link(c.path(), dir, c.attributes().ctimeNs());
                parent.subdirs++;
                if (c.path().depth() == 1) {
                    collections.put(c.path().name(), new Collection(CollectionSettings.DEFAULT, indexer));
                }
            }
            case Change.MakeFile c -> {
                FileNode file = FileNode.empty(c.ino(), c.attributes());
                link(c.path(), file, c.attributes().ctimeNs());
                install(c.path(), file, c.content());
                setTextName(file, textCollectionOf(c.path(), file) != null ? c.path() : null, true);
            }
            case Change.MakeSymlink c -> link(c.path(), new SymlinkNode(c.ino(), c.attributes(), c.target()), c.attributes().ctimeNs());
            case Change.MakeNode c -> link(c.path(), new SpecialNode(c.ino(), c.attributes(), c.fileType(), c.rdev()),
                    c.attributes().ctimeNs());
            case Change.Link c -> {
                FileNode file = (FileNode) require(c.ino());
                parentOf(c.path()).children.put(c.path().name(), file);
                file.links++;
                file.setAttributes(file.attributes().changed(c.timeNs()));
                touch(parentOf(c.path()), c.timeNs());
                if (textCollectionOf(c.path(), file) != null && (file.textName == null || before(c.path(), file.textName))) {
                    setTextName(file, c.path(), false);
                }
            }
            case Change.Remove c -> remove(c.path(), c.timeNs());
            case Change.Rename c -> rename(c);
            case Change.SetAttributes c -> require(c.ino()).setAttributes(c.attributes());
            case Change.SetContent c -> {
                FileNode file = (FileNode) require(c.ino());
                file.setAttributes(c.attributes());
                install(c.path(), file, c.content());
                setTextName(file, file.textName, true);
            }
            case Change.Settings c -> {
                Collection collection = collections.get(c.collection().collection());
                if (collection == null) {
                    throw new IllegalStateException("settings of a collection that does not exist: " + c.collection());
                }
                collection.setSettings(CollectionSettings.restore(c.text()));
                StoreListener l = listener;
                if (l != null) {
                    l.settingsChanged(c.collection().collection(), collection);
                }
            }
            case Change.State c -> nextIno = Math.max(nextIno, c.nextIno());
            case Change.SetChunks c -> {
                FileNode file = (FileNode) require(c.ino());
                dropChunks(file);
                Collection collection = collectionOf(c.path());
                file.textName = c.path();
                file.textCollection = collection;
                file.chunks = c.chunks();
                account(c.chunks().spans(), 1);
                publishChunks(file);
            }
        }
    }

    /** Puts a new node under its name; returns the parent. */
    private DirNode link(FsPath path, Node node, long timeNs) {
        DirNode parent = parentOf(path);
        Node previous = parent.children.putIfAbsent(path.name(), node);
        if (previous != null) {
            throw new IllegalStateException(path + " exists already");
        }
        inodes.put(node);
        nextIno = Math.max(nextIno, node.ino() + 1);
        touch(parent, timeNs);
        return parent;
    }

    private void remove(FsPath path, long timeNs) {
        DirNode parent = parentOf(path);
        Node removed = parent.children.remove(path.name());
        if (removed == null) {
            throw new IllegalStateException(path + " does not exist");
        }
        touch(parent, timeNs);
        unlinked(path, parent, removed, timeNs);
    }

    /** A name of {@code node} went away: what it means for the node. */
    private void unlinked(FsPath path, DirNode parent, Node node, long timeNs) {
        switch (node) {
            case DirNode d -> {
                if (!d.children.isEmpty()) {
                    throw new IllegalStateException(path + " is a directory that is not empty");
                }
                parent.subdirs--;
                inodes.remove(d.ino());
                if (path.depth() == 1) {
                    Collection gone = collections.remove(path.name());
                    StoreListener l = listener;
                    if (l != null && gone != null) {
                        l.collectionRemoved(path.name(), gone);
                    }
                }
            }
            case FileNode f -> {
                f.links--;
                f.setAttributes(f.attributes().changed(timeNs));
                if (f.links == 0) {
                    install(null, f, null);
                    setTextName(f, null, false);
                    inodes.remove(f.ino());
                } else if (path.equals(f.textName)) {
                    setTextName(f, firstTextName(f), false);
                }
            }
            default -> inodes.remove(node.ino());
        }
    }

    private void rename(Change.Rename c) {
        DirNode from = parentOf(c.from());
        DirNode to = parentOf(c.to());
        Node node = from.children.get(c.from().name());
        if (node == null) {
            throw new IllegalStateException(c.from() + " does not exist");
        }
        Node replaced = to.children.get(c.to().name());
        if (replaced == node) {
            // Two hard links of one file: POSIX says rename does nothing.
            return;
        }
        from.children.remove(c.from().name());
        if (replaced != null) {
            to.children.remove(c.to().name());
            unlinked(c.to(), to, replaced, c.timeNs());
        }
        to.children.put(c.to().name(), node);
        if (node instanceof DirNode) {
            from.subdirs--;
            to.subdirs++;
            if (c.from().depth() == 1) {
                Collection moved = collections.remove(c.from().name());
                collections.put(c.to().name(), moved);
                StoreListener l = listener;
                if (l != null) {
                    l.collectionRenamed(c.from().name(), c.to().name(), moved);
                }
            }
        }
        node.setAttributes(node.attributes().changed(c.timeNs()));
        touch(from, c.timeNs());
        touch(to, c.timeNs());
        if (node instanceof FileNode f && c.content() != null) {
            install(c.to(), f, c.content());
            // Another kind of content: which of its names are text names may have changed too.
            setTextName(f, f.links == 1 ? (textCollectionOf(c.to(), f) != null ? c.to() : null) : firstTextName(f), true);
        } else if (node instanceof FileNode f && f.links > 1) {
            publish(c.to(), f, f.content());
            if (c.from().equals(f.textName)) {
                setTextName(f, firstTextName(f), false);
            } else if (textCollectionOf(c.to(), f) != null && (f.textName == null || before(c.to(), f.textName))) {
                setTextName(f, c.to(), false);
            }
        } else {
            reindex(c.to(), node);
        }
    }

    private static void touch(DirNode dir, long timeNs) {
        dir.setAttributes(dir.attributes().modified(timeNs));
    }

    // ---- contents and search entries ----

    /**
     * Makes {@code content} the file's content (null: the file is gone): segments' live bytes
     * follow, and the file's search entry points at its vectors under {@code path}.
     */
    private void install(FsPath path, FileNode file, StoredContent content) {
        StoredContent previous = file.content();
        if (previous != content) {
            account(previous.spans(), -1);
            if (content != null) {
                account(content.spans(), 1);
                file.newVersion(content);
            }
            // Chunks belong to the version they were made from.
            dropChunks(file);
        }
        publish(path, file, content);
    }

    /** Points the file's search entry at the vectors of {@code content} under {@code path} (none: null path or content). */
    private void publish(FsPath path, FileNode file, StoredContent content) {
        Collection collection = path == null ? null : collectionOf(path);
        SearchEntry search = null;
        if (collection != null && content instanceof VectorContent v && v.rows() > 0) {
            if (collection.settings().dim() == 0) {
                collection.setSettings(collection.settings().withDim(v.dim()));
            }
            search = new SearchEntry(path.relative(), v.floats().memory(), Math.toIntExact(v.rows()), v.rows() > 1,
                    v.floats()::check);
        }
        if (file.entry == null && search == null) {
            return;
        }
        Collection owner = file.entryOwner;
        if (owner != null && owner != collection) {
            owner.replace(file.entry, null, null);
            file.entry = null;
        }
        file.entry = collection == null ? null : collection.replace(file.entry, search, search == null ? null : ((VectorContent) content).floats());
        file.entryOwner = file.entry == null ? null : collection;
    }

    private void account(List<Span> spans, int sign) {
        for (Span s : spans) {
            s.segment().addLive(sign * s.length(), changes);
        }
    }

    /**
     * Points the search entries of everything now at {@code p} at their paths (after a move), and
     * the text names of the files there at what they are now.
     */
    private void reindex(FsPath p, Node n) {
        if (n instanceof FileNode f) {
            publish(p, f, f.content());
            setTextName(f, f.links > 1 ? firstTextName(f) : textCollectionOf(p, f) != null ? p : null, false);
        } else if (n instanceof DirNode d) {
            for (Map.Entry<String, Node> e : d.children.entrySet()) {
                reindex(p.child(e.getKey()), e.getValue());
            }
        }
    }

    // ---- text files: their name, their chunk embeddings, and what the listener hears ----

    /**
     * The text collection whose text search a file named {@code path} belongs to, or null: an
     * ordinary file (not a vector file, not named like one) in a collection with an embedding model.
     */
    private Collection textCollectionOf(FsPath path, FileNode file) {
        Collection c = collectionOf(path);
        return c != null && c.settings().text() && file.content() instanceof ExtentContent
                && VectorFormat.forName(path.name()) == null ? c : null;
    }

    /**
     * Whether {@code a} comes before {@code b} in the namespace's order (names in order, parents
     * first: how a walk, a checkpoint and ls -R meet them). Two names of files are never one the
     * other's parent.
     */
    private static boolean before(FsPath a, FsPath b) {
        int n = Math.min(a.depth(), b.depth());
        for (int i = 0; i < n; i++) {
            int c = a.parts().get(i).compareTo(b.parts().get(i));
            if (c != 0) {
                return c < 0;
            }
        }
        return a.depth() < b.depth();
    }

    /**
     * A hard-linked file's text name: the first of its names (in the namespace's order) that is in
     * a text collection, or null. A walk of the tree, stopping at the first: only for files with
     * more than one name, when the name they were searched under went or moved.
     */
    private FsPath firstTextName(FileNode file) {
        return firstTextName(FsPath.ROOT, root, file);
    }

    private FsPath firstTextName(FsPath path, DirNode dir, FileNode file) {
        for (Map.Entry<String, Node> e : dir.children.entrySet()) {
            FsPath child = path.child(e.getKey());
            if (e.getValue() == file && textCollectionOf(child, file) != null) {
                return child;
            }
            if (e.getValue() instanceof DirNode d) {
                FsPath found = firstTextName(child, d, file);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /**
     * Makes {@code name} (null: none) the name the file's text is searched under, and tells the
     * listener: a new version ({@code newVersion}, whose old chunks went with it) or a new name
     * is a change, no name a removal. Chunks follow a new name inside their collection and are
     * dropped when the file leaves it. The name is always the file's first name in a text
     * collection (see {@link FileNode#textName}), which a remount computes the same way.
     */
    private void setTextName(FileNode file, FsPath name, boolean newVersion) {
        FsPath was = file.textName;
        Collection c = name == null ? null : collectionOf(name);
        if (file.textCollection != c) {
            dropChunks(file);
        }
        boolean moved = !java.util.Objects.equals(was, name);
        file.textName = name;
        file.textCollection = c;
        if (moved && file.chunkEntry != null) {
            publishChunks(file);
        }
        StoreListener l = listener;
        if (l == null) {
            return;
        }
        if (name == null) {
            if (was != null) {
                l.fileRemoved(file);
            }
        } else if (newVersion || moved) {
            l.fileChanged(c, name, file);
        }
    }

    /** Publishes the file's chunks in its text collection's chunk set, under its text name (replacing what was there). */
    private void publishChunks(FileNode file) {
        StoredChunks chunks = file.chunks;
        Collection owner = file.textCollection;
        SearchEntry search = null;
        if (owner != null && chunks != null && chunks.rows() > 0) {
            Span floats = chunks.floats();
            search = new SearchEntry(file.textName.relative(), floats.memory(), Math.toIntExact(chunks.rows()), true,
                    floats::check);
        }
        if (file.chunkEntry == null && search == null) {
            return;
        }
        file.chunkEntry = owner == null ? null : owner.chunkSet().replace(file.chunkEntry, search, search == null ? null
                : chunks.floats());
    }

    /** Forgets the file's chunks: out of the chunk set, their bytes no longer live. */
    private void dropChunks(FileNode file) {
        StoredChunks chunks = file.chunks;
        if (chunks == null) {
            return;
        }
        if (file.chunkEntry != null) {
            file.textCollection.chunkSet().replace(file.chunkEntry, null, null);
            file.chunkEntry = null;
        }
        account(chunks.spans(), -1);
        file.chunks = null;
    }

    // ---- helpers ----

    private DirNode parentOf(FsPath path) {
        Node n = root;
        for (String part : path.parent().parts()) {
            n = ((DirNode) n).children.get(part);
            if (n == null) {
                throw new IllegalStateException("no directory " + path.parent());
            }
        }
        if (!(n instanceof DirNode d)) {
            throw new IllegalStateException(path.parent() + " is not a directory");
        }
        return d;
    }

    private Node require(long ino) {
        Node n = inodes.get(ino);
        if (n == null) {
            throw new IllegalStateException("no node with inode " + ino);
        }
        return n;
    }

    /**
     * Moves a file's content to other spans holding the same bytes (compaction). Not a logged
     * change: the checkpoint that follows records the new places; until then the log and the old
     * checkpoint still name the old ones, which stay until that checkpoint retires them.
     */
    void relocate(FileNode file, StoredContent moved) {
        FsPath path = file.entry == null ? null : FsPath.ofRelative(file.entry.search().path());
        account(file.content().spans(), -1);
        account(moved.spans(), 1);
        file.setContent(moved);
        publish(path, file, moved);
    }

    /** As {@link #relocate} for a text file's chunk embeddings. */
    void relocateChunks(FileNode file, StoredChunks moved) {
        account(file.chunks.spans(), -1);
        account(moved.spans(), 1);
        file.chunks = moved;
        if (file.chunkEntry != null) {
            publishChunks(file);
        }
    }

    /** A name of {@code node}, found by a walk; null if it has none. For the rare commit racing a rename. */
    FsPath pathOf(Node node) {
        FsPath[] found = {null};
        walk(FsPath.ROOT, root, (path, n) -> {
            if (n == node && found[0] == null) {
                found[0] = path;
            }
        });
        return found[0];
    }

    interface Visitor {
        void visit(FsPath path, Node node);
    }

    /** Every node under dir, parents before children, in name order. */
    void walk(FsPath path, DirNode dir, Visitor visitor) {
        for (Map.Entry<String, Node> e : dir.children.entrySet()) {
            FsPath child = path.child(e.getKey());
            visitor.visit(child, e.getValue());
            if (e.getValue() instanceof DirNode d) {
                walk(child, d, visitor);
            }
        }
    }

    static void forEachFile(Node n, Consumer<FileNode> action) {
        if (n instanceof FileNode f) {
            action.accept(f);
        } else if (n instanceof DirNode d) {
            for (Node child : d.children.values()) {
                forEachFile(child, action);
            }
        }
    }
}
