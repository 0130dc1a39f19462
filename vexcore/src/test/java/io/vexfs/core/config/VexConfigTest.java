package io.vexfs.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VexConfigTest {
    private static final long BIG_MACHINE = 64 * Units.GIB;
    private static final Path SHIPPED = Path.of("../etc/vexfs.conf");

    @TempDir
    Path dir;

    private Path write(String toml) throws IOException {
        return Files.writeString(dir.resolve("vexfs.conf"), toml);
    }

    private VexConfig load(String toml) throws Exception {
        return VexConfig.load(write(toml), dir, BIG_MACHINE);
    }

    private ConfigException refused(String toml) throws IOException {
        Path file = write(toml);
        return assertThrows(ConfigException.class, () -> VexConfig.load(file, dir, BIG_MACHINE));
    }

    private void assertRefused(String toml, int line, String reason) throws IOException {
        ConfigException e = refused(toml);
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(reason, e.reason());
        assertEquals(dir.resolve("vexfs.conf") + ":" + line + ": " + reason, e.getMessage());
    }

    @Test
    void shippedFileIsTheDefaults() throws Exception {
        assertEquals(VexConfig.defaults(dir), VexConfig.load(SHIPPED, dir));
    }

    @Test
    void missingKeysTakeTheirDefaults() throws Exception {
        assertEquals(VexConfig.defaults(dir), load(""));
        VexConfig c = load("[performance]\ncache_size = 7\n");
        assertEquals(7, c.cacheSize());
        assertEquals(VexConfig.defaults(dir).memoryPoolSize(), c.memoryPoolSize());
    }

    @Test
    void relativePathsResolveAgainstTheBaseDirectory() throws Exception {
        VexConfig c = load("[mount]\nmountpoint = \"sub/../m\"\ndata_dir = \"/var/lib/vexfs\"\n");
        assertEquals(dir.toAbsolutePath().resolve("m"), c.mountpoint());
        assertEquals(Path.of("/var/lib/vexfs"), c.dataDir());
    }

    @Test
    void unknownKeyNamesKeyAndSection() throws IOException {
        assertRefused("""
                [performance]
                memory_pool_size = "256MiB"
                cache_sise = 10
                """, 3, "unknown key 'cache_sise' in [performance]");
    }

    @Test
    void unknownSection() throws IOException {
        assertRefused("""
                [mount]
                allow_other = true

                [perfromance]
                cache_size = 10
                """, 4, "unknown section [perfromance] (the sections are [mount], [storage], [performance]"
                + " and [optimization])");
    }

    @Test
    void keyOutsideAnySection() throws IOException {
        assertRefused("cache_size = 10\n", 1, "key 'cache_size' must be inside a section");
    }

    @Test
    void sectionGivenAsValue() throws IOException {
        assertRefused("# x\nmount = 5\n", 2, "[mount] must be a single section, not 5");
        assertRefused("[[mount]]\nallow_other = true\n", 1, "[mount] must be a single section, not an array");
    }

    @Test
    void syntaxErrorHasItsPosition() throws IOException {
        ConfigException e = refused("[mount]\nallow_other = \n");
        assertEquals(2, e.line());
        assertTrue(e.reason().startsWith("TOML syntax error at column 15: "), e.reason());

        e = refused("[storage]\nsync_on_close = true\nsync_on_close = false\n");
        assertEquals(3, e.line());
        assertTrue(e.reason().contains("previously defined at line 2"), e.reason());
    }

    @Test
    void sizeOfTheWrongForm() throws IOException {
        String units = " (units: B, KiB, MiB, GiB, TiB, or K, M, G, T)";
        assertRefused("\n[performance]\n\n\n\n\nmemory_pool_size = 12.5\n", 7,
                "memory_pool_size must be a size like \"256MiB\", not 12.5" + units);
        assertRefused("[performance]\nmemory_pool_size = \"12 KB\"\n", 2,
                "memory_pool_size must be a size like \"256MiB\", not \"12 KB\"" + units);
        assertRefused("[performance]\nmemory_pool_size = true\n", 2,
                "memory_pool_size must be a size like \"256MiB\", not true" + units);
    }

    @Test
    void poolLargerThanTheMachine() throws IOException {
        Path file = write("[performance]\nenable_simd = true\nmemory_pool_size = \"64GiB\"\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> VexConfig.load(file, dir, (long) (23.4 * Units.GIB)));
        assertEquals(3, e.line());
        assertEquals(file + ":3: memory_pool_size 64GiB does not fit in this machine's memory (23.4 GiB)",
                e.getMessage());
    }

    @Test
    void defaultPoolLargerThanTheMachineBlamesTheFile() throws IOException {
        Path file = write("");
        ConfigException e = assertThrows(ConfigException.class, () -> VexConfig.load(file, dir, 128 * Units.MIB));
        assertEquals(0, e.line());
        assertEquals(file + ": memory_pool_size 256MiB does not fit in this machine's memory (0.1 GiB)",
                e.getMessage());
    }

    @Test
    void wrongTypes() throws IOException {
        assertRefused("[performance]\nenable_simd = \"yes\"\n", 2, "enable_simd must be true or false, not \"yes\"");
        assertRefused("[performance]\ncache_size = \"1024\"\n", 2, "cache_size must be an integer, not \"1024\"");
        assertRefused("[performance]\nio_threads = 1.5\n", 2, "io_threads must be an integer, not 1.5");
        assertRefused("[mount]\ndata_dir = 5\n", 2, "data_dir must be a path in quotes, not 5");
        assertRefused("[mount]\ndata_dir = \"\"\n", 2, "data_dir must not be empty");
        assertRefused("[storage]\ncompaction_dead_ratio = \"half\"\n", 2,
                "compaction_dead_ratio must be a number like 0.5, not \"half\"");
        assertRefused("[performance]\nquery_ttl = \"10 minutes\"\n", 2,
                "query_ttl must be a duration like \"500ms\", \"10s\", \"10m\", \"1h\" or whole seconds,"
                        + " not \"10 minutes\"");
        assertRefused("[optimization]\nenable_query_cache = [true]\n", 2,
                "enable_query_cache must be true or false, not an array");
    }

    @Test
    void outOfRange() throws IOException {
        assertRefused("[performance]\nmax_concurrent_operations = 5000\n", 2,
                "max_concurrent_operations must be 1..4096, not 5000");
        assertRefused("[performance]\nmax_concurrent_operations = 0\n", 2,
                "max_concurrent_operations must be 1..4096, not 0");
        assertRefused("[performance]\nio_threads = -1\n", 2, "io_threads must be 0..1024, not -1");
        assertRefused("[mount]\nmax_write = \"2MiB\"\n", 2, "max_write must be 4KiB..1MiB, not \"2MiB\"");
        assertRefused("[mount]\nmax_write = 512\n", 2, "max_write must be 4KiB..1MiB, not 512");
        assertRefused("[storage]\ncompaction_dead_ratio = 0.95\n", 2, "compaction_dead_ratio must be 0.1..0.9, not 0.95");
        assertRefused("[storage]\ncompaction_dead_ratio = nan\n", 2, "compaction_dead_ratio must be 0.1..0.9, not NaN");
        assertRefused("[performance]\nquery_ttl = \"0s\"\n", 2, "query_ttl must be 1s..24h, not \"0s\"");
        assertRefused("[performance]\nmemory_pool_size = \"1K\"\n", 2, "memory_pool_size must be at least 1MiB, not \"1K\"");
        assertRefused("[performance]\nmemory_pool_size = \"99999999999999999999T\"\n", 2,
                "memory_pool_size is too large: \"99999999999999999999T\"");
    }

    @Test
    void simdNamesMustAgreeAndTheSecondIsBlamed() throws IOException {
        assertRefused("""
                [performance]
                enable_simd = true

                [optimization]
                enable_simd_optimization = false
                """, 5, "enable_simd_optimization = false disagrees with enable_simd = true on line 2;"
                + " they are two names for one switch");
        assertRefused("""
                [optimization]
                enable_simd_optimization = true
                [performance]
                enable_simd = false
                """, 4, "enable_simd = false disagrees with enable_simd_optimization = true on line 2;"
                + " they are two names for one switch");
    }

    @Test
    void eitherSimdNameAloneSetsTheSwitch() throws Exception {
        assertFalse(load("[optimization]\nenable_simd_optimization = false\n").enableSimd());
        assertFalse(load("[performance]\nenable_simd = false\n").enableSimd());
        assertFalse(load("[performance]\nenable_simd = false\n[optimization]\nenable_simd_optimization = false\n")
                .enableSimd());
    }

    @Test
    void theFirstFaultInTheFileIsReported() throws IOException {
        assertRefused("""
                [storage]
                wal_segment_size = "1B"
                [mount]
                nope = 1
                """, 2, "wal_segment_size must be 1MiB..16GiB, not \"1B\"");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> VexConfig.load(file, dir));
        assertEquals(0, e.line());
        assertEquals(file + ": no such file", e.getMessage());
    }

    @Test
    void toTomlRoundTripsTheDefaults() throws Exception {
        VexConfig defaults = VexConfig.defaults(dir);
        assertEquals(defaults, load(defaults.toToml()));
    }

    @Test
    void toTomlRoundTripsEveryChangedValue() throws Exception {
        VexConfig changed = new VexConfig(dir.resolve("odd \"name\"\\with\ttab"), Path.of("/srv/data"), true,
                4097, Duration.ZERO, Duration.ofMillis(250), true, 3 * Units.GIB, 0, 0.25, 5 * Units.MIB, 2000, 768 * Units.MIB + 1,
                false, 1, 4, 0,
                Duration.ofMillis(1500), Duration.ofNanos(250_000), 9464, false, false, false, false);
        String toml = changed.toToml();
        assertEquals(changed, load(toml));
        assertTrue(toml.contains("max_write = \"4097B\""), toml);
        assertTrue(toml.contains("slow_op_threshold = \"250us\""), toml);
        assertTrue(toml.contains("enable_simd = false"), toml);
        assertTrue(toml.contains("enable_simd_optimization = false"), toml);
    }

    @Test
    void toTomlListsEveryKeyUnderItsSection() {
        String toml = VexConfig.defaults(dir).toToml();
        for (ConfigKey key : ConfigKey.values()) {
            int section = toml.indexOf("[" + key.section() + "]\n");
            int line = toml.indexOf("\n" + key.tomlName() + " = ");
            assertTrue(section >= 0 && line > section, key.tomlName());
        }
        assertTrue(toml.contains("memory_pool_size = \"256MiB\"\n"), toml);
        assertTrue(toml.contains("query_ttl = \"10m\"\n"), toml);
        assertTrue(toml.contains("compaction_dead_ratio = 0.5\n"), toml);
    }
}
