package io.vexfs.core.config;

import java.nio.file.Path;

/**
 * A configuration the mount refuses to start with. The message is
 * {@code file:line: reason}, or {@code file: reason} when no single line is at fault
 * (line 0), so an editor or a terminal can jump to it.
 */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;
    private final String reason;

    public ConfigException(Path file, int line, String reason) {
        this(file, line, reason, null);
    }

    public ConfigException(Path file, int line, String reason, Throwable cause) {
        super(line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason, cause);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    /** 1-based line of the fault; 0 when it is the file as a whole. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
