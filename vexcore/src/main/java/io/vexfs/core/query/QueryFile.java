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
    /** What reads of a query file return: results, or why the query written last was refused or failed. */
    record State(byte[] results, Errno errno, String where, String why) {
        static final State EMPTY = new State(new byte[0], null, "", "");

        static State of(byte[] results) {
            return new State(results, null, "", "");
        }

        static State refused(InvalidInputException refusal) {
            return new State(EMPTY.results, Errno.EINVAL, refusal.where(), "the last query written here was refused: " + refusal.reason());
        }

        /** The search of the last query failed (stored data that fails its checksum): reads fail with EIO. */
        static State failed(String why) {
            return new State(EMPTY.results, Errno.EIO, "", "the last query written here failed: " + why);
        }

        /** A read of a refused or failed query fails and says why, so `cat` prints neither "no neighbours" nor an older answer. */
        byte[] readable() throws FsException {
            if (errno != null) {
                throw new FsException(errno, where, why);
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
