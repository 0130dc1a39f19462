package io.vexfs.core.search;

import io.vexfs.core.kernel.VectorKernels;

/**
 * A block of queries packed for the tile kernel: panels of up to
 * {@link VectorKernels#MAX_PANEL_WIDTH} vectors of {@code lanes} queries, each panel's queries
 * interleaved by element, padded with zero queries to whole vectors; and per query (column)
 * its squared norm and the query side of the candidate test. Built once per block by the
 * searching thread, then read by every part.
 */
final class QueryPanels {
    private float[] packed = new float[0];
    private int[] panelOffsets = new int[0];
    private int[] panelWidths = new int[0];
    private int[] panelColumns = new int[0];
    private float[] norms = new float[0];
    private float[] scales = new float[0];
    private float[] shifts = new float[0];
    private int panels;
    private int count;
    private int columns;

    /** Packs queries [from, from + count) of {@code queries}, whose squared norms are norms[from, from + count). */
    void pack(float[] queries, float[] queryNorms, int from, int count, int dim, CandidateBounds bounds) {
        int lanes = VectorKernels.lanes();
        int vectors = (count + lanes - 1) / lanes;
        this.count = count;
        this.columns = vectors * lanes;
        this.panels = (vectors + VectorKernels.MAX_PANEL_WIDTH - 1) / VectorKernels.MAX_PANEL_WIDTH;
        if (packed.length < columns * dim) {
            packed = new float[columns * dim];
        }
        if (norms.length < columns) {
            norms = new float[columns];
            scales = new float[columns];
            shifts = new float[columns];
        }
        if (panelOffsets.length < panels) {
            panelOffsets = new int[panels];
            panelWidths = new int[panels];
            panelColumns = new int[panels];
        }
        int column = 0;
        for (int p = 0; p < panels; p++) {
            int width = Math.min(VectorKernels.MAX_PANEL_WIDTH, vectors - column / lanes);
            int panelColumnCount = width * lanes;
            panelOffsets[p] = column * dim;
            panelWidths[p] = width;
            panelColumns[p] = column;
            for (int c = 0; c < panelColumnCount; c++) {
                int q = column + c;
                int at = column * dim + c;
                if (q < count) {
                    int source = (from + q) * dim;
                    for (int i = 0; i < dim; i++, at += panelColumnCount) {
                        packed[at] = queries[source + i];
                    }
                    float norm = queryNorms[from + q];
                    norms[q] = norm;
                    scales[q] = bounds.queryScale(norm);
                    shifts[q] = bounds.queryShift(norm);
                } else {
                    for (int i = 0; i < dim; i++, at += panelColumnCount) {
                        packed[at] = 0f;
                    }
                    norms[q] = 0f;
                    scales[q] = 0f;
                    shifts[q] = 0f;
                }
            }
            column += panelColumnCount;
        }
    }

    /** Real queries; columns at and past it are padding. */
    int count() {
        return count;
    }

    /** Queries including padding: a whole number of vectors. */
    int columns() {
        return columns;
    }

    int panels() {
        return panels;
    }

    float[] packed() {
        return packed;
    }

    int offset(int panel) {
        return panelOffsets[panel];
    }

    int width(int panel) {
        return panelWidths[panel];
    }

    /** The block-local index of the panel's first query. */
    int firstColumn(int panel) {
        return panelColumns[panel];
    }

    float norm(int query) {
        return norms[query];
    }

    float[] scales() {
        return scales;
    }

    float[] shifts() {
        return shifts;
    }

    /** Drops arrays that outgrew {@code maxFloats}, so one huge batch does not pin memory in a thread. */
    void trim(int maxFloats) {
        if (packed.length > maxFloats) {
            packed = new float[0];
        }
        if (norms.length > maxFloats) {
            norms = new float[0];
            scales = new float[0];
            shifts = new float[0];
        }
    }
}
