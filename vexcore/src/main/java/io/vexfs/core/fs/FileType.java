package io.vexfs.core.fs;

/** The S_IFMT file type bits of st_mode (Linux values), as stored in the log and reported by stat. */
public final class FileType {
    public static final int MASK = 0170000;
    public static final int SOCKET = 0140000;
    public static final int SYMLINK = 0120000;
    public static final int REGULAR = 0100000;
    public static final int BLOCK_DEVICE = 0060000;
    public static final int DIRECTORY = 0040000;
    public static final int CHAR_DEVICE = 0020000;
    public static final int FIFO = 0010000;

    private FileType() {
    }

    /** Whether mknod may make this type here (the others have their own calls: mkdir, symlink, create). */
    public static boolean isSpecial(int type) {
        return type == SOCKET || type == BLOCK_DEVICE || type == CHAR_DEVICE || type == FIFO;
    }
}
