package io.vexfs.core.config;

import io.vexfs.core.config.ValueType.InvalidValueException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/** Reads one configuration file; refuses it with the line of the first fault in file order. */
final class ConfigLoader {
    private final Path file;
    private final Path baseDir;
    private final long physicalMemoryBytes;

    /** One {@code name = value} of the file; {@code section} is null outside any section. */
    private record Assignment(TomlPosition position, String section, String name, Object raw) {
    }

    ConfigLoader(Path file, Path baseDir, long physicalMemoryBytes) {
        this.file = file;
        this.baseDir = baseDir;
        this.physicalMemoryBytes = physicalMemoryBytes;
    }

    VexConfig load() throws ConfigException {
        TomlParseResult toml = Toml.parse(read());
        if (toml.hasErrors()) {
            TomlParseError first = toml.errors().getFirst();
            throw new ConfigException(file, first.position().line(),
                    "TOML syntax error at column " + first.position().column() + ": " + first.getMessage());
        }
        VexConfig defaults = VexConfig.defaults(baseDir);
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, key.valueIn(defaults));
        }
        Map<ConfigKey, Integer> lines = new EnumMap<>(ConfigKey.class);
        for (Assignment a : assignmentsInFileOrder(toml)) {
            ConfigKey key = resolve(a);
            try {
                values.put(key, key.type().parse(a.name(), a.raw(), baseDir));
            } catch (InvalidValueException e) {
                throw new ConfigException(file, a.position().line(), e.getMessage(), e);
            }
            lines.put(key, a.position().line());
        }
        checkSimdNamesAgree(values, lines);
        checkMemory(values, lines);
        return VexConfig.of(values);
    }

    private String read() throws ConfigException {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, "no such file", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, 0, "not UTF-8 text", e);
        } catch (IOException e) {
            throw new ConfigException(file, 0, "cannot read: " + e.getMessage(), e);
        }
    }

    private static List<Assignment> assignmentsInFileOrder(TomlTable root) {
        List<Assignment> all = new ArrayList<>();
        for (String name : root.keySet()) {
            Object value = root.get(List.of(name));
            if (ConfigKey.isSection(name) && value instanceof TomlTable section) {
                for (String key : section.keySet()) {
                    all.add(new Assignment(section.inputPositionOf(List.of(key)), name, key, section.get(List.of(key))));
                }
            } else {
                all.add(new Assignment(root.inputPositionOf(List.of(name)), null, name, value));
            }
        }
        all.sort(Comparator.comparingInt((Assignment a) -> a.position().line())
                .thenComparingInt(a -> a.position().column()));
        return all;
    }

    private ConfigKey resolve(Assignment a) throws ConfigException {
        int line = a.position().line();
        if (a.section() == null) {
            if (ConfigKey.isSection(a.name())) {
                throw new ConfigException(file, line, "[" + a.name() + "] must be a single section, not "
                        + ValueType.describe(a.raw()));
            }
            if (a.raw() instanceof TomlTable) {
                throw new ConfigException(file, line, "unknown section [" + a.name()
                        + "] (the sections are [mount], [storage], [performance] and [optimization])");
            }
            throw new ConfigException(file, line, "key '" + a.name() + "' must be inside a section");
        }
        ConfigKey key = ConfigKey.find(a.section(), a.name());
        if (key == null) {
            throw new ConfigException(file, line, "unknown key '" + a.name() + "' in [" + a.section() + "]");
        }
        return key;
    }

    /** The two names of the SIMD switch: the later one wins if alone, and must agree if both are given. */
    private void checkSimdNamesAgree(Map<ConfigKey, Object> values, Map<ConfigKey, Integer> lines)
            throws ConfigException {
        Integer simdLine = lines.get(ConfigKey.ENABLE_SIMD);
        Integer aliasLine = lines.get(ConfigKey.ENABLE_SIMD_OPTIMIZATION);
        if (simdLine == null && aliasLine != null) {
            values.put(ConfigKey.ENABLE_SIMD, values.get(ConfigKey.ENABLE_SIMD_OPTIMIZATION));
        }
        if (simdLine == null || aliasLine == null
                || values.get(ConfigKey.ENABLE_SIMD).equals(values.get(ConfigKey.ENABLE_SIMD_OPTIMIZATION))) {
            return;
        }
        boolean aliasIsSecond = aliasLine > simdLine;
        ConfigKey second = aliasIsSecond ? ConfigKey.ENABLE_SIMD_OPTIMIZATION : ConfigKey.ENABLE_SIMD;
        ConfigKey first = aliasIsSecond ? ConfigKey.ENABLE_SIMD : ConfigKey.ENABLE_SIMD_OPTIMIZATION;
        throw new ConfigException(file, lines.get(second), second.tomlName() + " = " + values.get(second)
                + " disagrees with " + first.tomlName() + " = " + values.get(first) + " on line " + lines.get(first)
                + "; they are two names for one switch");
    }

    private void checkMemory(Map<ConfigKey, Object> values, Map<ConfigKey, Integer> lines) throws ConfigException {
        long pool = (Long) values.get(ConfigKey.MEMORY_POOL_SIZE);
        if (pool >= physicalMemoryBytes) {
            throw new ConfigException(file, lines.getOrDefault(ConfigKey.MEMORY_POOL_SIZE, 0),
                    "memory_pool_size " + Units.formatSize(pool) + " does not fit in this machine's memory ("
                            + String.format(Locale.ROOT, "%.1f GiB", physicalMemoryBytes / (double) Units.GIB) + ")");
        }
    }
}
