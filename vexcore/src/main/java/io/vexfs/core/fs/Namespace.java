package io.vexfs.core.fs;

import io.vexfs.core.content.Span;
import io.vexfs.core.content.StoredContent;
import io.vexfs.core.content.VectorContent;
import io.vexfs.core.search.SearchEntry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The tree of names and nodes, the collections, and the one place that carries out a
 * {@link Change}: {@link #apply} runs the same code for a live change (under the store's commit
 * lock, after the change was checked and logged) and in recovery (replaying what was logged).
 * Lookups take no lock.
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
            }
            case Change.Remove c -> remove(c.path(), c.timeNs());
            case Change.Rename c -> rename(c);
            case Change.SetAttributes c -> require(c.ino()).setAttributes(c.attributes());
            case Change.SetContent c -> {
                FileNode file = (FileNode) require(c.ino());
                file.setAttributes(c.attributes());
                install(c.path(), file, c.content());
            }
            case Change.Settings c -> {
                Collection collection = collections.get(c.collection().collection());
                if (collection == null) {
                    throw new IllegalStateException("settings of a collection that does not exist: " + c.collection());
                }
                collection.setSettings(CollectionSettings.restore(c.text()));
            }
            case Change.State c -> nextIno = Math.max(nextIno, c.nextIno());
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
                    collections.remove(path.name());
                }
            }
            case FileNode f -> {
                f.links--;
                f.setAttributes(f.attributes().changed(timeNs));
                if (f.links == 0) {
                    install(null, f, null);
                    inodes.remove(f.ino());
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
                collections.put(c.to().name(), collections.remove(c.from().name()));
            }
        }
        node.setAttributes(node.attributes().changed(c.timeNs()));
        touch(from, c.timeNs());
        touch(to, c.timeNs());
        if (node instanceof FileNode f && c.content() != null) {
            install(c.to(), f, c.content());
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
            account(previous, -1);
            if (content != null) {
                account(content, 1);
                file.setContent(content);
            }
        }
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
        file.entry = collection == null ? null : collection.replace(file.entry, search, search == null ? null : (VectorContent) content);
        file.entryOwner = file.entry == null ? null : collection;
    }

    private void account(StoredContent content, int sign) {
        for (Span s : content.spans()) {
            s.segment().addLive(sign * s.length(), changes);
        }
    }

    /** Points the search entries of everything under {@code p} at their paths (after a move). */
    private void reindex(FsPath p, Node n) {
        if (n instanceof FileNode f) {
            install(p, f, f.content());
        } else if (n instanceof DirNode d) {
            for (Map.Entry<String, Node> e : d.children.entrySet()) {
                reindex(p.child(e.getKey()), e.getValue());
            }
        }
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
        install(path, file, moved);
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
