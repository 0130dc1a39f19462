package io.vexfs.bench.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The evaluation corpus: Debian's manual pages (manpages, manpages-dev), each turned into plain
 * text by stripping its roff. The query of a page is the description of its NAME line ("open and
 * possibly create a file" from "open, openat, creat \- open and possibly create a file"); the
 * document to find is the page without its NAME section, so the query is not in it word for word.
 * Links and pages that only point to another page (.so) are left out, and so are descriptions that
 * more than one page shares: each query has exactly one right answer.
 */
final class ManPages {
    /** One page: its file name in the collection, its query, its text. */
    record Page(String name, String query, String text) {
    }

    private static final Pattern FONT = Pattern.compile("\\\\f(\\[[^]]*]|\\(..|.)");
    private static final Pattern NAMED_CHAR = Pattern.compile("\\\\(\\(..|\\[[^]]*])");
    private static final Pattern STRING = Pattern.compile("\\\\\\*(\\(..|\\[[^]]*]|.)");
    private static final Pattern OTHER_ESCAPE = Pattern.compile("\\\\[&|^:%,/)]");
    private static final Map<String, String> CHARS = Map.of("aq", "'", "dq", "\"", "em", "-", "en", "-", "hy", "-",
            "bu", "*", "lq", "\"", "rq", "\"", "co", "(c)", "mu", "x");

    private ManPages() {
    }

    /** The pages named in {@code list} (one .gz path per line, as dpkg -L prints them), in that order. */
    static List<Page> load(Path list) throws IOException {
        Map<String, List<Page>> byQuery = new LinkedHashMap<>();
        for (String line : Files.readAllLines(list)) {
            Path p = Path.of(line.strip());
            // A link (sinf.3 -> sin.3) is the same page under another name: each page once.
            if (!line.endsWith(".gz") || !Files.isRegularFile(p) || Files.isSymbolicLink(p)) {
                continue;
            }
            String roff;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
                roff = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Page page = parse(p.getFileName().toString().replaceAll("\\.gz$", ""), roff);
            if (page != null) {
                byQuery.computeIfAbsent(page.query().toLowerCase(java.util.Locale.ROOT), q -> new ArrayList<>()).add(page);
            }
        }
        List<Page> pages = new ArrayList<>();
        for (List<Page> same : byQuery.values()) {
            if (same.size() == 1) {
                // Names keep their section (open.2.txt), so they are unique.
                pages.add(same.getFirst());
            }
        }
        return pages;
    }

    /** The page's query and text, or null for a page that is only a pointer or has no NAME description. */
    static Page parse(String name, String roff) {
        String query = null;
        StringBuilder text = new StringBuilder();
        boolean inName = false;
        StringBuilder nameLine = new StringBuilder();
        for (String raw : roff.split("\n")) {
            if (raw.startsWith(".so ")) {
                return null;
            }
            if (raw.startsWith(".\\\"") || raw.startsWith("'\\\"") || raw.equals(".")) {
                continue;
            }
            if (raw.startsWith(".SH") || raw.startsWith(".SS")) {
                String heading = inline(arguments(raw.substring(3)));
                if (inName) {
                    query = description(nameLine.toString());
                }
                inName = raw.startsWith(".SH") && heading.equalsIgnoreCase("NAME");
                if (!inName) {
                    text.append("\n\n").append(heading).append("\n\n");
                }
                continue;
            }
            String line;
            if (raw.startsWith(".") || raw.startsWith("'")) {
                String macro = raw.substring(1).split("[ \t]", 2)[0];
                String args = raw.length() > macro.length() + 1 ? raw.substring(macro.length() + 2) : "";
                switch (macro) {
                    case "B", "I", "SM", "SB" -> line = inline(arguments(args));
                    case "BR", "RB", "BI", "IB", "IR", "RI" -> line = inline(arguments(args).replace("\u0000", ""));
                    case "PP", "LP", "P", "TP", "IP", "HP" -> {
                        text.append("\n\n");
                        line = macro.equals("IP") ? inline(arguments(args)) : "";
                    }
                    case "TH", "nh", "ad", "na", "hy", "ne", "ft", "ps", "ta", "ti", "in", "ll", "ds", "de", "ig", "if", "ie",
                         "el", "tr", "ce", "ns", "rs", "PD", "UC", "RS", "RE", "nf", "fi", "EX", "EE", "sp", "br", "TQ",
                         "UR", "UE", "MT", "ME", "ME.", "UE." -> line = "";
                    default -> line = "";
                }
            } else {
                line = inline(raw);
            }
            if (inName) {
                nameLine.append(' ').append(line);
            } else if (!line.isBlank()) {
                text.append(line).append('\n');
            }
        }
        if (inName) {
            query = description(nameLine.toString());
        }
        String body = text.toString().replaceAll("[ \t]+", " ").replaceAll("\n{3,}", "\n\n").strip();
        if (query == null || query.length() < 3 || body.length() < 100) {
            return null;
        }
        return new Page(name + ".txt", query, body);
    }

    /** "open, openat \- open and possibly create a file" gives "open and possibly create a file". */
    private static String description(String nameLine) {
        String line = nameLine.replaceAll("\\s+", " ").strip();
        int dash = line.indexOf(" - ");
        return dash < 0 ? null : line.substring(dash + 3).strip();
    }

    /** A macro's arguments, quotes removed (alternating-font macros join theirs without spaces, as roff prints them). */
    private static String arguments(String args) {
        List<String> parts = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"]|\"\")*)\"|(\\S+)").matcher(args);
        while (m.find()) {
            parts.add(m.group(1) != null ? m.group(1).replace("\"\"", "\"") : m.group(2));
        }
        return String.join(" ", parts);
    }

    /** A text line with roff's inline escapes turned into what they print. */
    static String inline(String s) {
        String out = FONT.matcher(s).replaceAll("");
        out = STRING.matcher(out).replaceAll("");
        Matcher m = NAMED_CHAR.matcher(out);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String code = m.group(1).startsWith("(") ? m.group(1).substring(1) : m.group(1).substring(1, m.group(1).length() - 1);
            m.appendReplacement(sb, Matcher.quoteReplacement(CHARS.getOrDefault(code, "")));
        }
        m.appendTail(sb);
        out = sb.toString().replace("\\-", "-").replace("\\e", "\\").replace("\\~", " ").replace("\\ ", " ")
                .replace("\\0", " ").replace("\\c", "");
        return OTHER_ESCAPE.matcher(out).replaceAll("");
    }
}
