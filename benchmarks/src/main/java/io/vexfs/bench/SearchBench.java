package io.vexfs.bench;

import io.vexfs.bench.search.DatasetBench;
import io.vexfs.bench.search.Fvecs;
import io.vexfs.bench.search.Json;
import io.vexfs.bench.search.MountClient;
import io.vexfs.bench.search.Report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end search benchmark (scripts/bench-search runs it against a live mount):
 * single-query latency and QPS, batch QPS and recall@10 through real files under
 * {@code <collection>/.search/}, side by side with FAISS IndexFlatL2 on the same vectors.
 *
 * <pre>
 * SearchBench generate OUT.fvecs COUNT DIM SEED
 * SearchBench generate-clustered OUT.fvecs COUNT DIM CLUSTERS SPREAD CENTRE_SEED POINT_SEED [RANK]
 * SearchBench run --mount M --work DIR --peer faiss_flat.py --python PY --out JSON --commit C
 *                 [--rounds 3] [--warmup 10] [--faiss-threads 2]
 *                 --dataset NAME METRIC BASE.fvecs QUERIES.fvecs SINGLES BATCH [--dataset ...]
 * </pre>
 */
public final class SearchBench {
    private SearchBench() {
    }

    private record DatasetArgs(String name, String metric, Path base, Path queries, int singles, int batch) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("generate")) {
            Fvecs.writeRandom(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
            return;
        }
        if ((args.length == 8 || args.length == 9) && args[0].equals("generate-clustered")) {
            Fvecs.writeClustered(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Float.parseFloat(args[5]), args.length == 9 ? Integer.parseInt(args[8]) : 0, Long.parseLong(args[6]),
                    Long.parseLong(args[7]));
            return;
        }
        if (args.length == 0 || !args[0].equals("run")) {
            usage("expected 'generate', 'generate-clustered' or 'run'");
        }
        Map<String, String> options = new LinkedHashMap<>(Map.of("--rounds", "3", "--warmup", "10", "--faiss-threads", "2"));
        List<DatasetArgs> datasets = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--dataset")) {
                if (i + 6 >= args.length) {
                    usage("--dataset takes NAME METRIC BASE QUERIES SINGLES BATCH");
                }
                if (!args[i + 2].equals("l2") && !args[i + 2].equals("dot")) {
                    usage("--dataset " + args[i + 1] + ": metric must be l2 or dot, not '" + args[i + 2] + "'");
                }
                datasets.add(new DatasetArgs(args[i + 1], args[i + 2], Path.of(args[i + 3]), Path.of(args[i + 4]),
                        Integer.parseInt(args[i + 5]), Integer.parseInt(args[i + 6])));
                i += 6;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i], args[++i]);
            } else {
                usage("unexpected argument '" + args[i] + "'");
            }
        }
        for (String required : List.of("--mount", "--work", "--peer", "--python", "--out", "--commit")) {
            if (!options.containsKey(required)) {
                usage("missing " + required);
            }
        }
        if (datasets.isEmpty()) {
            usage("no --dataset");
        }
        run(options, datasets);
    }

    private static void run(Map<String, String> options, List<DatasetArgs> datasets) throws Exception {
        long start = System.nanoTime();
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        int rounds = Integer.parseInt(options.get("--rounds"));
        int warmup = Integer.parseInt(options.get("--warmup"));
        MountClient client = new MountClient(Path.of(options.get("--mount")));
        DatasetBench.Peer peer = new DatasetBench.Peer(options.get("--python"), Path.of(options.get("--peer")),
                Integer.parseInt(options.get("--faiss-threads")));
        Path work = Path.of(options.get("--work"));

        Report report = new Report();
        List<Object> datasetJson = new ArrayList<>();
        for (DatasetArgs a : datasets) {
            DatasetBench bench = new DatasetBench(client, a.name(), a.metric(), a.base(), a.queries(), a.singles(), a.batch(), work, peer);
            bench.run(rounds, warmup);
            datasetJson.add(report.dataset(bench, rounds));
        }
        report.targetsSection();
        double elapsed = (System.nanoTime() - start) / 1e9;
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        report.line("");
        report.line("runner: %.0f s; machine: %d cores, /proc/loadavg before %s, after %s", elapsed,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        System.out.print(report.table());

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "search");
        json.put("timestamp", Instant.now().toString());
        json.put("commit", options.get("--commit"));
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("loadavg_before", loadBefore);
        json.put("loadavg_after", loadAfter);
        json.put("rounds", rounds);
        json.put("warmup_single_queries", warmup);
        json.put("k", DatasetBench.K);
        json.put("faiss_threads", peer.threads());
        json.put("query_cache", "off");
        json.put("runner_seconds", elapsed);
        json.put("datasets", datasetJson);
        json.put("targets", report.targets());
        json.put("table", report.table());
        Path out = Path.of(options.get("--out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, Json.write(json));
        System.err.println("bench-search: wrote " + out);
    }

    private static void usage(String problem) {
        System.err.println("SearchBench: " + problem);
        System.err.println("usage: SearchBench generate OUT.fvecs COUNT DIM SEED");
        System.err.println("       SearchBench generate-clustered OUT.fvecs COUNT DIM CLUSTERS SPREAD CENTRE_SEED POINT_SEED [RANK]");
        System.err.println("       SearchBench run --mount M --work DIR --peer faiss_flat.py --python PY --out JSON --commit C"
                + " [--rounds N] [--warmup N] [--faiss-threads N] --dataset NAME METRIC BASE QUERIES SINGLES BATCH ...");
        System.exit(2);
    }
}
