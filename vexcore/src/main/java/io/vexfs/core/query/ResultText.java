package io.vexfs.core.query;

import io.vexfs.core.search.Hit;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The text a query file reads as: per hit one line {@code query<TAB>rank<TAB>distance<TAB>path},
 * queries from 0, ranks from 1, best first. A distance is the shortest decimal that reads back
 * as the same float32, written without an exponent so that {@code sort -n} orders it. A tab,
 * newline or backslash inside a file name is written as \t, \n or \\ so each hit stays one line
 * of four fields.
 */
final class ResultText {
    private static final byte[] EMPTY = new byte[0];

    private ResultText() {
    }

    static byte[] render(List<List<Hit>> hits) {
        int lines = 0;
        for (List<Hit> perQuery : hits) {
            lines += perQuery.size();
        }
        if (lines == 0) {
            return EMPTY;
        }
        StringBuilder sb = new StringBuilder(lines * 48);
        for (int q = 0; q < hits.size(); q++) {
            List<Hit> perQuery = hits.get(q);
            for (int rank = 0; rank < perQuery.size(); rank++) {
                Hit hit = perQuery.get(rank);
                sb.append(q).append('\t').append(rank + 1).append('\t');
                appendDistance(sb, hit.distance());
                sb.append('\t');
                appendName(sb, hit.name());
                sb.append('\n');
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void appendDistance(StringBuilder sb, float distance) {
        String shortest = Float.toString(distance);
        if (shortest.indexOf('E') >= 0) {
            sb.append(new BigDecimal(shortest).stripTrailingZeros().toPlainString());
        } else if (shortest.endsWith(".0")) {
            sb.append(shortest, 0, shortest.length() - 2);
        } else {
            sb.append(shortest);
        }
    }

    private static void appendName(StringBuilder sb, String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (c) {
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c);
            }
        }
    }
}
