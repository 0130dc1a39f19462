package io.vexfs.core.metrics;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The line format shared by .vexfs/slowlog and .vexfs/errors: tab-separated, one record a line. */
final class LogText {
    /** Fixed width and UTC, so lines sort by time as text. */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private LogText() {
    }

    static String time(Instant at) {
        return TIME.format(at);
    }

    /**
     * A field that cannot break the line: file names may hold tabs, newlines and backslashes,
     * which become {@code \t}, {@code \n}, {@code \r} and {@code \\}.
     */
    static String field(String s) {
        if (s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0 && s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
