package io.vexfs.core.config;

/** Binary size multiples, as the configuration file spells them (K = KiB). */
final class Units {
    static final long KIB = 1L << 10;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long TIB = 1L << 40;

    private Units() {
    }
}
