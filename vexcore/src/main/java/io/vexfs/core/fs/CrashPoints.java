package io.vexfs.core.fs;

/**
 * Named steps of the background flush and compaction where a test can make the process die
 * (-Dvexfs.crashAt=STEP), to prove that a kill at that moment loses nothing. Off unless set.
 */
final class CrashPoints {
    private static final String AT = System.getProperty("vexfs.crashAt", "");

    private CrashPoints() {
    }

    static void reach(String step) {
        if (AT.equals(step)) {
            System.err.println("vexfs: crash point " + step + " reached; halting as asked by -Dvexfs.crashAt");
            System.err.flush();
            Runtime.getRuntime().halt(99);
        }
    }
}
