package io.vexfs.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The POSIX behaviour tools rely on, through a real mount with shell tools and Java I/O: shared
 * open files, 64-bit sizes, links, special files, times, set-id bits, link counts, long paths,
 * and the archivers and copiers people use (tar, cp -a, rsync -a, git clone). The mount allows
 * other users, so steps run as a second user (nobody) too.
 */
class PosixTest {
    private static MountFixture m;

    @BeforeAll
    static void mount() throws IOException {
        m = MountFixture.start("[mount]\nallow_other = true\n");
        m.sh("mkdir -p c").ok();
    }

    @AfterAll
    static void unmount() throws IOException {
        m.close();
    }

    private static String sh(String script) throws IOException {
        return m.sh(script).ok().out().strip();
    }

    @Test
    void processesWritingDisjointRangesOfOneFileAllLand() throws IOException {
        for (int round = 0; round < 3; round++) {
            String f = "c/shared" + round + ".bin";
            sh("head -c 16384 /dev/zero > " + f);
            // Four processes open the file, wait until all have it open, then each writes its own 4 KiB and closes.
            sh("for i in 0 1 2 3; do /usr/bin/python3 -c \"import os,time,sys; i=int(sys.argv[1]); fd=os.open('" + f
                    + "', os.O_RDWR); time.sleep(0.5); os.pwrite(fd, bytes([65+i])*4096, i*4096); os.close(fd)\" $i & done; wait");
            String counts = sh("for ch in A B C D; do tr -cd $ch < " + f + " | wc -c; done | tr '\\n' ' '");
            assertEquals("4096 4096 4096 4096", counts, "round " + round);
        }
    }

