package io.vexfs.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the progress commands ({@code text status}, {@code index status}) share: their --watch frames and their TSV rows. */
final class Watch {
    /** Draws one frame; returns whether everything shown is done. */
    interface Frame {
        boolean draw() throws IOException;
    }

    private Watch() {
    }

    /** Draws a frame, then with {@code watch} again every {@code interval} until one is done or {@code iterations} (> 0) were drawn. */
    static int frames(boolean watch, Duration interval, int iterations, PrintWriter out, Frame frame)
            throws IOException, InterruptedException {
        for (int n = 1; ; n++) {
            boolean done = frame.draw();
            out.flush();
            if (!watch || done || (iterations > 0 && n >= iterations)) {
                return Vexctl.OK;
            }
            Thread.sleep(interval.toMillis());
            out.println();
        }
    }

    /** The fields of each line of a control file's TSV after its header, skipping lines with fewer than {@code columns}. */
    static List<String[]> rows(String tsv, int columns) {
        List<String[]> rows = new ArrayList<>();
        String[] lines = tsv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].split("\t");
            if (fields.length >= columns) {
                rows.add(fields);
            }
        }
        return rows;
    }
}
