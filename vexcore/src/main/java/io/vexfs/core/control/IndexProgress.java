package io.vexfs.core.control;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vexfs.core.fs.Collection;
import io.vexfs.core.fs.CollectionIndex;
import io.vexfs.core.fs.VexStore;
import io.vexfs.core.index.AnnIndex;
import io.vexfs.core.index.Quantization;
import io.vexfs.core.metrics.VexMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Indexing progress of the hnsw collections: per collection, the live vector rows its graph
 * holds of all of them, the indexer's rate and the time left at it, the graph's heap, and the
 * rows read from the index file at mount. Shown in .vexfs/stats, .vexfs/index (TSV, read by
 * {@code vexctl index status}) and the metrics {@code vexfs_index_*{collection="..."}}.
 */
public final class IndexProgress {
    /**
     * reading: the index file is being read at mount; training: product codes of a changed
     * pq_subspaces are being trained on the graph's rows (searches walk the old codes, or full
     * vectors, meanwhile); building: rows wait for the indexer; ready: every live row is in the graph.
     */
    public enum State {
        READING, TRAINING, BUILDING, READY;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One collection. {@code rowsIndexed}: rows of live files in the graph (a file counts once its
     * batch is in; rows of the batch being inserted count as they go in), so removed files never
     * count and it never exceeds {@code rowsTotal}, the collection's live vector rows.
     * {@code filesWaiting}: live files the graph does not hold yet. {@code secondsLeft}: -1 when
     * unknown or nothing is left. {@code graphNodes}: a node per row, plus removed nodes a rebuild
     * would reclaim and stand-ins for nodes concurrent inserts left unreachable. {@code codeBytes}:
     * bytes of codes a row, 0 while searches walk full vectors; {@code codeKind}: what they are,
     * "product" (pq_subspaces) or "int8" (quantization).
     */
    public record Row(String collection, State state, long rowsIndexed, long rowsTotal, long filesWaiting, double rowsPerSecond,
                      double secondsLeft, long graphBytes, long graphNodes, long restoredRows, int codeBytes, String codeKind) {
        public long rowsWaiting() {
            return rowsTotal - rowsIndexed;
        }
    }

    static final String TSV_HEADER = "collection\tstate\trows_indexed\trows_total\trows_waiting\tfiles_waiting\trate_per_s\teta_s"
            + "\tgraph_bytes\tgraph_nodes\trestored_rows\n";

    private final VexStore store;

    public IndexProgress(VexStore store) {
        this.store = store;
    }

    /** The progress of {@code c}'s hnsw index, or null when its index is flat (or it has no dimension yet). */
    public static Row of(String name, Collection c) {
        CollectionIndex hnsw = c.hnsw();
        if (hnsw == null) {
            return null;
        }
        AnnIndex<Collection.Entry> index = hnsw.index();
        Collection.Snapshot snapshot = c.snapshot();
        long total = snapshot.vectors();
        long held = 0;
        long filesWaiting = 0;
        for (Collection.Entry e : snapshot.live()) {
            if (hnsw.holds(e)) {
                held += e.search().rows();
            } else {
                filesWaiting++;
            }
        }
        long indexed = Math.min(total, held + hnsw.rowsInFlight());
        // Not caughtUp(): after a remount the adds of the replay are still being skipped when the file read gave every row.
        State state = hnsw.reading() ? State.READING : hnsw.training() ? State.TRAINING : filesWaiting > 0 ? State.BUILDING : State.READY;
        double rate = state == State.BUILDING ? hnsw.rowsPerSecond(index.indexed()) : 0;
        long waiting = total - indexed;
        double left = rate > 0 && waiting > 0 ? waiting / rate : -1;
        return new Row(name, state, indexed, total, filesWaiting, rate, left, index.graphBytes(), index.nodeCount(),
                index.restoredRows(), index.codeBytes(), index.quantization() == Quantization.INT8 ? "int8" : "product");
    }

    /** Every hnsw collection, by name. */
    public List<Row> all() {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Collection> e : new TreeMap<>(store.collections()).entrySet()) {
            Row r = of(e.getKey(), e.getValue());
            if (r != null) {
                rows.add(r);
            }
        }
        return rows;
    }

