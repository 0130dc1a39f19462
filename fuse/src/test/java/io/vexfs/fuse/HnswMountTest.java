package io.vexfs.fuse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A collection switched to index = hnsw through a real mount: settings, queries with and without ef=, a remount. */
class HnswMountTest {
    private static final int FILES = 60;

    @Test
    void hnswThroughTheMountAndAcrossARemount() throws IOException {
        try (MountFixture m = MountFixture.start()) {
            Files.createDirectories(m.path("docs"));
            Random random = new Random(11);
            StringBuilder queries = new StringBuilder();
            for (int i = 0; i < FILES; i++) {
                String v = IntStream.range(0, 4).mapToObj(d -> Float.toString((float) random.nextGaussian()))
                        .reduce((a, b) -> a + " " + b).orElseThrow();
                Files.writeString(m.path("docs/v" + i + ".vec"), v + "\n");
                queries.append(v).append('\n');
            }
            // Outside the mount, next to it: the shell reads it as ../queries.txt.
            Files.writeString(m.root.resolve("queries.txt"), queries);
            String settings = m.sh("printf 'index = hnsw\\nef = 32\\n' | tee docs/.collection >/dev/null && cat docs/.collection")
                    .ok().out();
            assertTrue(settings.contains("index = hnsw\nm = 16\nef_construction = 100\nef = 32\n"), settings);
            List<String> expected = IntStream.range(0, FILES).mapToObj(i -> "docs/v" + i + ".vec").toList();

            assertEquals(expected, topHits(m, "k=1\n"), "at the collection's ef");
            assertEquals(expected, topHits(m, "k=1\nef=8\n"), "at a query's ef");
            String stats = m.sh("cat .vexfs/stats").ok().out();
            assertTrue(stats.contains("hnsw ("), stats);

            Files.createDirectories(m.path("flat"));
            Files.writeString(m.path("flat/a.vec"), "1 2 3 4\n");
            // dd reports a refused close; the shell's redirection would not.
            MountFixture.Result refused = m.sh("printf 'ef=8\\n1 2 3 4\\n' | dd of=flat/.search/q status=none");
            assertNotEquals(0, refused.exit(), "ef= on a flat collection");
            assertTrue(refused.err().contains("Invalid argument"), refused.err());

            int exit = m.stop();
            assertTrue(exit == 0 || exit == 143, "exit " + exit);
            m.mount();
            assertEquals(settings, m.sh("cat docs/.collection").ok().out());
            assertEquals(expected, topHits(m, "k=1\n"), "after the remount");
            assertEquals(expected, topHits(m, "k=1\nef=64\n"), "after the remount, at a query's ef");
        }
    }

    /** The first hit of each stored vector queried with itself, in file order. */
    private static List<String> topHits(MountFixture m, String options) throws IOException {
        String out = m.sh("{ printf '" + options.replace("\n", "\\n") + "'; cat ../queries.txt; } > docs/.search/q"
                + " && cut -f4 docs/.search/q").ok().out();
        return out.lines().toList();
    }
}
