package io.vexfs.core.index;

/**
 * What turns a vector into the codes a search walks the graph on, kept in memory beside it
 * ({@link AnnIndex}): product codes ({@code pq_subspaces}) or scalar codes ({@code quantization = int8}).
 */
sealed interface Quantizer permits ProductCodes, ScalarCodes {
    /** Bytes of codes a vector takes. */
    int codeBytes();

    /** The codes of {@code row} into dest[at, at + codeBytes()). */
    void encode(float[] row, byte[] dest, int at);

    /** The heap the quantizer itself takes (not its codes). */
    long quantizerBytes();

    /** What the index file keeps of the quantizer, to read the stored codes back with. */
    byte[] serialized();
}
