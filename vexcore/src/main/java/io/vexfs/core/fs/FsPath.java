package io.vexfs.core.fs;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A validated absolute path inside the mount, as components. Nothing here ever names a host
 * file: the namespace lives in memory and in the log, so "..", "/" or NUL can only be refused,
 * never followed.
 */
public record FsPath(List<String> parts) {
    public static final int NAME_MAX = 255;
    public static final FsPath ROOT = new FsPath(List.of());

    public static FsPath parse(String path) throws FsException {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            throw new FsException(Errno.EINVAL, "not an absolute path");
        }
        String[] split = path.split("/");
        String[] names = new String[split.length];
        int n = 0;
        for (String s : split) {
            if (s.isEmpty()) {
                continue;
            }
            checkName(s);
            names[n++] = s;
        }
        return new FsPath(List.of(java.util.Arrays.copyOf(names, n)));
    }

    /** The path a hit or a record names, without its leading slash ("docs/sub/a.vec"; "" is the root). */
    public static FsPath ofRelative(String relative) {
        return relative.isEmpty() ? ROOT : new FsPath(List.of(relative.split("/")));
    }

    /** Refuses names that are not a plain POSIX file name. */
    public static void checkName(String name) throws FsException {
        if (name.equals(".") || name.equals("..")) {
            throw new FsException(Errno.EINVAL, "'" + name + "' is not a file name");
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('/') >= 0) {
            throw new FsException(Errno.EINVAL, "file name contains NUL or '/'");
        }
        if (name.indexOf('\uFFFD') >= 0) {
            // The binding decodes names as UTF-8; invalid bytes arrive as U+FFFD and two different
            // byte strings would collide on one name, so such names are refused rather than merged.
            throw new FsException(Errno.EILSEQ, "file name is not valid UTF-8");
        }
        if (utf8Length(name, NAME_MAX) > NAME_MAX) {
            throw new FsException(Errno.ENAMETOOLONG, "file name longer than " + NAME_MAX + " bytes");
        }
    }

    /**
     * The UTF-8 length of {@code s}, encoded only when it could pass {@code limit}: a UTF-16
     * char takes at most 3 bytes. Paths are checked on every FUSE call, so the common case
     * allocates nothing.
     */
    private static int utf8Length(String s, int limit) {
        return s.length() * 3 < limit ? s.length() : s.getBytes(StandardCharsets.UTF_8).length;
    }

    public boolean isRoot() {
        return parts.isEmpty();
    }

    public int depth() {
        return parts.size();
    }

    public String name() {
        return parts.isEmpty() ? "" : parts.get(parts.size() - 1);
    }

    public FsPath parent() {
        return parts.isEmpty() ? this : new FsPath(parts.subList(0, parts.size() - 1));
    }

    public FsPath child(String name) {
        String[] a = parts.toArray(new String[parts.size() + 1]);
        a[parts.size()] = name;
        return new FsPath(List.of(a));
    }

    /** The top-level collection's name, or null for the root. */
    public String collection() {
        return parts.isEmpty() ? null : parts.get(0);
    }

    /** Whether {@code other} is this path or below it. */
    public boolean contains(FsPath other) {
        return other.parts.size() >= parts.size() && other.parts.subList(0, parts.size()).equals(parts);
    }

    /** The path without the leading slash, as hits name files: "docs/sub/a.vec". */
    public String relative() {
        return String.join("/", parts);
    }

    @Override
    public String toString() {
        return "/" + relative();
    }
}
