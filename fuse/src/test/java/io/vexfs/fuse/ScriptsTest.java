package io.vexfs.fuse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher as a user, mount(8) and systemd run it: scripts/vexfs mount, status and umount,
 * a mount killed with SIGKILL and mounted again, an fstab line, the systemd unit. Runs the jar
 * the build made (VEXFS_NO_BUILD: the test entry builds it first; nothing is built from here).
 */
class ScriptsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path LAUNCHER = ROOT.resolve("scripts/vexfs");

    private Path dir;
    private Path data;
    private Path mnt;

    @BeforeEach
    void scratch() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "vexfs-test");
        data = dir.resolve("data");
        mnt = dir.resolve("mnt");
    }

    @AfterEach
    void cleanUp() throws IOException {
        String pid = pidFile();
        if (!pid.isEmpty()) {
            MountFixture.run("kill", "-9", pid);
        }
        if (mounted()) {
            MountFixture.run("fusermount3", "-u", "-z", mnt.toString());
        }
        MountFixture.run("rm", "-rf", dir.toString());
    }

    /** Runs the launcher (or any command) with the environment a user's shell gives it. */
    private MountFixture.Result launcher(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        return command(Map.of(), cmd);
    }

    private MountFixture.Result command(Map<String, String> env, List<String> cmd) throws IOException {
        Path out = dir.resolve("cmd.out");
        Path err = dir.resolve("cmd.err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("VEXFS_NO_BUILD", "1");
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + cmd);
            }
            return new MountFixture.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private MountFixture.Result mountByScript() throws IOException {
        return launcher("mount", "--data", data.toString(), "--mountpoint", mnt.toString()).ok();
    }

    private boolean mounted() throws IOException {
        return Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " fuse.vexfs ");
    }

    private String pidFile() throws IOException {
        Path f = Path.of(mnt + ".pid");
        return Files.exists(f) ? Files.readString(f).strip() : "";
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The block `vexfs status` prints for our mount point. */
    private String statusOfOurs() throws IOException {
        String out = launcher("status").ok().out();
        Matcher m = Pattern.compile("(?ms)^" + Pattern.quote(mnt.toString()) + "\\n((?:  .*\\n)+)").matcher(out);
        assertTrue(m.find(), "no status for " + mnt + " in:\n" + out);
        return m.group(1);
    }

    private void awaitExit(String pid) throws InterruptedException {
        for (int i = 0; i < 300 && alive(pid); i++) {
            Thread.sleep(100);
        }
        assertFalse(alive(pid), "pid " + pid + " still runs");
    }

    @Test
    void aMountKilledWithSigkillIsCleanedUpAndMountedAgain() throws Exception {
        mountByScript();
        Files.createDirectories(mnt.resolve("docs"));
        Files.writeString(mnt.resolve("docs/a.vec"), "1 2 3\n");
        String status = statusOfOurs();
        assertTrue(status.contains("state    mounted") && status.contains("pid      " + pidFile())
                && status.contains("data     " + data) && status.contains("vectors  1")
                && status.contains("log      " + mnt + ".log"), status);

        String pid = pidFile();
        MountFixture.run("kill", "-9", pid).ok();
        awaitExit(pid);
        MountFixture.Result ls = MountFixture.run("ls", mnt.toString());
        assertTrue(ls.err().contains("Transport endpoint is not connected"), ls.err());
        assertTrue(statusOfOurs().contains("state    stale"), statusOfOurs());

        MountFixture.Result again = mountByScript();
        assertTrue(again.err().contains("left behind by a mount that is gone") && again.err().contains("cleaned it up"),
                again.err());
        assertEquals("1 2 3\n", Files.readString(mnt.resolve("docs/a.vec")), "what was committed is back");
        assertNotEquals(pid, pidFile());
        assertTrue(statusOfOurs().contains("state    mounted"));

        String second = pidFile();
        MountFixture.Result twice = launcher("mount", "--data", data.toString(), "--mountpoint", mnt.toString());
        assertEquals(1, twice.exit());
        assertTrue(twice.err().contains("already mounted by pid " + second), twice.err());

        assertTrue(launcher("umount", "--mountpoint", mnt.toString()).ok().out().contains("vexfs: unmounted " + mnt));
        assertFalse(mounted());
        assertFalse(alive(second));
        assertTrue(Files.readString(Path.of(mnt + ".log")).contains("vexfs: unmounted " + mnt), "a clean stop");
    }

    @Test
    void umountDetachesAStaleMount() throws Exception {
        mountByScript();
        String pid = pidFile();
        MountFixture.run("kill", "-9", pid).ok();
        awaitExit(pid);
        assertTrue(mounted(), "a killed mount stays in /proc/mounts until detached");
        assertTrue(launcher("umount", "--mountpoint", mnt.toString()).ok().out().contains("detached " + mnt));
        assertFalse(mounted());
        assertTrue(Files.isDirectory(mnt), "the mount point is usable again");
        assertTrue(launcher("umount", "--mountpoint", mnt.toString()).ok().out().contains("nothing mounted on " + mnt));
    }

    /** No "[error]" (or "[warning]") from the JVM, on the start that records the start-up cache or on one that uses it. */
    @Test
    void aCleanStartPrintsNoErrorLines() throws Exception {
        for (int start = 1; start <= 2; start++) {
            MountFixture.Result r = mountByScript();
            String log = Files.readString(Path.of(mnt + ".log"));
            assertTrue(log.contains("vexfs: mounted " + data + " on " + mnt), log);
            launcher("umount", "--mountpoint", mnt.toString()).ok();
            String all = r.err() + Files.readString(Path.of(mnt + ".log"));
            assertFalse(all.contains("[error]") || all.contains("[warning]") || all.contains("fusermount"),
                    "start " + start + ":\n" + all);
        }
        assertTrue(Files.exists(ROOT.resolve("fuse/target/vexfs.aot")), "the start-up cache was recorded");
    }

    /** An fstab line, mounted by mount(8) from an alternative fstab (mount -T), and unmounted by umount(8). */
    @Test
    void anFstabLineMountsThroughMount8() throws Exception {
        Path conf = Files.writeString(dir.resolve("vexfs.conf"), "[performance]\nmemory_pool_size = \"32MiB\"\n");
        Path fstab = Files.writeString(dir.resolve("fstab"),
                LAUNCHER + "#" + data + " " + mnt + " fuse config=" + conf + ",nofail 0 0\n");
        Files.createDirectories(mnt);
        MountFixture.run("mount", "-T", fstab.toString(), mnt.toString()).ok();
        assertTrue(mounted());
        Files.createDirectories(mnt.resolve("c"));
        Files.writeString(mnt.resolve("c/a.vec"), "4 5\n");
        assertTrue(Files.readString(mnt.resolve(".vexfs/config")).contains("memory_pool_size = \"32MiB\""),
                "config= chose the configuration");
        String pid = pidFile();
        MountFixture.run("umount", mnt.toString()).ok();
        awaitExit(pid);
        assertTrue(Files.readString(Path.of(mnt + ".log")).contains("vexfs: unmounted " + mnt));

        // The fuse.vexfs form: mount.fuse3 runs "vexfs" from the PATH (here, a link to the launcher).
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("vexfs"), LAUNCHER);
        command(Map.of("PATH", bin + ":" + System.getenv("PATH")), List.of("mount.fuse3", data.toString(), mnt.toString(),
                "-t", "fuse.vexfs", "-o", "config=" + conf)).ok();
        assertEquals("4 5\n", Files.readString(mnt.resolve("c/a.vec")));
        MountFixture.Result bad = command(Map.of("PATH", bin + ":" + System.getenv("PATH")),
                List.of("bash", LAUNCHER.toString(), data.toString(), dir.resolve("other").toString(), "-o", "colour=blue"));
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("unknown mount option 'colour=blue'"), bad.err());
        assertTrue(launcher("umount", "--mountpoint", mnt.toString()).ok().out().contains("unmounted"));
    }

    /** etc/vexfs.service as systemd would run it, with its paths pointed here: start, crash and restart, stop. */
    @Test
    void theSystemdUnitStartsRestartsAndStops() throws Exception {
        Path conf = Files.writeString(dir.resolve("vexfs.conf"),
                "[mount]\nmountpoint = \"" + mnt + "\"\ndata_dir = \"" + data + "\"\n");
        String unit = Files.readString(ROOT.resolve("etc/vexfs.service"))
                .replace("/opt/vexfs", ROOT.toString()).replace("/etc/vexfs.conf", conf.toString())
                .replace("/srv/vexfs/mnt", mnt.toString());
        Path unitFile = Files.writeString(dir.resolve("vexfs.service"), unit);
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            MountFixture.Result verify = MountFixture.run("systemd-analyze", "verify", unitFile.toString());
            assertEquals(0, verify.exit(), verify.err());
        }
        String start = value(unit, "ExecStart");
        String stop = value(unit, "ExecStop");
        Path pidFile = Path.of(value(unit, "PIDFile"));
        assertEquals("forking", value(unit, "Type"));
        assertEquals("on-failure", value(unit, "Restart"));

        command(Map.of(), List.of("sh", "-c", start)).ok();
        String pid = Files.readString(pidFile).strip();
        assertTrue(alive(pid) && mounted(), "started: the launcher returned with the mount up and its pid in PIDFile");
        Files.createDirectories(mnt.resolve("s"));
        Files.writeString(mnt.resolve("s/a.vec"), "7 8\n");

        MountFixture.run("kill", "-9", pid).ok();
        awaitExit(pid);
        command(Map.of(), List.of("sh", "-c", start)).ok();
        String restarted = Files.readString(pidFile).strip();
        assertTrue(alive(restarted) && !restarted.equals(pid), "Restart=on-failure runs ExecStart again, and it mounts");
        assertEquals("7 8\n", Files.readString(mnt.resolve("s/a.vec")));

        command(Map.of(), List.of("sh", "-c", stop)).ok();
        assertFalse(mounted());
        assertFalse(alive(restarted));
    }

    private static String value(String unit, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(unit);
        assertTrue(m.find(), key + " missing from the unit");
        return m.group(1).strip();
    }
}
