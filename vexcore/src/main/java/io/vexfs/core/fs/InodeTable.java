package io.vexfs.core.fs;

import java.util.Arrays;

/**
 * Nodes by inode number, for the changes that name a node by its number (a commit, a chmod,
 * a hard link). Open addressing on primitive longs: about 16 bytes per file instead of a boxed
 * map's 50 or so. Written under the commit lock (or by recovery); not read concurrently.
 */
final class InodeTable {
    private static final long EMPTY = 0;
    private static final long GONE = -1;
    private long[] keys = new long[1024];
    private Node[] values = new Node[1024];
    private int used;
    private int size;

    void put(Node node) {
        long ino = node.ino();
        if (ino <= 0) {
            throw new IllegalArgumentException("inode numbers start at 1, got " + ino);
        }
        if ((used + 1) * 4L > keys.length * 3L) {
            rehash(size * 4L > keys.length ? keys.length * 2 : keys.length);
        }
        int mask = keys.length - 1;
        int i = slot(ino, mask);
        int reuse = -1;
        while (keys[i] != EMPTY) {
            if (keys[i] == ino) {
                values[i] = node;
                return;
            }
            if (keys[i] == GONE && reuse < 0) {
                reuse = i;
            }
            i = (i + 1) & mask;
        }
        if (reuse >= 0) {
            i = reuse;
        } else {
            used++;
        }
        keys[i] = ino;
        values[i] = node;
        size++;
    }

    Node get(long ino) {
        int mask = keys.length - 1;
        for (int i = slot(ino, mask); keys[i] != EMPTY; i = (i + 1) & mask) {
            if (keys[i] == ino) {
                return values[i];
            }
        }
        return null;
    }

    void remove(long ino) {
        int mask = keys.length - 1;
        for (int i = slot(ino, mask); keys[i] != EMPTY; i = (i + 1) & mask) {
            if (keys[i] == ino) {
                keys[i] = GONE;
                values[i] = null;
                size--;
                return;
            }
        }
    }

    int size() {
        return size;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Node[] oldValues = values;
        keys = new long[capacity];
        values = new Node[capacity];
        used = 0;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY && oldKeys[i] != GONE) {
                put(oldValues[i]);
            }
        }
        Arrays.fill(oldValues, null);
    }

    private static int slot(long ino, int mask) {
        long h = ino * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
