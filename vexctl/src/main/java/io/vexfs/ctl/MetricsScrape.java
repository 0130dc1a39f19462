package io.vexfs.ctl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeSet;

/**
 * One read of .vexfs/metrics (Prometheus text exposition format), parsed into samples.
 * Tolerant: unknown metrics are kept and can be listed, missing ones read as absent.
 *
 * @param nanoTime {@link System#nanoTime()} when it was read, for rates between two scrapes
 */
record MetricsScrape(Instant at, long nanoTime, List<Sample> samples) {
    static final String OP_SECONDS = "vexfs_op_seconds";

    /** One sample line: {@code name{labels} value}. */
    record Sample(String name, Map<String, String> labels, double value) {
        String label(String key) {
            return labels.get(key);
        }
    }

    static MetricsScrape parse(String text, long nanoTime) {
        List<Sample> samples = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new MetricsScrape(Instant.now(), nanoTime, List.copyOf(samples));
    }

    private static Sample parseLine(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            rest = parseLabels(line, brace + 1, labels);
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        String[] tail = line.substring(rest).strip().split("\\s+");
        return new Sample(name, labels, number(tail[0]));
    }

    /** Parses {@code k="v",...}} from {@code i}; returns the index after the closing brace. */
    private static int parseLabels(String line, int i, Map<String, String> labels) {
        while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).strip();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            while (line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\') {
                    char next = line.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
                j++;
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }

    private static double number(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** The value of an unlabelled metric. */
    OptionalDouble value(String name) {
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().isEmpty()) {
                return OptionalDouble.of(s.value());
            }
        }
        return OptionalDouble.empty();
    }

    boolean has(String name) {
        return value(name).isPresent();
    }

    /** The value of an unlabelled metric, or 0 when the mount does not expose it. */
    double valueOrZero(String name) {
        return value(name).orElse(0);
    }

    OptionalDouble value(String name, String labelKey, String labelValue) {
        for (Sample s : samples) {
            if (s.name().equals(name) && labelValue.equals(s.label(labelKey))) {
                return OptionalDouble.of(s.value());
            }
        }
        return OptionalDouble.empty();
    }

    /** The operations the mount times, in name order. */
    List<String> ops() {
        TreeSet<String> ops = new TreeSet<>();
        for (Sample s : samples) {
            if (s.name().equals(OP_SECONDS + "_count") && s.label("op") != null) {
                ops.add(s.label("op"));
            }
        }
        return List.copyOf(ops);
    }

    long opCount(String op) {
        return (long) value(OP_SECONDS + "_count", "op", op).orElse(0);
    }

    /** What the mount's timer of {@code op} says; latencies in microseconds. */
    OpStats op(String op) {
        double p50 = 0;
        double p95 = 0;
        double p99 = 0;
        for (Sample s : samples) {
            if (s.name().equals(OP_SECONDS) && op.equals(s.label("op"))) {
                switch (s.label("quantile")) {
                    case "0.5" -> p50 = s.value() * 1e6;
                    case "0.95" -> p95 = s.value() * 1e6;
                    case "0.99" -> p99 = s.value() * 1e6;
                    case null, default -> {
                        // other quantiles are not shown
                    }
                }
            }
        }
        return new OpStats(op, opCount(op), value(OP_SECONDS + "_sum", "op", op).orElse(0) * 1e6,
                p50, p95, p99, value(OP_SECONDS + "_max", "op", op).orElse(0) * 1e6);
    }

    List<OpStats> opStats() {
        return ops().stream().map(this::op).toList();
    }

    /** Seconds from {@code earlier} to this scrape. */
    double secondsSince(MetricsScrape earlier) {
        return (nanoTime - earlier.nanoTime) / 1e9;
    }

    /**
     * One operation as the mount's timer reports it. The percentiles are Micrometer's, over its
     * recent window (about a minute); count and total time are since the mount started.
     */
    record OpStats(String op, long count, double totalMicros, double p50Micros, double p95Micros,
                   double p99Micros, double maxMicros) {
        double meanMicros() {
            return count == 0 ? 0 : totalMicros / count;
        }
    }
}