    @Test
    void statShowsWhatIsBeingWrittenBeforeClose() throws IOException {
        Path f = m.path("c/growing.txt");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1000]));
            assertEquals(1000, ch.size(), "fstat");
            assertEquals(1000, Files.size(f), "stat by path");
        }
        assertEquals(1000, Files.size(f));
    }

    @Test
    void sizesAre64BitSparseAndRefusedWhereTheyCannotBeHonoured() throws IOException {
        sh("truncate -s 999999999999999 c/huge");
        assertEquals("999999999999999", sh("stat -c %s c/huge"));
        sh("truncate -s 3G c/three");
        assertEquals("3221225472", sh("stat -c %s c/three"));
        assertEquals("0000000", sh("tail -c 4 c/three | od -An -tx1 -v | tr -d ' \\n' | cut -c1-7"));
        sh("printf z | dd of=c/far bs=1 seek=$((2*1024*1024*1024+1)) conv=notrunc status=none");
        assertEquals("2147483650", sh("stat -c %s c/far"));
        assertEquals("z", sh("tail -c 1 c/far"));
        sh("dd if=/dev/zero of=c/twogig bs=4M count=512 status=none");
        assertEquals("2147483648", sh("stat -c %s c/twogig"));
        // Staged bytes past what the data directory's filesystem can place fail at the write that asked (ext4: 16 TiB).
        MountFixture.Result tooFar = m.sh("head -c 4M /dev/zero | dd of=c/tooFar bs=1M seek=$((20*1024*1024*1024*1024)) "
                + "oflag=seek_bytes iflag=fullblock status=none");
        assertNotEquals(0, tooFar.exit());
        assertTrue(tooFar.err().contains("File too large"), tooFar.err());
        sh("rm c/twogig c/three c/huge c/far");
    }

    @Test
    void symbolicLinksAreNamesAndHardLinksShareOneFile() throws IOException {
        sh("mkdir -p c/links && cd c/links && echo '1 2 3' > v.vec && ln -s v.vec l.vec && echo text > t.txt && ln t.txt t2.txt");
        assertEquals("v.vec", sh("readlink c/links/l.vec"));
        assertEquals("1 2 3", sh("cat c/links/l.vec"));
        assertEquals("symbolic link", sh("stat -c %F c/links/l.vec"));
        assertEquals("2", sh("stat -c %h c/links/t.txt"));
        assertEquals(sh("stat -c %i c/links/t.txt"), sh("stat -c %i c/links/t2.txt"));
        sh("echo changed > c/links/t2.txt");
        assertEquals("changed", sh("cat c/links/t.txt"));
        String refused = m.sh("ln c/links/v.vec c/links/w.vec").err();
        assertTrue(refused.contains("Operation not permitted"), refused);
        sh("mv c/links/l.vec c/links/l2.vec && rm c/links/t.txt");
        assertEquals("v.vec", sh("readlink c/links/l2.vec"));
        assertEquals("1", sh("stat -c %h c/links/t2.txt"));
        String hits = sh("printf 'k=10\\nprefix=links/\\n1 2 3\\n' > c/.search/links && cat c/.search/links | wc -l");
        assertEquals("1", hits, "a link to a vector file is not searched as a second copy");
        sh("rm c/links/l2.vec");
    }

    @Test
    void fifosAndDeviceNodesAreMadeByMknod() throws IOException {
        sh("mkfifo c/pipe && mknod c/null c 1 3");
        assertEquals("fifo", sh("stat -c %F c/pipe"));
        assertEquals("character special file 1 3", sh("stat -c '%F %t %T' c/null"));
        sh("rm c/pipe c/null");
    }

    @Test
    void directoryTimesAndLinkCountsFollowTheirEntries() throws IOException {
        sh("mkdir -p c/times/x c/times/y");
        assertEquals("4", sh("stat -c %h c/times"));
        long before = Long.parseLong(sh("stat -c %Y c/times"));
        sh("touch -m -d @1000 c/times && touch c/times/new && true");
        long afterCreate = Long.parseLong(sh("stat -c %Y c/times"));
        assertTrue(afterCreate >= before, afterCreate + " < " + before);
        sh("touch -m -d @1000 c/times && mv c/times/new c/times/x/moved");
        assertNotEquals("1000", sh("stat -c %Y c/times"));
        sh("touch -m -d @1000 c/times/x && rm c/times/x/moved");
        assertNotEquals("1000", sh("stat -c %Y c/times/x"));
        sh("rmdir c/times/y");
        assertEquals("3", sh("stat -c %h c/times"));
    }

    @Test
    void utimensetsOneTimeAndKeepsTheOther() throws IOException {
        sh("echo t > c/stamp && touch -a -d @2000 c/stamp && touch -m -d @3000 c/stamp");
        assertEquals("2000 3000", sh("stat -c '%X %Y' c/stamp"));
        sh("touch -a -d @4000 c/stamp");
        assertEquals("4000 3000", sh("stat -c '%X %Y' c/stamp"));
        sh("touch c/stamp");
        assertTrue(Long.parseLong(sh("stat -c %Y c/stamp")) > 3000);
    }

    @Test
    void aWriteByAnotherUserClearsSetIdBits() throws IOException {
        sh("echo x > c/setid && chmod 6777 c/setid && chmod 755 c");
        assertEquals("6777", sh("stat -c %a c/setid"));
        sh("setpriv --reuid=65534 --regid=65534 --clear-groups bash -c 'echo more >> c/setid'");
        assertEquals("777", sh("stat -c %a c/setid"));
        assertEquals("x\nmore", sh("cat c/setid"));
    }

    @Test
    void pathsLongerThanPathMaxAreReachableComponentByComponent() throws IOException {
        String name = "d".repeat(200);
        sh("cd c && for i in $(seq 25); do mkdir " + name + " && cd " + name + "; done && echo deep > file && cat file");
        assertEquals("deep", sh("cd c && for i in $(seq 25); do cd " + name + "; done && cat file"));
        sh("rm -rf c/" + name);
    }

    @Test
    void namesThatAreNotUtf8AreRefusedWithOneErrno() throws IOException {
        MountFixture.Result r = m.sh("touch c/$'\\xff\\xfe'");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Invalid or incomplete multibyte or wide character"), r.err());
    }

    @Test
    void tarCpRsyncAndGitWorkIntoACollection() throws IOException {
        Path src = Files.createTempDirectory("vexfs-posix-src");
        try {
            MountFixture.runIn(src, "bash", "-c", String.join(" && ",
                    "mkdir -p tree/sub", "echo one > tree/a.txt", "echo '1 2 3' > tree/v.vec", "ln -s a.txt tree/l",
                    "ln tree/a.txt tree/hard.txt", "chmod 640 tree/a.txt", "mkfifo tree/sub/p", "touch -d @5000 tree/sub",
                    "tar cf tree.tar tree",
                    "git init -q repo", "cd repo", "echo hello > README", "mkdir src", "echo 'int x;' > src/x.c",
                    "git add .", "git -c user.email=t@t -c user.name=t commit -q -m first")).ok();
            sh("mkdir -p c/arch && tar xf " + src.resolve("tree.tar") + " -C c/arch");
            sh("cp -a " + src.resolve("tree") + " c/cpa");
            sh("rsync -a " + src.resolve("tree") + "/ c/rs/");
            sh("git clone -q " + src.resolve("repo") + " c/repo");
            for (String copy : new String[]{"c/arch/tree", "c/cpa", "c/rs"}) {
                assertEquals("one", sh("cat " + copy + "/a.txt"), copy);
                assertEquals("a.txt", sh("readlink " + copy + "/l"), copy);
                assertEquals("640", sh("stat -c %a " + copy + "/a.txt"), copy);
                assertEquals("fifo", sh("stat -c %F " + copy + "/sub/p"), copy);
                assertEquals("5000", sh("stat -c %Y " + copy + "/sub"), copy);
                assertEquals("1 2 3", sh("cat " + copy + "/v.vec"), copy);
            }
            assertEquals("2", sh("stat -c %h c/arch/tree/a.txt"), "tar keeps hard links");
            assertEquals("", sh("git -C c/repo status --porcelain"));
            sh("git -C c/repo fsck --no-progress");
            assertEquals("hello", sh("cat c/repo/README"));
        } finally {
            MountFixture.run("rm", "-rf", src.toString());
        }
    }

    @Test
    void remountReplaysABoundedLogHoweverLongTheHistory() throws IOException {
        try (MountFixture churn = MountFixture.start("[storage]\ncheckpoint_log_records = 1000\n")) {
            Files.createDirectories(churn.path("w"));
            Pattern replayed = Pattern.compile("replayed (\\d+) log records");
            for (int cycle = 0; cycle < 5; cycle++) {
                for (int i = 0; i < 400; i++) {
                    Files.writeString(churn.path("w/f" + (i % 50) + ".vec"), cycle + " " + i + "\n");
                    if (i % 7 == 0) {
                        Files.deleteIfExists(churn.path("w/f" + ((i + 3) % 50) + ".vec"));
                    }
                }
                churn.kill9();
                churn.mount();
                Matcher matcher = replayed.matcher(churn.log());
                assertTrue(matcher.find(), churn.log());
                long records = Long.parseLong(matcher.group(1));
                assertTrue(records < 4000, "cycle " + cycle + " replayed " + records + " records");
            }
        }
    }
}
