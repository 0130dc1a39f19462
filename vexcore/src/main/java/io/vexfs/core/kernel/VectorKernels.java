package io.vexfs.core.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Optional;

/**
 * The distance kernels every search uses. Queries are float arrays; stored rows are read where
 * the storage keeps them, as a {@link MemorySegment} (heap or native, e.g. a slice of a mapped
 * segment file) holding rows * dim float32 values, little-endian, row-major, so a stored vector is
 * a segment and a byte offset and nothing is copied per comparison.
 *
 * <p>Two implementations sit behind this facade, SIMD on the Vector API and plain scalar Java,
 * switched live with {@link #setSimd(boolean)} (the {@code simd} toggle and the config key
 * {@code enable_simd}). Both add in the same fixed order, so their results are bitwise
 * identical and a search ranks and prints the same whichever is on.
 */
public final class VectorKernels {
    /** How stored rows hold a float: little-endian whatever the platform, at any byte offset. */
    public static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final System.Logger LOG = System.getLogger(VectorKernels.class.getName());
    /** The lane count the scalar kernels mirror when there is no Vector API to match: AVX2's. */
    private static final int FALLBACK_LANES = 8;
    private static final Optional<String> SIMD_UNAVAILABLE_REASON = findSimdUnavailableReason();
    private static final Kernels SIMD = SIMD_UNAVAILABLE_REASON.isEmpty() ? new PanamaKernels() : null;
    private static final Kernels SCALAR = new ScalarKernels(SIMD == null ? FALLBACK_LANES : SIMD.lanes());

    private static volatile Kernels current = SIMD == null ? SCALAR : SIMD;

    static {
        SIMD_UNAVAILABLE_REASON.ifPresent(reason ->
                LOG.log(System.Logger.Level.WARNING, "SIMD kernels unavailable, using scalar kernels: " + reason));
    }

    private VectorKernels() {
    }

    /** Whether the Vector API can be used in this JVM; if not, {@link #setSimd(boolean) setSimd(true)} fails. */
    public static boolean isSimdAvailable() {
        return SIMD != null;
    }

    /** Why SIMD is unavailable, for the control plane; empty when it is available. */
    public static Optional<String> simdUnavailableReason() {
        return SIMD_UNAVAILABLE_REASON;
    }

    public static boolean isSimd() {
        return current == SIMD;
    }

    /**
     * Switches the kernels every later call uses. A call already running finishes with the
     * implementation it started with, which gives the same bits anyway.
     *
     * @throws IllegalStateException when turning SIMD on in a JVM without a usable Vector API
     */
    public static void setSimd(boolean enabled) {
        if (enabled && SIMD == null) {
            throw new IllegalStateException("SIMD kernels unavailable: " + SIMD_UNAVAILABLE_REASON.orElseThrow());
        }
        current = enabled ? SIMD : SCALAR;
    }

    /** Floats per vector register, which fixes the summation order of both implementations. */
    public static int lanes() {
        return SCALAR.lanes();
    }

    /** "simd" or "scalar", with the lane count, for stats and the optimizations file. */
    public static String describe() {
        return (isSimd() ? "simd" : "scalar") + " (" + lanes() + " float lanes)";
    }

