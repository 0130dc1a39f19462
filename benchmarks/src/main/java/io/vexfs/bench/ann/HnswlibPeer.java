package io.vexfs.bench.ann;

import io.vexfs.bench.search.Answers;
import io.vexfs.bench.search.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * benchmarks/peers/hnswlib_peer.py as a running process: it keeps its index between commands, so
 * query rounds interleave with vexfs's. Timings are the peer's own (add_items, knn_query).
 */
final class HnswlibPeer implements AutoCloseable {
    private final Process process;
    private final Writer in;
    private final BufferedReader out;
    private final Path work;

    HnswlibPeer(String python, Path script, Path work) throws IOException {
        this.process = new ProcessBuilder(python, script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.work = work;
    }

    /** Builds the index of {@code base}; the seconds add_items took. */
    double build(Path base, int m, int efConstruction, int threads) throws IOException {
        return number(command("build " + base + " " + m + " " + efConstruction + " " + threads), "build_seconds");
    }

    /** All queries in one call on one thread at {@code ef}: the answers and the seconds the call took. */
    Timed query(Path queries, int count, int ef, int k) throws IOException {
        Path result = work.resolve("hnswlib-answers.bin");
        double seconds = number(command("query " + queries + " " + ef + " " + k + " " + result), "seconds");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(result)).order(ByteOrder.LITTLE_ENDIAN);
        int[] rows = new int[count * k];
        float[] distances = new float[count * k];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = b.getInt();
        }
        for (int i = 0; i < distances.length; i++) {
            distances[i] = b.getFloat();
        }
        return new Timed(new Answers(0, count, k, rows, distances), seconds);
    }

    record Timed(Answers answers, double seconds) {
    }

    private Map<String, Object> command(String line) throws IOException {
        in.write(line + "\n");
        in.flush();
        String reply = out.readLine();
        if (reply == null) {
            throw new IOException("the hnswlib peer ended before answering '" + line + "'");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(reply);
        if (json.containsKey("error")) {
            throw new IOException("hnswlib peer: " + json.get("error"));
        }
        return json;
    }

    private static double number(Map<String, Object> json, String key) {
        if (!(json.get(key) instanceof Double d)) {
            throw new IllegalStateException("hnswlib peer reply has no number '" + key + "': " + json);
        }
        return d;
    }

    @Override
    public void close() throws IOException {
        try {
            in.write("quit\n");
            in.flush();
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
