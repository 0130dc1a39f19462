package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;

import java.util.function.Supplier;

/**
 * One file of the control plane under .vexfs/: its text is generated when it is opened;
 * {@code writer} (null for read-only files) takes what a client writes, and refuses bad text.
 */
public record ControlFile(String name, Supplier<String> content, Writer writer) {
    public interface Writer {
        void write(String text) throws InvalidInputException;
    }
}
