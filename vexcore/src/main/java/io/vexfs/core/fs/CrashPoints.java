package io.vexfs.core.fs;

/**
 * Named steps of the background flush and compaction where a test can make the process die
 * (-Dvexfs.crashAt=STEP), to prove that a kill at that moment loses nothing; and steps where a
 * test can hold a background thread (vexfs.pauseMillis.STEP, read when the step is reached), to
 * prove what the foreground does meanwhile. Off unless set.
 */
final class CrashPoints {
    private static final String AT = System.getProperty("vexfs.crashAt", "");

    private CrashPoints() {
    }

    /** Sleeps for the milliseconds the property vexfs.pauseMillis.STEP names, if any. */
    static void pause(String step) {
        long millis = Long.getLong("vexfs.pauseMillis." + step, 0);
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void reach(String step) {
        if (AT.equals(step)) {
            System.err.println("vexfs: crash point " + step + " reached; halting as asked by -Dvexfs.crashAt");
            System.err.flush();
            Runtime.getRuntime().halt(99);
        }
    }
}
