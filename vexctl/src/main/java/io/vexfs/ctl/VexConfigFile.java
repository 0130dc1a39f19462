package io.vexfs.ctl;

import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A vexfs configuration (etc/vexfs.conf, or the effective one in .vexfs/config), parsed with
 * tomlj so that every value keeps its line. Keys are dotted: "performance.cache_size".
 */
record VexConfigFile(Path source, TomlParseResult toml) {
    static VexConfigFile read(Path file) throws IOException {
        return parse(Files.readString(file), file);
    }

    static VexConfigFile parse(String text, Path source) {
        return new VexConfigFile(source, Toml.parse(text));
    }

    boolean has(String key) {
        return toml.contains(key);
    }

    /** The line of {@code key}, or 0 when the key is absent. */
    int line(String key) {
        TomlPosition p = toml.inputPositionOf(key);
        return p == null ? 0 : p.line();
    }

    Optional<String> string(String key) {
        Object v = toml.get(key);
        return v == null ? Optional.empty() : Optional.of(String.valueOf(v));
    }

    Optional<Boolean> bool(String key) {
        return toml.isBoolean(key) ? Optional.of(toml.getBoolean(key)) : Optional.empty();
    }

    Optional<Long> integer(String key) {
        return toml.isLong(key) ? Optional.of(toml.getLong(key)) : Optional.empty();
    }

    /** A size written as a number of bytes or a string like "256MiB", in the mount's grammar. */
    Optional<Long> size(String key) {
        return string(key).map(io.vexfs.core.config.Units::parseSize);
    }

    /** A duration written as whole seconds or a string like "10ms", in the mount's grammar. */
    Optional<Duration> duration(String key) {
        if (toml.isLong(key)) {
            return Optional.of(Duration.ofSeconds(toml.getLong(key)));
        }
        return string(key).map(io.vexfs.core.config.Units::parseDuration);
    }

    /** Where the mount appears: the config's mountpoint (default ./mnt), resolved against the current directory. */
    Path mountpoint() {
        return Path.of(string("mount.mountpoint").orElse("./mnt")).toAbsolutePath().normalize();
    }

    Path dataDir() {
        return Path.of(string("mount.data_dir").orElse("./data")).toAbsolutePath().normalize();
    }
}
