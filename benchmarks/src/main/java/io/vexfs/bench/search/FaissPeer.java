package io.vexfs.bench.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * benchmarks/peers/faiss_flat.py (IndexFlatL2 or IndexFlatIP) on the same base and queries: its own timing of
 * one query per call and of all queries in one call, and the exact top-k ids.
 */
public final class FaissPeer {
    private FaissPeer() {
    }

    public record Result(String peer, int threads, int singleQueries, double singleQps, double singleP50Us,
                         double singleP99Us, int batchQueries, double batchQps, Answers exact) {
    }

    public static Result run(String python, Path script, Path base, Path queries, int k, int singles, int threads, String metric)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(python, script.toString(), base.toString(), queries.toString(),
                Integer.toString(k), Integer.toString(singles), Integer.toString(threads), metric)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != 0) {
            throw new IOException(script + " exited with status " + status);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(out);
        List<?> ids = (List<?>) json.get("ids");
        List<?> distances = (List<?>) json.get("distances");
        int[] rows = new int[ids.size() * k];
        float[] dist = new float[ids.size() * k];
        for (int q = 0; q < ids.size(); q++) {
            List<?> qIds = (List<?>) ids.get(q);
            List<?> qDist = (List<?>) distances.get(q);
            for (int r = 0; r < k; r++) {
                rows[q * k + r] = ((Double) qIds.get(r)).intValue();
                dist[q * k + r] = ((Double) qDist.get(r)).floatValue();
            }
        }
        return new Result((String) json.get("peer"), number(json, "threads").intValue(),
                number(json, "single_queries").intValue(), number(json, "single_qps"), number(json, "single_p50_us"),
                number(json, "single_p99_us"), number(json, "batch_queries").intValue(), number(json, "batch_qps"),
                new Answers(0, ids.size(), k, rows, dist));
    }

    private static Double number(Map<String, Object> json, String key) {
        Object value = json.get(key);
        if (!(value instanceof Double d)) {
            throw new IllegalStateException("faiss peer output has no number '" + key + "': " + value);
        }
        return d;
    }
}
