package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * The dot-entries that are operations, not stored files: the control plane .vexfs/ at the
 * root, and each collection's .collection (and, with search, .search/ and .similar/).
 */
public final class VirtualFiles {
    static final String CONTROL_DIR = ".vexfs";

    private final VexStore store;
    private final Map<String, ControlFile> control = new ConcurrentSkipListMap<>();

    private volatile QueryFiles queries;

    VirtualFiles(VexStore store) {
        this.store = store;
    }

    /** Adds (or replaces) a file of .vexfs/. */
    public void register(ControlFile file) {
        control.put(file.name(), file);
    }

    /** Turns on .search/ and .similar/ in every collection. */
    public void enableQueries(QueryFiles queryFiles) {
        this.queries = queryFiles;
    }

    boolean isReserved(FsPath p) {
        if (p.depth() >= 1 && p.parts().get(0).equals(CONTROL_DIR)) {
            return true;
        }
        if (p.depth() >= 2) {
            String second = p.parts().get(1);
            return second.equals(VexStore.SETTINGS_FILE) || second.equals(VexStore.SEARCH_DIR)
                    || second.equals(VexStore.SIMILAR_DIR);
        }
        return false;
    }

    /** Stat of a virtual path, or null when the path is not virtual. */
    StatInfo stat(FsPath p) throws FsException {
        if (!isReserved(p)) {
            return null;
        }
        Attributes owner = store.rootAttributes();
        if (p.parts().get(0).equals(CONTROL_DIR)) {
            if (p.depth() == 1) {
                return StatInfo.virtual(p, true, 0755, 4096, owner);
            }
            ControlFile f = p.depth() == 2 ? control.get(p.name()) : null;
            if (f == null) {
                throw new FsException(Errno.ENOENT, "no such control file");
            }
            return StatInfo.virtual(p, false, f.writer() == null ? 0444 : 0644, rendered(f).length, owner);
        }
        Collection c = requireCollection(p);
        String second = p.parts().get(1);
        if (second.equals(VexStore.SETTINGS_FILE)) {
            if (p.depth() != 2) {
                throw new FsException(Errno.ENOTDIR, "not a directory");
            }
            return StatInfo.virtual(p, false, 0644, utf8(c.settings().render()).length, owner);
        }
        QueryFiles q = requireQueries();
        return q.stat(p, c, owner);
    }

    boolean list(FsPath p, Consumer<String> names) throws FsException {
        if (!isReserved(p)) {
            return false;
        }
        if (p.parts().get(0).equals(CONTROL_DIR) && p.depth() == 1) {
            control.keySet().forEach(names);
            return true;
        }
        StatInfo s = stat(p);
        if (!s.directory()) {
            throw new FsException(Errno.ENOTDIR, "not a directory");
        }
        requireQueries().list(p, requireCollection(p), names);
        return true;
    }

    Handle open(FsPath p, boolean write, boolean truncate) throws FsException {
        if (isQueryPath(p)) {
            // Not stat first: creating a name under .search/ opens a path that does not exist yet.
            return requireQueries().open(p, requireCollection(p), write, truncate);
        }
        StatInfo s = stat(p);
        if (s == null) {
            return null;
        }
        if (s.directory()) {
            throw new FsException(Errno.EISDIR, "is a directory");
        }
        if (p.parts().get(0).equals(CONTROL_DIR)) {
            ControlFile f = control.get(p.name());
            if (write && f.writer() == null) {
                throw new FsException(Errno.EACCES, p.name() + " is read-only");
            }
            return new ControlHandle(store, rendered(f), f.writer() == null ? null : new ControlTarget(f.writer()), truncate);
        }
        Collection c = requireCollection(p);
        FsPath collectionPath = new FsPath(p.parts().subList(0, 1));
        return new ControlHandle(store, utf8(c.settings().render()), new ControlHandle.Target() {
            @Override
            public void checkLine(String line, int number) throws InvalidInputException {
                CollectionSettings.checkLine(line, number);
            }

            @Override
            public void apply(String text) throws FsException {
                store.writeSettings(collectionPath, text);
            }
        }, truncate);
    }

    /** A control file's writer as the target of its handle: a refusal is EINVAL. */
    private record ControlTarget(ControlFile.Writer writer) implements ControlHandle.Target {
        @Override
        public void checkLine(String line, int number) throws InvalidInputException {
            writer.checkLine(line, number);
        }

        @Override
        public void apply(String text) throws FsException {
            try {
                writer.write(text);
            } catch (InvalidInputException e) {
                throw FsException.invalid(e);
            }
        }
    }

    private static boolean isQueryPath(FsPath p) {
        if (p.depth() < 2 || p.parts().get(0).equals(CONTROL_DIR)) {
            return false;
        }
        String second = p.parts().get(1);
        return second.equals(VexStore.SEARCH_DIR) || second.equals(VexStore.SIMILAR_DIR);
    }

    boolean unlink(FsPath p) throws FsException {
        if (!isReserved(p)) {
            return false;
        }
        if (p.depth() == 3 && p.parts().get(1).equals(VexStore.SEARCH_DIR)) {
            requireQueries().unlink(p, requireCollection(p));
            return true;
        }
        throw new FsException(Errno.EPERM, "'" + p.name() + "' cannot be removed");
    }

    private Collection requireCollection(FsPath p) throws FsException {
        Collection c = store.collections().get(p.collection());
        if (c == null) {
            throw new FsException(Errno.ENOENT, "no such collection");
        }
        return c;
    }

    private QueryFiles requireQueries() throws FsException {
        QueryFiles q = queries;
        if (q == null) {
            throw new FsException(Errno.ENOENT, "search is not enabled");
        }
        return q;
    }

    /**
     * Rendered afresh for every stat and open: a reader must see every event that happened
     * before it looked (a refusal in errors, a toggle in optimizations). Reads use direct_io,
     * so a size that moved between stat and open does not cut the text short.
     */
    private static byte[] rendered(ControlFile f) {
        return utf8(f.content().get());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