    /** .vexfs/index: a header, then one tab-separated line per hnsw collection. */
    public String renderTsv() {
        StringBuilder sb = new StringBuilder(TSV_HEADER);
        for (Row r : all()) {
            sb.append(r.collection()).append('\t').append(r.state().key()).append('\t').append(r.rowsIndexed()).append('\t')
                    .append(r.rowsTotal()).append('\t').append(r.rowsWaiting()).append('\t').append(r.filesWaiting()).append('\t')
                    .append(String.format(Locale.ROOT, "%.1f\t%.0f", r.rowsPerSecond(), r.secondsLeft())).append('\t')
                    .append(r.graphBytes()).append('\t').append(r.graphNodes()).append('\t').append(r.restoredRows()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The index part of a collection's line in .vexfs/stats: "hnsw (N indexed, graph X MiB)" when
     * ready ("graph and product codes (B bytes a row) X MiB", or int8 codes, once searches walk the
     * graph on codes); while training codes "N indexed, training codes"; while building "N indexed
     * of T" with ", R rows/s, about S s left" once a rate is known; while reading "reading the
     * index file, 0 indexed of T"; after a mount that read the graph from its file, ", M read from
     * the index file" too.
     */
    static String statsText(Row r) {
        String progress = switch (r.state()) {
            case READY -> r.rowsIndexed() + " indexed";
            case TRAINING -> r.rowsIndexed() + " indexed, training codes";
            case READING -> "reading the index file, " + r.rowsIndexed() + " indexed of " + r.rowsTotal();
            case BUILDING -> r.rowsIndexed() + " indexed of " + r.rowsTotal() + (r.secondsLeft() >= 0
                    ? String.format(Locale.ROOT, ", %.0f rows/s, about %.0f s left", r.rowsPerSecond(), r.secondsLeft()) : "");
        };
        return "hnsw (" + progress + (r.codeBytes() > 0 ? ", graph and " + r.codeKind() + " codes (" + r.codeBytes() + " bytes a row)"
                : ", graph")
                + String.format(Locale.ROOT, " %.1f MiB", r.graphBytes() / (double) (1 << 20))
                + (r.restoredRows() > 0 ? ", " + r.restoredRows() + " read from the index file" : "") + ")";
    }

    /**
     * Registers the gauges vexfs_index_rows_indexed, vexfs_index_rows, vexfs_index_rows_waiting
     * and vexfs_index_graph_bytes, one series per hnsw collection (tag {@code collection}); the
     * set of series follows the collections at each scrape.
     */
    public void bindMetrics(VexMetrics metrics) {
        Gauges gauges = new Gauges(metrics);
        metrics.beforeScrape(gauges::refresh);
    }

    /** The per-collection gauges: each scrape computes every collection's progress once and the series read it. */
    private final class Gauges {
        private final MultiGauge indexed;
        private final MultiGauge total;
        private final MultiGauge waiting;
        private final MultiGauge graph;
        /** The latest progress per collection name; a series reads its own entry. */
        private final Map<String, Row> latest = new ConcurrentHashMap<>();

        Gauges(VexMetrics metrics) {
            var registry = metrics.registry();
            indexed = MultiGauge.builder("vexfs.index.rows.indexed")
                    .description("Live vector rows of an hnsw collection that its graph holds").register(registry);
            total = MultiGauge.builder("vexfs.index.rows").description("Live vector rows of an hnsw collection").register(registry);
            waiting = MultiGauge.builder("vexfs.index.rows.waiting")
                    .description("Live vector rows of an hnsw collection that wait for the indexer (searched exactly meanwhile)")
                    .register(registry);
            graph = MultiGauge.builder("vexfs.index.graph").baseUnit("bytes")
                    .description("Heap held by an hnsw collection's graph (the vectors stay in their segments)").register(registry);
        }

        synchronized void refresh() {
            List<Row> rows = all();
            latest.keySet().retainAll(rows.stream().map(Row::collection).toList());
            for (Row r : rows) {
                latest.put(r.collection(), r);
            }
            register(indexed, rows, Row::rowsIndexed);
            register(total, rows, Row::rowsTotal);
            register(waiting, rows, Row::rowsWaiting);
            register(graph, rows, Row::graphBytes);
        }

        /** Series are kept (not re-registered) for names seen before; those of gone collections are removed. */
        private void register(MultiGauge gauge, List<Row> rows, ToLongFunction<Row> value) {
            List<MultiGauge.Row<?>> series = new ArrayList<>(rows.size());
            for (Row r : rows) {
                String name = r.collection();
                series.add(MultiGauge.Row.of(Tags.of("collection", name), latest, m -> {
                    Row now = m.get(name);
                    return now == null ? Double.NaN : value.applyAsLong(now);
                }));
            }
            gauge.register(series, false);
        }
    }
}
