package io.vexfs.core.query;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.fs.Errno;
import io.vexfs.core.fs.FsException;

/**
 * One name under .search/: its results, replaced whole by each commit, or the refusal of the last
 * query written to it. The object is the name's identity: once unlinked or expired, a handle still
 * open on it commits to nothing anyone can open.
 */
final class QueryFile {
    /** What reads of a query file return: results, or why the query written last was refused. */
    record State(byte[] results, InvalidInputException refusal) {
        static final State EMPTY = new State(new byte[0], null);

        static State of(byte[] results) {
            return new State(results, null);
        }

        static State refused(InvalidInputException refusal) {
            return new State(EMPTY.results, refusal);
        }

        /** A read of a refused query fails (EINVAL) and says why, so `cat` does not print "no neighbours". */
        byte[] readable() throws FsException {
            if (refusal != null) {
                throw new FsException(Errno.EINVAL, refusal.where(),
                        "the last query written here was refused: " + refusal.reason());
            }
            return results;
        }
    }

    private volatile State state = State.EMPTY;

    State state() {
        return state;
    }

    void set(State next) {
        state = next;
    }
}
