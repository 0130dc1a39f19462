package io.vexfs.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A plain-text table: columns padded to their widest cell, figures right-aligned. */
final class Table {
    private static final Pattern FIGURE = Pattern.compile("[-+]?[\\d.,]+(\\s?\\S{1,4})?%?|n/a|-");

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(headers.size() + " columns, " + cells.length + " cells");
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object c : cells) {
            row.add(String.valueOf(c));
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        out.print(render());
    }

    String render() {
        int[] width = new int[headers.size()];
        boolean[] numeric = new boolean[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            numeric[c] = !rows.isEmpty();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
                numeric[c] &= FIGURE.matcher(row.get(c)).matches();
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, width, numeric);
        for (int c = 0; c < width.length; c++) {
            sb.append("-".repeat(width[c])).append(c == width.length - 1 ? "\n" : "  ");
        }
        for (List<String> row : rows) {
            line(sb, row, width, numeric);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width, boolean[] numeric) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            line.append(numeric[c] ? pad + cell : cell + pad).append("  ");
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    /** A section heading above a table. */
    static void heading(PrintWriter out, String title) {
        out.println();
        out.println(title);
    }
}
