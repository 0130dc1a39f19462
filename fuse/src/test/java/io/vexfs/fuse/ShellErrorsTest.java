package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad lines written to control files, .collection and query files, as a person at a shell meets
 * them (DESIGN §4): a line that its own bytes show to be bad fails the write() that ends it, so
 * `echo bad > file` fails at the prompt with bash and sh, and tee, cp and dd say so; what only
 * the end shows fails close(); reading a refused query fails; .vexfs/errors says why; nothing changes.
 */
class ShellErrorsTest {
    private static MountFixture m;

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start();
        Files.createDirectories(m.path("docs/sub"));
        Files.writeString(m.path("docs/a.vec"), "1 2 3 4\n");
        Files.writeString(m.path("docs/sub/b.vec"), "4 3 2 1\n");
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
    }

    /** The last line of .vexfs/errors about {@code path}. */
    private static String lastError(String path) throws IOException {
        String errors = Files.readString(m.path(".vexfs/errors"));
        return errors.lines().filter(l -> l.contains("\t" + path + "\t")).reduce((a, b) -> b)
                .orElse("no error for " + path + " in:\n" + errors);
    }

    private static void assertRecorded(String path, String op, String where, String reason) throws IOException {
        String line = lastError(path);
        assertTrue(line.contains("EINVAL") && line.contains(where + ": " + op + ": ") && line.contains(reason),
                "expected EINVAL, '" + where + ": " + op + ":' and '" + reason + "' in: " + line);
    }

    /** A command that must fail with EINVAL reported on its stderr. */
    private static MountFixture.Result failsWith(String script, String message) throws IOException {
        MountFixture.Result r = m.sh(script);
        assertNotEquals(0, r.exit(), script + " must fail");
        assertTrue(r.err().contains(message), script + ": expected '" + message + "' in stderr: " + r.err());
        return r;
    }

    @Test
    void aBadControlLineFailsTheWriteWithEveryTool() throws IOException {
        String before = Files.readString(m.path(".vexfs/optimizations"));
        failsWith("echo 'warp9 on' > .vexfs/optimizations", "write error: Invalid argument");
        assertRecorded("/.vexfs/optimizations", "write", "line 1", "unknown optimization 'warp9'");
        // dash reports a failed echo as an I/O error whatever the errno; its exit status is what counts.
        assertNotEquals(0, MountFixture.runIn(m.mnt, "sh", "-c", "echo 'simd sideways' > .vexfs/optimizations").exit());
        assertRecorded("/.vexfs/optimizations", "write", "line 1", "expected on or off, got 'sideways'");
        failsWith("printf 'simd off\\nwarp9 on\\n' | tee .vexfs/optimizations", "tee: .vexfs/optimizations: Invalid argument");
        assertRecorded("/.vexfs/optimizations", "write", "line 2", "unknown optimization 'warp9'");
        failsWith("echo 'memory' | dd of=.vexfs/optimizations status=none", "error writing '.vexfs/optimizations': Invalid argument");
        Files.writeString(m.root.resolve("toggles"), "memory off\nsimd\n");
        failsWith("cp " + m.root.resolve("toggles") + " .vexfs/optimizations", "Invalid argument");
        assertRecorded("/.vexfs/optimizations", "write", "line 2", "expected 'NAME on|off', got 'simd'");
        assertEquals(before, Files.readString(m.path(".vexfs/optimizations")), "no line of a refused text was applied");

        failsWith("echo 'start forever' > .vexfs/profile", "write error: Invalid argument");
        assertRecorded("/.vexfs/profile", "write", "line 1", "'forever' is not a whole number of seconds");
        assertTrue(Files.readString(m.path(".vexfs/profile")).contains("state idle"));
    }

    @Test
    void whatOnlyTheEndOfAControlTextShowsFailsTheClose() throws IOException {
        String before = Files.readString(m.path(".vexfs/optimizations"));
        // No newline: the line is not complete until the file is closed.
        failsWith("printf 'simd off\\nwarp9 on' | dd of=.vexfs/optimizations status=none",
                "closing output file '.vexfs/optimizations': Invalid argument");
        assertRecorded("/.vexfs/optimizations", "flush", "line 2", "unknown optimization 'warp9'");
        assertEquals(before, Files.readString(m.path(".vexfs/optimizations")));
        failsWith("printf 'start 5\\nstart 6\\n' | dd of=.vexfs/profile status=none", "Invalid argument");
        assertRecorded("/.vexfs/profile", "flush", "line 2", "one command at a time");
        assertTrue(Files.readString(m.path(".vexfs/profile")).contains("state idle"));
    }

    @Test
    void aGoodControlTextStillApplies() throws IOException {
        m.sh("echo 'cache off' > .vexfs/optimizations").ok();
        assertTrue(Files.readString(m.path(".vexfs/optimizations")).contains("cache off"));
        m.sh("printf '# comment\\n\\ncache on\\n' | tee .vexfs/optimizations > /dev/null").ok();
        assertTrue(Files.readString(m.path(".vexfs/optimizations")).contains("cache on"));
    }

    @Test
    void aBadCollectionLineFailsTheWrite() throws IOException {
        Files.createDirectories(m.path("empty"));
        String before = Files.readString(m.path("empty/.collection"));
        failsWith("echo 'metric = manhattan' > empty/.collection", "write error: Invalid argument");
        assertRecorded("/empty/.collection", "write", "line 1", "manhattan");
        failsWith("printf 'metric = cosine\\ncolour = blue\\n' | tee empty/.collection", "Invalid argument");
        assertRecorded("/empty/.collection", "write", "line 2", "unknown key 'colour'");
        failsWith("echo 'k = 0' | dd of=empty/.collection status=none", "Invalid argument");
        assertRecorded("/empty/.collection", "write", "line 1", "k must be between 1 and");
        assertNotEquals(0, MountFixture.runIn(m.mnt, "sh", "-c", "echo 'index = ivf' > empty/.collection").exit());
        assertRecorded("/empty/.collection", "write", "line 1", "index must be 'flat' (exact search) or 'hnsw'");
        Files.writeString(m.root.resolve("settings"), "k = 5\ndim = many\n");
        failsWith("cp " + m.root.resolve("settings") + " empty/.collection", "Invalid argument");
        assertRecorded("/empty/.collection", "write", "line 2", "dim must be a whole number, not 'many'");
        assertEquals(before, Files.readString(m.path("empty/.collection")), "the metric line before the bad one was not applied");
        // A rule across lines is judged on close: m without index = hnsw.
        failsWith("printf 'm = 8\\n' | dd of=empty/.collection status=none", "closing output file 'empty/.collection': Invalid argument");
        assertRecorded("/empty/.collection", "flush", "line 1", "set 'index = hnsw' too");
        m.sh("echo 'metric = cosine' > empty/.collection").ok();
        assertTrue(Files.readString(m.path("empty/.collection")).contains("metric = cosine"));
    }

    @Test
    void aBadQueryLineFailsTheWriteAndTheQueryReadsAsRefused() throws IOException {
        failsWith("echo '1 2' > docs/.search/q", "write error: Invalid argument");
        assertRecorded("/docs/.search/q", "write", "line 1", "dimension 2 differs from the collection's 4");
        failsWith("cat docs/.search/q", "cat: docs/.search/q: Invalid argument");
        assertRecorded("/docs/.search/q", "read", "line 1", "the last query written here was refused: dimension 2");

        assertNotEquals(0, MountFixture.runIn(m.mnt, "sh", "-c", "echo 'k=2' 'x' > docs/.search/s").exit());
        failsWith("printf 'k=2\\nprefix=nowhere/\\n1 2 3 4\\n' | tee docs/.search/t", "tee: docs/.search/t: Invalid argument");
        assertRecorded("/docs/.search/t", "write", "line 2", "prefix 'nowhere/' is not a directory of this collection");
        failsWith("printf '1 2 3 4\\n1 2 NaN 4\\n' | dd of=docs/.search/u status=none", "error writing 'docs/.search/u': Invalid argument");
        assertRecorded("/docs/.search/u", "write", "line 2", "NaN");
        Files.writeString(m.root.resolve("query"), "k=2\n1 2 3 4\nk=3\n");
        failsWith("cp " + m.root.resolve("query") + " docs/.search/v", "Invalid argument");
        assertRecorded("/docs/.search/v", "write", "line 3", "options (key=value) must come before the query vectors");
        failsWith("cat docs/.search/v", "Invalid argument");

        String good = m.sh("echo '1 2 3 4' > docs/.search/q && cat docs/.search/q").ok().out();
        assertEquals("0\t1\t0\tdocs/a.vec\n0\t2\t4.472136\tdocs/sub/b.vec\n", good, "the next good query replaces the refusal");
    }

    @Test
    void whatOnlyTheEndOfAQueryShowsFailsTheClose() throws IOException {
        failsWith("printf '1 2 3 x' | dd of=docs/.search/end status=none", "closing output file 'docs/.search/end': Invalid argument");
        assertRecorded("/docs/.search/end", "flush", "line 1", "'x' is not a decimal number");
        failsWith("cat docs/.search/end", "Invalid argument");
        failsWith("printf '\\4\\0\\0\\0\\0\\0\\200\\77' | dd of=docs/.search/end.fvecs status=none", "closing output file");
        assertRecorded("/docs/.search/end.fvecs", "flush", "row 0", "truncated record");
    }
}
