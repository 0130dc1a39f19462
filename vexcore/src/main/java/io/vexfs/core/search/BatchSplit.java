package io.vexfs.core.search;

/**
 * How a batch is shared among the threads of a search ({@link SearchOptions#parallelism()}).
 * Both give the same answer.
 */
public enum BatchSplit {
    /** Every thread takes every query over its own range of rows; the parts' top-k merge at the end. */
    ROWS,
    /** Every thread takes whole blocks of queries over all rows; nothing to merge, but each thread reads every row. */
    QUERIES
}
