package io.vexfs.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;

/** {@code vexctl cache stats}: the query result cache and the buffer pool, with hit rates. */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Query cache and buffer pool.")
final class CacheCommand {
    @ParentCommand
    Vexctl root;

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Hits, misses and hit rates of the query result cache and the off-heap buffer pool, since the mount started.")
    int stats() throws IOException {
        ControlPlane plane = root.controlPlane();
        PrintWriter out = root.out();
        MetricsScrape m = plane.scrape();
        VexConfigFile config = plane.config();
        Map<String, Boolean> toggles = plane.optimizations();
        Table t = new Table("cache", "state", "size", "hits", "misses", "hit rate");
        t.row("query results", state(toggles, "cache"), config.string("performance.cache_size").map(s -> s + " entries").orElse("n/a"),
                count(m, "vexfs_query_cache_hits_total"), count(m, "vexfs_query_cache_misses_total"),
                hitRate(m, "vexfs_query_cache_hits_total", "vexfs_query_cache_misses_total"));
        t.row("buffer pool", state(toggles, "memory"),
                m.value("vexfs_pool_capacity_bytes").isPresent() ? Units.bytes(m.valueOrZero("vexfs_pool_capacity_bytes"))
                        : config.string("performance.memory_pool_size").orElse("n/a"),
                count(m, "vexfs_pool_hits_total"), count(m, "vexfs_pool_misses_total"),
                hitRate(m, "vexfs_pool_hits_total", "vexfs_pool_misses_total"));
        t.print(out);
        Table other = new Table("metric", "value");
        for (MetricsScrape.Sample s : m.samples()) {
            if (s.name().startsWith("cache_") || s.name().contains("_pool_tier")) {
                other.row(s.name() + s.labels(), Units.number(s.value()));
            }
        }
        if (!other.isEmpty()) {
            Table.heading(out, "Cache library metrics");
            other.print(out);
        }
        out.println();
        out.println("searches: " + count(m, "vexfs_searches_total") + ", vectors scanned: " + count(m, "vexfs_vectors_scanned_total")
                );
        return Vexctl.OK;
    }

    static String state(Map<String, Boolean> toggles, String name) {
        Boolean on = toggles.get(name);
        return on == null ? "n/a" : on ? "on" : "off";
    }

    static String count(MetricsScrape m, String name) {
        return m.value(name).isPresent() ? Units.number(m.valueOrZero(name)) : "n/a";
    }

    static String hitRate(MetricsScrape m, String hits, String misses) {
        if (m.value(hits).isEmpty() || m.value(misses).isEmpty()) {
            return "n/a";
        }
        double total = m.valueOrZero(hits) + m.valueOrZero(misses);
        return total == 0 ? "n/a" : Units.percent(m.valueOrZero(hits) / total);
    }
}
