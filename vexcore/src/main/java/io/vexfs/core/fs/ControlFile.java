package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;

import java.util.function.Supplier;

/**
 * One file of the control plane under .vexfs/: its text is generated when it is opened;
 * {@code writer} (null for read-only files) takes what a client writes, and refuses bad text.
 */
public record ControlFile(String name, Supplier<String> content, Writer writer) {
    /** What a writable control file does with the text written to it. */
    public interface Writer {
        /**
         * Refuses a complete line that is wrong whatever the rest of the text says, so that the
         * write() that ends it fails; applies nothing. {@code number} counts from 1.
         */
        void checkLine(String line, int number) throws InvalidInputException;

        /** Applies the whole text written (on close), or refuses it and changes nothing. */
        void write(String text) throws InvalidInputException;
    }
}
