package io.vexfs.ctl;

import org.tomlj.TomlParseError;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code vexctl config validate-performance}: a config file checked against this machine. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check vexfs configuration files.")
final class ConfigCommand {
    private static final long ONE_MIB = 1 << 20;

    @ParentCommand
    Vexctl root;

    enum Level { ERROR, WARNING, NOTE }

    /** One finding about one line of the file. */
    record Check(int line, String key, String value, Level level, String message) {
    }

    @Command(name = "validate-performance", mixinStandardHelpOptions = true,
            description = {"Checks the file named by --config (default etc/vexfs.conf) against this machine's memory, cores and disk, line by line.",
                    "Exit 1 when any check is an error."})
    int validatePerformance() throws IOException {
        Path file = root.configFile();
        if (!Files.isRegularFile(file)) {
            throw new Vexctl.UsageException("no config file at " + file);
        }
        PrintWriter out = root.out();
        VexConfigFile config = VexConfigFile.read(file);
        if (config.toml().hasErrors()) {
            for (TomlParseError e : config.toml().errors()) {
                out.println(file + ":" + e.position().line() + ": " + e.getMessage());
            }
            return Vexctl.CHECK_FAILED;
        }
        List<Check> checks = checks(config, SystemInfo.meminfo(), SystemInfo.cores(), SystemInfo.disk(config.dataDir()));
        out.println("Checked " + file + " against this machine: " + SystemInfo.cores() + " cores, "
                + Units.bytes(SystemInfo.meminfo().getOrDefault("MemTotal", 0L)) + " memory, "
                + Units.bytes(SystemInfo.disk(config.dataDir()).usable()) + " free for " + config.dataDir());
        if (checks.isEmpty()) {
            out.println("ok: nothing to change for this machine");
            return Vexctl.OK;
        }
        Table t = new Table("line", "key", "value", "level", "finding");
        checks.stream().sorted(Comparator.comparingInt(Check::line))
                .forEach(c -> t.row(c.line() == 0 ? "-" : c.line(), c.key(), c.value(), c.level().name().toLowerCase(), c.message()));
        t.print(out);
        return checks.stream().anyMatch(c -> c.level() == Level.ERROR) ? Vexctl.CHECK_FAILED : Vexctl.OK;
    }

    static List<Check> checks(VexConfigFile c, Map<String, Long> mem, int cores, SystemInfo.Disk disk) {
        List<Check> checks = new ArrayList<>();
        long total = mem.getOrDefault("MemTotal", 0L);
        long available = mem.getOrDefault("MemAvailable", 0L);
        String poolKey = "performance.memory_pool_size";
        Optional<Long> pool = size(c, poolKey, checks);
        pool.ifPresent(p -> {
            if (p >= total) {
                add(checks, c, poolKey, Level.ERROR, "more than this machine's memory (" + Units.bytes(total) + ")");
            } else if (p > available) {
                add(checks, c, poolKey, Level.ERROR, "more than the memory available now (" + Units.bytes(available) + "): the mount would swap");
            } else if (p > total / 2) {
                add(checks, c, poolKey, Level.WARNING, "over half of this machine's memory (" + Units.bytes(total) + "); heap and page cache need room too");
            }
        });
        c.integer("performance.io_threads").ifPresent(t -> {
            if (t > 2L * cores) {
                add(checks, c, "performance.io_threads", Level.WARNING, t + " threads on " + cores + " cores: they would take turns; 0 means one per core");
            }
        });
        c.integer("performance.max_concurrent_operations").ifPresent(n -> {
            if (n < cores) {
                add(checks, c, "performance.max_concurrent_operations", Level.WARNING, "fewer than the " + cores + " cores: operations wait while cores idle");
            }
            pool.ifPresent(p -> {
                long staging = n * 16 * 1024;
                if (staging > p) {
                    add(checks, c, "performance.max_concurrent_operations", Level.WARNING, n + " operations with a 16 KiB buffer each need "
                            + Units.bytes(staging) + ", more than memory_pool_size " + Units.bytes(p));
                }
            });
        });
        Optional<Boolean> simd = c.bool("performance.enable_simd");
        Optional<Boolean> simdAlias = c.bool("optimization.enable_simd_optimization");
        if (simd.isPresent() && simdAlias.isPresent() && !simd.equals(simdAlias)) {
            add(checks, c, "optimization.enable_simd_optimization", Level.ERROR, "disagrees with performance.enable_simd on line "
                    + c.line("performance.enable_simd") + "; the mount refuses to start");
        }
        size(c, "storage.wal_segment_size", checks).ifPresent(w -> {
            if (w * 2 > disk.usable()) {
                add(checks, c, "storage.wal_segment_size", Level.ERROR, "two log segments need " + Units.bytes(2 * w) + "; "
                        + disk.path() + " has " + Units.bytes(disk.usable()) + " free");
            }
        });
        size(c, "storage.compaction_min_dead", checks).ifPresent(d -> {
            if (d > disk.usable() / 2) {
                add(checks, c, "storage.compaction_min_dead", Level.WARNING, "compaction would wait for " + Units.bytes(d)
                        + " of dead log while only " + Units.bytes(disk.usable()) + " is free");
            }
        });
        if (disk.freeFraction() < 0.1) {
            add(checks, c, "mount.data_dir", Level.WARNING, "the disk of the data directory is " + Units.percent(1 - disk.freeFraction()) + " full");
        }
        size(c, "mount.max_write", checks).ifPresent(w -> {
            if (w < ONE_MIB / 8) {
                add(checks, c, "mount.max_write", Level.NOTE, "small transfers: 128KiB or more moves large vector files faster");
            }
        });
        if (c.bool("storage.sync_on_close").orElse(false)) {
            add(checks, c, "storage.sync_on_close", Level.NOTE, "every close waits for an fsync of the log: safe against power cuts, slower");
        }
        duration(c, "performance.slow_op_threshold", checks).ifPresent(d -> {
            if (d.isZero()) {
                add(checks, c, "performance.slow_op_threshold", Level.NOTE, "0 logs every operation, which costs a lock per operation");
            }
        });
        c.integer("performance.cache_size").ifPresent(n -> {
            if (n == 0 && c.bool("optimization.enable_query_cache").orElse(true)) {
                add(checks, c, "performance.cache_size", Level.WARNING, "0 disables the cache although enable_query_cache is true");
            }
        });
        return checks;
    }

    private static Optional<Long> size(VexConfigFile c, String key, List<Check> checks) {
        try {
            return c.size(key);
        } catch (IllegalArgumentException e) {
            add(checks, c, key, Level.ERROR, e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<Duration> duration(VexConfigFile c, String key, List<Check> checks) {
        try {
            return c.duration(key);
        } catch (IllegalArgumentException e) {
            add(checks, c, key, Level.ERROR, e.getMessage());
            return Optional.empty();
        }
    }

    private static void add(List<Check> checks, VexConfigFile c, String key, Level level, String message) {
        checks.add(new Check(c.line(key), key, c.string(key).orElse("(default)"), level, message));
    }
}
