package io.vexfs.bench.search;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/** TEXMEX .fvecs files: per vector an int32 dimension, then that many float32, little-endian. */
public final class Fvecs {
    private Fvecs() {
    }

    /** Vectors as rows of one array: row r is values[r * dim, (r + 1) * dim). */
    public record Rows(int count, int dim, float[] values) {
        public float[] row(int r) {
            float[] row = new float[dim];
            System.arraycopy(values, r * dim, row, 0, dim);
            return row;
        }

        /** The first {@code n} rows, in .fvecs encoding. */
        public byte[] encode(int n) {
            ByteBuffer out = ByteBuffer.allocate(n * (Integer.BYTES + dim * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < n; r++) {
                out.putInt(dim);
                for (int i = 0; i < dim; i++) {
                    out.putFloat(values[r * dim + i]);
                }
            }
            return out.array();
        }
    }

    /** The first {@code limit} vectors of a file (all of them if it holds fewer). */
    public static Rows read(Path path, int limit) throws IOException {
        try (FileChannel in = FileChannel.open(path)) {
            ByteBuffer head = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(in, head, path);
            int dim = head.getInt(0);
            long recordBytes = Integer.BYTES + (long) dim * Float.BYTES;
            if (dim < 1 || in.size() % recordBytes != 0) {
                throw new IOException(path + ": not an .fvecs file (dimension " + dim + ", " + in.size() + " bytes)");
            }
            int count = (int) Math.min(limit, in.size() / recordBytes);
            ByteBuffer body = ByteBuffer.allocate((int) (count * recordBytes)).order(ByteOrder.LITTLE_ENDIAN);
            in.position(0);
            readFully(in, body, path);
            float[] values = new float[count * dim];
            for (int r = 0; r < count; r++) {
                int recordDim = body.getInt((int) (r * recordBytes));
                if (recordDim != dim) {
                    throw new IOException(path + ": vector " + r + " has dimension " + recordDim + ", not " + dim);
                }
                body.position((int) (r * recordBytes) + Integer.BYTES);
                body.asFloatBuffer().get(values, r * dim, dim);
            }
            return new Rows(count, dim, values);
        }
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, Path path) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new IOException(path + ": ends early");
            }
        }
        buffer.flip();
    }

    /**
     * Writes {@code count} vectors drawn from a mixture of {@code clusters} gaussians: centres with
     * components uniform in [0, 1) (from {@code centreSeed}, so a query file made with the same
     * centre seed and another point seed comes from the same mixture), each vector a random centre
     * plus noise of standard deviation {@code spread} per component. Nearest neighbours then lie in
     * the query's own cluster, as in real embeddings, not spread evenly as in uniform data.
     */
    public static void writeClustered(Path path, int count, int dim, int clusters, float spread, long centreSeed, long pointSeed)
            throws IOException {
        writeClustered(path, count, dim, clusters, spread, 0, centreSeed, pointSeed);
    }

    /**
     * As {@link #writeClustered(Path, int, int, int, float, long, long)}, with the noise of
     * {@code rank} dimensions (0: all of them) mapped into the {@code dim} by one random linear map
     * (from {@code centreSeed}): points then vary along a few directions, as embeddings do, and
     * their neighbours are not all at one distance.
     */
    public static void writeClustered(Path path, int count, int dim, int clusters, float spread, int rank, long centreSeed,
                                      long pointSeed) throws IOException {
        SplittableRandom centreRandom = new SplittableRandom(centreSeed);
        float[] centres = new float[clusters * dim];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) centreRandom.nextDouble();
        }
        java.util.Random mapRandom = new java.util.Random(centreSeed);
        float[] map = new float[dim * rank];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) (mapRandom.nextGaussian() / Math.sqrt(rank));
        }
        java.util.Random random = new java.util.Random(pointSeed);
        float[] z = new float[rank];
        write(path, count, dim, row -> {
            int centre = random.nextInt(clusters) * dim;
            for (int j = 0; j < rank; j++) {
                z[j] = (float) random.nextGaussian();
            }
            for (int i = 0; i < dim; i++) {
                float noise = 0;
                if (rank == 0) {
                    noise = (float) random.nextGaussian();
                }
                for (int j = 0; j < rank; j++) {
                    noise += map[i * rank + j] * z[j];
                }
                row[i] = centres[centre + i] + spread * noise;
            }
        });
    }

    /** Writes {@code count} vectors with components uniform in [0, 1), the same for the same seed. */
    public static void writeRandom(Path path, int count, int dim, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        write(path, count, dim, row -> {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextDouble();
            }
        });
    }

    /** Writes {@code count} vectors, each filled in turn by {@code next}, in chunks of about 4 MiB. */
    private static void write(Path path, int count, int dim, java.util.function.Consumer<float[]> next) throws IOException {
        int recordBytes = Integer.BYTES + dim * Float.BYTES;
        int perChunk = Math.max(1, (1 << 22) / recordBytes);
        ByteBuffer chunk = ByteBuffer.allocate(perChunk * recordBytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] row = new float[dim];
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (int written = 0; written < count; ) {
                int n = Math.min(perChunk, count - written);
                chunk.clear();
                for (int r = 0; r < n; r++) {
                    next.accept(row);
                    chunk.putInt(dim);
                    for (float v : row) {
                        chunk.putFloat(v);
                    }
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                written += n;
            }
        }
        if (Files.size(path) != (long) count * recordBytes) {
            throw new IOException(path + ": wrote " + Files.size(path) + " bytes, expected " + (long) count * recordBytes);
        }
    }
}
