package io.vexfs.bench.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** One scrape of a mount's .vexfs/metrics (Prometheus text format), keyed by series: name{labels}. */
final class PromText {
    private static final String OP_COUNT = "vexfs_op_seconds_count{op=\"";
    private static final String OP_SUM = "vexfs_op_seconds_sum{op=\"";

    private final Map<String, Double> series;

    private PromText(Map<String, Double> series) {
        this.series = series;
    }

    static PromText scrape(Path mountpoint) throws IOException {
        Map<String, Double> series = new HashMap<>();
        for (String line : Files.readAllLines(mountpoint.resolve(".vexfs/metrics"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new PromText(series);
    }

    /** The value, or NaN when this build does not export the series. */
    double get(String name) {
        return series.getOrDefault(name, Double.NaN);
    }

    boolean has(String name) {
        return series.containsKey(name);
    }

    Set<String> ops() {
        Set<String> ops = new TreeSet<>();
        for (String key : series.keySet()) {
            if (key.startsWith(OP_COUNT)) {
                ops.add(key.substring(OP_COUNT.length(), key.length() - 2));
            }
        }
        return ops;
    }

    double opCount(String op) {
        return get(OP_COUNT + op + "\"}");
    }

    double opSeconds(String op) {
        return get(OP_SUM + op + "\"}");
    }
}
