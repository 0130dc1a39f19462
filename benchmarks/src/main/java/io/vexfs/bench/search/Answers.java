package io.vexfs.bench.search;

import java.nio.charset.StandardCharsets;

/**
 * Top-k answers of a run of queries: for query q and rank r, the base row (the FAISS id) and the
 * distance. {@code first} is the index of the first query in the benchmark's query list.
 */
public record Answers(int first, int count, int k, int[] rows, float[] distances) {

    public int row(int q, int rank) {
        return rows[q * k + rank];
    }

    public float distance(int q, int rank) {
        return distances[q * k + rank];
    }

    /**
     * Reads a query file's results, {@code query<TAB>rank<TAB>distance<TAB>path}, where every
     * path must be {@code basePath#ROW} and every query must have exactly {@code k} hits in rank
     * order: anything else is a failed run, not a lower recall.
     */
    public static Answers parseTsv(byte[] tsv, String basePath, int first, int count, int k) {
        int[] rows = new int[count * k];
        float[] distances = new float[count * k];
        String prefix = basePath + "#";
        String[] lines = new String(tsv, StandardCharsets.UTF_8).split("\n");
        if (lines.length != count * k) {
            throw new IllegalStateException("expected " + count * k + " result lines (" + count + " queries x " + k
                    + "), got " + lines.length + "; first line: " + (lines.length > 0 ? lines[0] : ""));
        }
        for (int i = 0; i < lines.length; i++) {
            String[] fields = lines[i].split("\t");
            int q = i / k;
            int rank = i % k;
            if (fields.length != 4 || Integer.parseInt(fields[0]) != q || Integer.parseInt(fields[1]) != rank + 1
                    || !fields[3].startsWith(prefix)) {
                throw new IllegalStateException("result line " + (i + 1) + " is not query " + q + ", rank " + (rank + 1)
                        + " in " + basePath + ": '" + lines[i] + "'");
            }
            distances[i] = Float.parseFloat(fields[2]);
            rows[i] = Integer.parseInt(fields[3].substring(prefix.length()));
        }
        return new Answers(first, count, k, rows, distances);
    }
}