    /** The dot product of a[aOffset, aOffset + dim) and b[bOffset, bOffset + dim). */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        Objects.checkFromIndexSize(aOffset, dim, a.length);
        Objects.checkFromIndexSize(bOffset, dim, b.length);
        return current.dot(a, aOffset, b, bOffset, dim);
    }

    /** The squared Euclidean distance between a[aOffset, aOffset + dim) and b[bOffset, bOffset + dim). */
    public static float squaredL2(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        Objects.checkFromIndexSize(aOffset, dim, a.length);
        Objects.checkFromIndexSize(bOffset, dim, b.length);
        return current.squaredL2(a, aOffset, b, bOffset, dim);
    }

    /**
     * The squared Euclidean norm of a[aOffset, aOffset + dim). With {@link #dot} it is what
     * cosine needs: norms are computed once per vector, not once per pair.
     */
    public static float squaredNorm(float[] a, int aOffset, int dim) {
        Objects.checkFromIndexSize(aOffset, dim, a.length);
        return current.squaredNorm(a, aOffset, dim);
    }

    /** The dot product of query[queryOffset, queryOffset + dim) and the stored row at byte {@code rowOffset} of {@code rows}. */
    public static float dot(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        checkRows(query, queryOffset, rows, rowOffset, dim, 1);
        return current.dot(query, queryOffset, rows, rowOffset, dim);
    }

    /** The squared Euclidean distance between query[queryOffset, queryOffset + dim) and the stored row at byte {@code rowOffset}. */
    public static float squaredL2(float[] query, int queryOffset, MemorySegment rows, long rowOffset, int dim) {
        checkRows(query, queryOffset, rows, rowOffset, dim, 1);
        return current.squaredL2(query, queryOffset, rows, rowOffset, dim);
    }

    /** The dot product of two stored rows: bitwise what the query kernel gives for a query equal to the first. */
    public static float dot(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim) {
        Objects.checkFromIndexSize(aOffset, (long) dim * Float.BYTES, a.byteSize());
        Objects.checkFromIndexSize(rowOffset, (long) dim * Float.BYTES, rows.byteSize());
        return current.dot(a, aOffset, rows, rowOffset, dim);
    }

    /** The squared Euclidean distance between two stored rows: bitwise what the query kernel gives for a query equal to the first. */
    public static float squaredL2(MemorySegment a, long aOffset, MemorySegment rows, long rowOffset, int dim) {
        Objects.checkFromIndexSize(aOffset, (long) dim * Float.BYTES, a.byteSize());
        Objects.checkFromIndexSize(rowOffset, (long) dim * Float.BYTES, rows.byteSize());
        return current.squaredL2(a, aOffset, rows, rowOffset, dim);
    }

    /** The squared Euclidean norm of the stored row at byte {@code rowOffset} of {@code rows}. */
    public static float squaredNorm(MemorySegment rows, long rowOffset, int dim) {
        Objects.checkFromIndexSize(rowOffset, (long) dim * Float.BYTES, rows.byteSize());
        return current.squaredNorm(rows, rowOffset, dim);
    }

    /**
     * The squared Euclidean distances between the query at query[queryOffset, queryOffset + dim)
     * and the {@code count} consecutive stored rows of {@code dim} values from byte
     * {@code rowsOffset} of {@code rows}, into out[0, count): each bitwise what
     * {@link #squaredL2(float[], int, MemorySegment, long, int)} gives for that row. Several rows
     * per call share the query's loads and the final reduction, which is what makes a scan
     * memory-bound.
     */
    public static void squaredL2Rows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count,
                                     float[] out) {
        checkRows(query, queryOffset, rows, rowsOffset, dim, count);
        Objects.checkFromIndexSize(0, count, out.length);
        current.squaredL2Rows(query, queryOffset, rows, rowsOffset, dim, count, out);
    }

    /**
     * The squared distances of the query to three stored rows, each anywhere in its own segment,
     * into out[0..2]: each bitwise what {@link #squaredL2(float[], int, MemorySegment, long, int)}
     * gives for it. One pass over the three overlaps their cache misses, which is what a graph
     * walk's scattered rows cost (ScatteredRowsBench, rows picked at random from 256 MiB: 1.71x
     * the rows a second at 128 dimensions, 1.40x at 784).
     */
    public static void squaredL2Three(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1,
                                      long offset1, MemorySegment rows2, long offset2, int dim, float[] out) {
        checkThree(query, queryOffset, rows0, offset0, rows1, offset1, rows2, offset2, dim, out);
        current.squaredL2Three(query, queryOffset, rows0, offset0, rows1, offset1, rows2, offset2, dim, out);
    }

    /** The dot products of the query with three stored rows, as {@link #squaredL2Three}: each bitwise the single-row dot. */
    public static void dotThree(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1,
                                long offset1, MemorySegment rows2, long offset2, int dim, float[] out) {
        checkThree(query, queryOffset, rows0, offset0, rows1, offset1, rows2, offset2, dim, out);
        current.dotThree(query, queryOffset, rows0, offset0, rows1, offset1, rows2, offset2, dim, out);
    }

    /** The dot products of the query with {@code count} consecutive stored rows, as {@link #squaredL2Rows}: each bitwise the single-row dot. */
    public static void dotRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count, float[] out) {
        checkRows(query, queryOffset, rows, rowsOffset, dim, count);
        Objects.checkFromIndexSize(0, count, out.length);
        current.dotRows(query, queryOffset, rows, rowsOffset, dim, count, out);
    }

    /**
     * {@link #dotRows} into dots and each row's squared norm into squaredNorms, both bitwise as
     * the single-row kernels, from one pass over the rows: what cosine needs per row.
     */
    public static void dotAndSquaredNormRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count,
                                             float[] dots, float[] squaredNorms) {
        checkRows(query, queryOffset, rows, rowsOffset, dim, count);
        Objects.checkFromIndexSize(0, count, dots.length);
        Objects.checkFromIndexSize(0, count, squaredNorms.length);
        current.dotAndSquaredNormRows(query, queryOffset, rows, rowsOffset, dim, count, dots, squaredNorms);
    }

    /**
     * The squared distance between a query's codes, query[0, dim) (widened to shorts once per
     * query), and a row of byte codes, codes[offset, offset + dim), every code in [0, 127] (l2's
     * int8 codes; outside that range the SIMD kernel's 16-bit lanes can overflow). Exact: an int,
     * the same in both implementations.
     */
    public static int squaredDistanceCodes(short[] query, byte[] codes, int offset, int dim) {
        Objects.checkFromIndexSize(0, dim, query.length);
        Objects.checkFromIndexSize(offset, dim, codes.length);
        return current.squaredDistanceCodes(query, codes, offset, dim);
    }

    /** The dot product of a query's codes and a row of byte codes, every code in [-127, 127]; exact, as {@link #squaredDistanceCodes}. */
    public static int dotCodes(short[] query, byte[] codes, int offset, int dim) {
        Objects.checkFromIndexSize(0, dim, query.length);
        Objects.checkFromIndexSize(offset, dim, codes.length);
        return current.dotCodes(query, codes, offset, dim);
    }

    /**
     * {@link #squaredDistanceCodes} of the query and three rows of codes, each anywhere in its own
     * array, into out[0..2], in one pass over the three (as {@link #squaredL2Three}: a graph walk's
     * rows are scattered, and their cache misses overlap). ScatteredRowsBench: 2.38x the rows a
     * second of the float three-row kernel from memory at 784 dimensions, 1.50x at 128; 2.35x and
     * 2.39x from cache.
     */
    public static void squaredDistanceCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1,
                                                 byte[] codes2, int offset2, int dim, int[] out) {
        checkCodesThree(query, codes0, offset0, codes1, offset1, codes2, offset2, dim, out);
        current.squaredDistanceCodesThree(query, codes0, offset0, codes1, offset1, codes2, offset2, dim, out);
    }

    /** {@link #dotCodes} of the query and three rows of codes, as {@link #squaredDistanceCodesThree}. */
    public static void dotCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2,
                                     int offset2, int dim, int[] out) {
        checkCodesThree(query, codes0, offset0, codes1, offset1, codes2, offset2, dim, out);
        current.dotCodesThree(query, codes0, offset0, codes1, offset1, codes2, offset2, dim, out);
    }

    /** Stored rows per tile of the batch kernels. */
    public static final int TILE_ROWS = Kernels.TILE_ROWS;
    /** The widest panel of the batch kernels, in vectors of {@link #lanes()} queries. */
    public static final int MAX_PANEL_WIDTH = Kernels.MAX_PANEL_WIDTH;

    /**
     * The batch micro-kernel: the dot products of the {@code width * lanes()} queries of a panel
     * with {@link #TILE_ROWS} consecutive rows of {@code rows} from {@code rowsOffset}, query c
     * of the panel with row t into out[t * width * lanes() + c]. A panel interleaves its queries
     * by element: element i of query c at panel[panelOffset + i * width * lanes() + c]. Each dot
     * is one chain of fused multiply-adds in increasing element order from +0, bitwise the same
     * with SIMD on or off but not the single-row kernels' order.
     */
    public static void dotTile(float[] panel, int panelOffset, int width, float[] rows, int rowsOffset, int dim, float[] out) {
        if (width < 1 || width > MAX_PANEL_WIDTH || dim < 1) {
            throw new IllegalArgumentException("panel width " + width + ", dimension " + dim);
        }
        int columns = width * lanes();
        Objects.checkFromIndexSize(panelOffset, dim * columns, panel.length);
        Objects.checkFromIndexSize(rowsOffset, TILE_ROWS * dim, rows.length);
        Objects.checkFromIndexSize(0, TILE_ROWS * columns, out.length);
        current.dotTile(panel, panelOffset, width, rows, rowsOffset, dim, out);
    }

    /**
     * Picks the entries of a {@link #dotTile} result that may be candidates: for tile rows
     * t < rowCount and panel columns c, with q = queryOffset + c and r = rowOffset + t, those where
     * {@code fma(tile[j], queryScale[q] * rowScale[r], queryShift[q] + rowShift[r]) <= limit[q]}
     * in float (a NaN never passes). Their indices j = t * width * lanes() + c go to passed,
     * ordered by query vector (c / lanes()), then t, then c; returns how many.
     */
    public static int selectTile(float[] tile, int width, int rowCount, float[] queryScale, float[] queryShift, float[] limit,
                                 int queryOffset, float[] rowScale, float[] rowShift, int rowOffset, int[] passed) {
        if (width < 1 || width > MAX_PANEL_WIDTH || rowCount < 0 || rowCount > TILE_ROWS) {
            throw new IllegalArgumentException("panel width " + width + ", rows " + rowCount);
        }
        int columns = width * lanes();
        Objects.checkFromIndexSize(0, rowCount * columns, tile.length);
        Objects.checkFromIndexSize(0, rowCount * columns, passed.length);
        Objects.checkFromIndexSize(queryOffset, columns, Math.min(queryScale.length, Math.min(queryShift.length, limit.length)));
        Objects.checkFromIndexSize(rowOffset, rowCount, Math.min(rowScale.length, rowShift.length));
        return current.selectTile(tile, width, rowCount, queryScale, queryShift, limit, queryOffset, rowScale, rowShift, rowOffset,
                passed);
    }

    /** Once per call, so the kernels' loops index within proven ranges. */
    private static void checkRows(float[] query, int queryOffset, MemorySegment rows, long rowsOffset, int dim, int count) {
        Objects.checkFromIndexSize(queryOffset, dim, query.length);
        Objects.checkFromIndexSize(rowsOffset, (long) dim * count * Float.BYTES, rows.byteSize());
    }

    private static void checkThree(float[] query, int queryOffset, MemorySegment rows0, long offset0, MemorySegment rows1,
                                   long offset1, MemorySegment rows2, long offset2, int dim, float[] out) {
        checkRows(query, queryOffset, rows0, offset0, dim, 1);
        Objects.checkFromIndexSize(offset1, (long) dim * Float.BYTES, rows1.byteSize());
        Objects.checkFromIndexSize(offset2, (long) dim * Float.BYTES, rows2.byteSize());
        Objects.checkFromIndexSize(0, 3, out.length);
    }

    private static void checkCodesThree(short[] query, byte[] codes0, int offset0, byte[] codes1, int offset1, byte[] codes2,
                                        int offset2, int dim, int[] out) {
        Objects.checkFromIndexSize(0, dim, query.length);
        Objects.checkFromIndexSize(offset0, dim, codes0.length);
        Objects.checkFromIndexSize(offset1, dim, codes1.length);
        Objects.checkFromIndexSize(offset2, dim, codes2.length);
        Objects.checkFromIndexSize(0, 3, out.length);
    }

    private static Optional<String> findSimdUnavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.of("the module jdk.incubator.vector is not loaded (start the JVM with --add-modules jdk.incubator.vector)");
        }
        // Interpreted, the Vector API boxes every vector and runs far slower than scalar code.
        if (String.valueOf(System.getProperty("java.vm.info")).contains("interpreted mode")) {
            return Optional.of("the JVM runs interpreted (-Xint), without the JIT the Vector API needs");
        }
        if (PanamaKernels.preferredLanes() < PanamaKernels.MIN_LANES) {
            return Optional.of("the widest float vector has " + PanamaKernels.preferredLanes() + " lanes, fewer than the "
                    + PanamaKernels.MIN_LANES + " the kernels need");
        }
        return Optional.empty();
    }
}
