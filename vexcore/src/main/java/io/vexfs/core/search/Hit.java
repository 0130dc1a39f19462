package io.vexfs.core.search;

/** One neighbour: its reported distance, its file, and its row in that file or -1 for a single-vector file. */
public record Hit(float distance, String path, int row) {

    /** How results name the hit: "path", or "path#row" in a multi-row file. */
    public String name() {
        return row < 0 ? path : path + "#" + row;
    }
}
