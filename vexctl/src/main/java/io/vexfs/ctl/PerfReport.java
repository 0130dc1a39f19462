package io.vexfs.ctl;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON every measuring command writes and {@code performance compare} and
 * {@code regression-test} read: named figures, each with its unit and which way is better,
 * plus the detail behind them.
 *
 * @param kind       "load-test", "stress-test", "regression-test" or "live" (performance report)
 * @param workload   what was run, or null for a live report
 * @param operations per kind of client operation (load tests) or per FUSE operation (live)
 * @param mountOps   how much each FUSE operation count of the mount grew during a load test
 * @param steps      the concurrency levels of a stress test
 * @param filesCreated   files a load run created (its creates, for checking against the mount's create count)
 * @param vectorsWritten vectors a load run committed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record PerfReport(String kind, String createdAt, String mount, Workload workload, Map<String, Figure> figures,
                  List<OpFigures> operations, Map<String, Long> mountOps, Map<String, Double> mountCounters,
                  List<StressStep> steps, Long filesCreated, Long vectorsWritten) {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static final String HIGHER = "higher";
    static final String LOWER = "lower";

    /** One number, its unit, and whether "higher" or "lower" is better. */
    record Figure(double value, String unit, String better) {
    }

    record Workload(double durationSeconds, int concurrency, int dim, int vectorsPerFile, String mix) {
    }

    record OpFigures(String op, long count, long errors, long skipped, double opsPerSecond, double p50Us, double p95Us,
                     double p99Us, double maxUs) {
    }

    record StressStep(int concurrency, double opsPerSecond, double p50Us, double p95Us, double p99Us, double errorRatePct,
                      String verdict) {
    }

    static String now() {
        return Instant.now().toString();
    }

    /** Figures in insertion order, for building one. */
    static Map<String, Figure> newFigures() {
        return new LinkedHashMap<>();
    }

    void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    /** Reads a report; given a Markdown report, reads the JSON written beside it. */
    static PerfReport read(Path file) {
        Path json = file.toString().endsWith(".md") ? jsonBeside(file) : file;
        if (!Files.isRegularFile(json)) {
            throw new Vexctl.UsageException("no report at " + json);
        }
        try {
            PerfReport r = JSON.readValue(json.toFile(), PerfReport.class);
            if (r.figures() == null || r.kind() == null) {
                throw new Vexctl.UsageException(json + " is not a vexctl report (no kind or figures)");
            }
            return r;
        } catch (IOException e) {
            throw new Vexctl.UsageException(json + " is not a vexctl report: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** report.md -> report.json; any other name gets ".json" appended. */
    static Path jsonBeside(Path output) {
        String name = output.getFileName().toString();
        String base = name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
        return output.resolveSibling(base + ".json");
    }
}
