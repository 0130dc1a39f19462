package io.vexfs.fuse;

import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;
import io.vexfs.core.fs.Handle;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Open handles by FUSE file handle number. A slot array rather than a map so the hot read
 * and write paths look a handle up without boxing or hashing.
 */
final class HandleTable {
    private final AtomicReferenceArray<Handle> slots;
    /** Thread id (as FUSE reports it) that opened each handle. */
    private final int[] openers;
    private final ConcurrentLinkedQueue<Integer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger next = new AtomicInteger(1);

    HandleTable(int capacity) {
        slots = new AtomicReferenceArray<>(capacity);
        openers = new int[capacity];
    }

    long add(Handle h, int openerTid) throws FsException {
        Integer reused = free.poll();
        int slot = reused != null ? reused : next.getAndIncrement();
        if (slot >= slots.length()) {
            throw new FsException(Errno.ENOSPC, "too many open files (" + slots.length() + ")");
        }
        openers[slot] = openerTid;
        slots.set(slot, h);
        return slot;
    }

    Handle get(long fh) throws FsException {
        Handle h = fh > 0 && fh < slots.length() ? slots.get((int) fh) : null;
        if (h == null) {
            throw new FsException(Errno.EBADF, "unknown file handle " + fh);
        }
        return h;
    }

    /** Published before the handle itself, so whoever sees the handle sees its opener. */
    int opener(long fh) {
        return openers[(int) fh];
    }

    Handle remove(long fh) throws FsException {
        Handle h = get(fh);
        slots.set((int) fh, null);
        free.add((int) fh);
        return h;
    }
}
