package io.vexfs.core.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What the three push decoders share: the dead state after a refusal, so that every later call
 * refuses again instead of decoding from the middle of a fault, and their construction.
 */
abstract sealed class StreamDecoder implements VectorStreamDecoder permits VecDecoder, FvecsDecoder, NpyDecoder {
    /** No limit on the numbers of one file: a file streamed to disk may hold more than a heap array. */
    static final long UNLIMITED = Long.MAX_VALUE;
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The first refusal or failure; every later call throws it again. */
    private Exception fault;
    private boolean finished;

    /**
     * @param firstLine the line number of the first .vec line (1 for a whole file)
     * @param maxValues the most numbers the file may hold: {@link VectorCodec#MAX_VALUES} when
     *                  the rows are gathered into one array, else {@link #UNLIMITED}
     */
    static StreamDecoder create(VectorFormat format, int expectedDim, int firstLine, long maxValues, RowSink sink) {
        if (expectedDim < 0 || expectedDim > VectorCodec.MAX_DIMENSION) {
            throw new IllegalArgumentException("expectedDim " + expectedDim);
        }
        return switch (format) {
            case VEC -> new VecDecoder(expectedDim, firstLine, maxValues, sink);
            case FVECS -> new FvecsDecoder(expectedDim, maxValues, sink);
            case NPY -> new NpyDecoder(expectedDim, maxValues, sink);
        };
    }

    @Override
    public final void accept(MemorySegment bytes) throws InvalidInputException, IOException {
        live();
        try {
            consume(bytes);
        } catch (InvalidInputException | IOException | RuntimeException e) {
            fault = e;
            throw e;
        }
    }

    @Override
    public final DecodedShape finish() throws InvalidInputException, IOException {
        live();
        finished = true;
        try {
            return end();
        } catch (InvalidInputException | IOException | RuntimeException e) {
            fault = e;
            throw e;
        }
    }

    abstract void consume(MemorySegment bytes) throws InvalidInputException, IOException;

    abstract DecodedShape end() throws InvalidInputException, IOException;

    private void live() throws InvalidInputException, IOException {
        switch (fault) {
            case null -> {
                if (finished) {
                    throw new IllegalStateException("the file was already finished");
                }
            }
            case InvalidInputException e -> throw new InvalidInputException(e.where(), e.reason());
            case IOException e -> throw new IOException("an earlier write failed: " + e.getMessage(), e);
            default -> throw new IllegalStateException("an earlier call failed", fault);
        }
    }

    static InvalidInputException tooManyValues(String where, long maxValues) {
        return new InvalidInputException(where, "more than " + maxValues + " numbers in one file");
    }

    static InvalidInputException dimensionMismatch(String where, int dim, int expectedDim) {
        return new InvalidInputException(where, "dimension " + dim + " differs from the collection's " + expectedDim);
    }
}
