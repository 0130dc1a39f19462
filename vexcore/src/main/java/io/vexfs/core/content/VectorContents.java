package io.vexfs.core.content;

import io.vexfs.core.codec.VectorCodec;
import io.vexfs.core.codec.VectorData;

import java.lang.foreign.MemorySegment;

/** The canonical bytes of a vector file, which read() returns and stat sizes (DESIGN §2). */
public final class VectorContents {
    private VectorContents() {
    }

    /**
     * .fvecs and .npy render on demand from the floats (an .npy starts with data's header, or
     * numpy's header for shape (rows, dim) when it has none); .vec text is rendered once, here.
     */
    public static FileContent render(VectorData data) {
        return switch (data.format()) {
            case VEC -> VecText.render(data);
            case FVECS -> new FvecsContent(data.rows(), data.dim(), ByteSource.of(MemorySegment.ofArray(data.values())));
            case NPY -> new NpyContent(
                    data.npyHeader() != null ? data.npyHeader() : VectorCodec.npyHeader(data.rows(), data.dim()),
                    ByteSource.of(MemorySegment.ofArray(data.values())));
        };
    }
}
