package io.vexfs.core.codec;

import java.util.Locale;

/** The vector file formats, chosen by file-name extension; any other name is an ordinary file. */
public enum VectorFormat {
    /** Text: one vector per line, numbers separated by spaces, tabs or commas. */
    VEC(".vec"),
    /** TEXMEX binary: per vector an int32 dimension, then that many float32, little-endian. */
    FVECS(".fvecs"),
    /** NumPy .npy, dtype &lt;f4, C order, 1-D (one vector) or 2-D (rows). */
    NPY(".npy");

    private final String extension;

    VectorFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** The format a file name implies, or null for an ordinary (non-vector) file. */
    public static VectorFormat forName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        for (VectorFormat f : values()) {
            if (lower.endsWith(f.extension) && lower.length() > f.extension.length()) {
                return f;
            }
        }
        return null;
    }
}
