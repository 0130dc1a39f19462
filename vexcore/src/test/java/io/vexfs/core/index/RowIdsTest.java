package io.vexfs.core.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RowIdsTest {
    @Test
    void fileAndRowComeBack() {
        for (int file : new int[] {0, 1, 77, Integer.MAX_VALUE}) {
            for (int row : new int[] {0, 1, 1 << 20, Integer.MAX_VALUE}) {
                long id = RowIds.of(file, row);
                assertEquals(file, RowIds.file(id));
                assertEquals(row, RowIds.row(id));
            }
        }
    }

    @Test
    void idsOrderByFileThenRow() {
        assertEquals(-1, Long.compare(RowIds.of(1, Integer.MAX_VALUE), RowIds.of(2, 0)));
    }

    @Test
    void refusesNegatives() {
        assertThrows(IllegalArgumentException.class, () -> RowIds.of(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> RowIds.of(0, -1));
    }
}
