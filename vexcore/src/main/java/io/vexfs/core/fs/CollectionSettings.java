package io.vexfs.core.fs;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.index.AnnParams;
import io.vexfs.core.index.Quantization;
import io.vexfs.core.search.Metric;

import java.util.List;
import java.util.Locale;

/**
 * A collection's `.collection` file: dimension (0 until the first vector sets it), metric,
 * index kind ("flat" or "hnsw") with the hnsw parameters, the default result count, and the
 * embedding model that makes it a text collection. Writing the file sets the keys it names;
 * the others keep their values.
 *
 * @param m              hnsw links per node (m)
 * @param efConstruction hnsw candidate list size while inserting (ef_construction)
 * @param ef             hnsw candidate list size of a query that names no ef= (ef)
 * @param pqSubspaces    hnsw product quantization: bytes a vector is compressed to in memory, 0 for none (pq_subspaces)
 * @param rerank         hnsw with codes (pq_subspaces or quantization): candidates per hit re-ranked on full vectors (rerank)
 * @param alpha          hnsw neighbour diversity when linking, 1.0 (HNSW's rule) to 2.0 (alpha; see {@link AnnParams})
 * @param quantization   hnsw scalar codes searches walk on: int8 (the default), a byte a dimension in memory, or none
 *                       (quantization); naming pq_subspaces N > 0 turns it to none, as naming int8 turns pq_subspaces to 0
 * @param embed          the embedding model of a text collection (embed and its keys), or null
 */
public record CollectionSettings(int dim, Metric metric, String index, int k, int m, int efConstruction, int ef,
                                 int pqSubspaces, int rerank, float alpha, Quantization quantization, EmbedSpec embed) {
    public static final int MAX_K = 10_000;
    public static final int MAX_DIM = 65_536;
    public static final String FLAT = "flat";
    public static final String HNSW = "hnsw";
    public static final int MIN_M = 2;
    public static final int MAX_M = 128;
    public static final int MIN_EF_CONSTRUCTION = 8;
    public static final int MAX_EF_CONSTRUCTION = 1000;
    public static final int MIN_EF = 1;
    public static final int MAX_EF = 10_000;
    public static final int MAX_RERANK = 1000;
    /**
     * An hnsw collection walks its graph on int8 codes unless told otherwise: 1.5-1.65x the
     * queries a second of the walk on full vectors at equal recall on Fashion-MNIST, 1.27-1.34x
     * the build (in-process, beside the walk on full vectors; README), for a quarter of the
     * vectors' bytes of heap.
     */
    public static final Quantization DEFAULT_QUANTIZATION = Quantization.INT8;
    public static final CollectionSettings DEFAULT = new CollectionSettings(0, Metric.L2, FLAT, 10,
            AnnParams.DEFAULTS.m(), AnnParams.DEFAULTS.efConstruction(), AnnParams.DEFAULTS.ef(), AnnParams.DEFAULTS.pqSubspaces(),
            AnnParams.DEFAULTS.rerank(), AnnParams.DEFAULTS.alpha(), DEFAULT_QUANTIZATION, null);
    /** The alpha of hnsw settings logged before the alpha key existed: jvector's default, which linked them. */
    static final float ALPHA_BEFORE_THE_KEY = 1.2f;
    /** The quantization of hnsw settings logged before the key existed: their searches walked full vectors (or product codes). */
    static final Quantization QUANTIZATION_BEFORE_THE_KEY = Quantization.NONE;
    /** The keys that tune the hnsw index, refused on a flat collection. */
    private static final java.util.Set<String> HNSW_KEYS = java.util.Set.of("m", "ef_construction", "ef", "pq_subspaces", "rerank",
            "alpha", "quantization");
    /** A plain decimal: Float.parseFloat alone would also take "1.2f", "0x1p0" and "NaN". */
    private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]+)?");
    /** The keys a .collection line may set. */
    private static final String KEYS = "dim, metric, index, k, m, ef_construction, ef, pq_subspaces, rerank, alpha, quantization, embed,"
            + " embed_model, embed_tokenizer, embed_pooling";

    public CollectionSettings withDim(int newDim) {
        return new CollectionSettings(newDim, metric, index, k, m, efConstruction, ef, pqSubspaces, rerank, alpha, quantization, embed);
    }

    /** Whether ordinary files of the collection are embedded and indexed for words (embed is set). */
    public boolean text() {
        return embed != null;
    }

    public boolean hnsw() {
        return index.equals(HNSW);
    }

    /** The index parameters these settings give; only meaningful when {@link #hnsw()}. */
    public AnnParams annParams() {
        return new AnnParams(m, efConstruction, ef, pqSubspaces, rerank, alpha, quantization);
    }

    /** One `key = value` line, its value parsed: an Integer, a Metric, the index kind, a model, a path or a pooling. */
    private record Assignment(String key, Object value) {
    }

    /**
     * Refuses a line that is wrong whatever the rest of the text says (an unknown key, a value
     * out of range), as its write() arrives; {@code number} counts from 1.
     */
    public static void checkLine(String line, int number) throws InvalidInputException {
        parseLine(line, "line " + number);
    }

    /**
     * Applies `key = value` lines to these settings; {@code hasVectors} forbids changing dim and
     * metric, and a collection that is not {@code empty} (it holds files) keeps its embed model.
     * {@code embedDim} is the dimension of the model the lines name, found by loading it (0 when
     * they name none, or when only the model's known dimension can tell).
     */
    public CollectionSettings apply(String text, boolean hasVectors, boolean empty, int embedDim) throws InvalidInputException {
        int newDim = dim;
        Metric newMetric = metric;
        String newIndex = index;
        int newK = k;
        int newM = m;
        int newEfConstruction = efConstruction;
        int newEf = ef;
        int newPqSubspaces = pqSubspaces;
        String pqWhere = null;
        int newRerank = rerank;
        float newAlpha = alpha;
        Quantization newQuantization = quantization;
        String quantizationWhere = null;
        String embedKind = embed == null ? null : embed.model();
        // The onnx model's files, kept until the end shows whether embed = onnx is set.
        String embedModel = embed == null ? null : embed.modelPath();
        String embedTokenizer = embed == null ? null : embed.tokenizerPath();
        String embedPooling = embed == null ? EmbedSpec.MEAN : embed.pooling();
        String embedWhere = null;
        String firstOnnxKey = null;
        String firstOnnxWhere = null;
        String dimWhere = null;
        String metricWhere = null;
        // The first line that set an hnsw parameter: refused there if the index ends up flat.
        String firstHnswKey = null;
        String firstHnswWhere = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = "line " + (i + 1);
            Assignment a = parseLine(lines[i], where);
            if (a == null) {
                continue;
            }
            switch (a.key()) {
                case "dim" -> {
                    newDim = (Integer) a.value();
                    dimWhere = where;
                }
                case "metric" -> {
                    newMetric = (Metric) a.value();
                    metricWhere = where;
                }
                case "index" -> newIndex = (String) a.value();
                case "k" -> newK = (Integer) a.value();
                case "m" -> newM = (Integer) a.value();
                case "ef_construction" -> newEfConstruction = (Integer) a.value();
                case "ef" -> newEf = (Integer) a.value();
                case "pq_subspaces" -> {
                    newPqSubspaces = (Integer) a.value();
                    pqWhere = where;
                }
                case "rerank" -> newRerank = (Integer) a.value();
                case "alpha" -> newAlpha = (Float) a.value();
                case "quantization" -> {
                    newQuantization = (Quantization) a.value();
                    quantizationWhere = where;
                }
                case "embed" -> {
                    embedKind = a.value().equals("none") ? null : (String) a.value();
                    embedWhere = where;
                }
                case "embed_model" -> embedModel = (String) a.value();
                case "embed_tokenizer" -> embedTokenizer = (String) a.value();
                default -> embedPooling = (String) a.value();
            }
            if (firstHnswKey == null && HNSW_KEYS.contains(a.key())) {
                firstHnswKey = a.key();
                firstHnswWhere = where;
            }
            if (firstOnnxKey == null && a.key().startsWith("embed_")) {
                firstOnnxKey = a.key();
                firstOnnxWhere = where;
            }
        }
        if (firstHnswKey != null && !newIndex.equals(HNSW)) {
            throw new InvalidInputException(firstHnswWhere, firstHnswKey
                    + " tunes the hnsw index, and this collection's index is flat: set 'index = hnsw' too");
        }
        EmbedSpec newEmbed = null;
        if (EmbedSpec.ONNX.equals(embedKind)) {
            if (embedModel == null || embedTokenizer == null) {
                throw new InvalidInputException(embedWhere == null ? "" : embedWhere, "embed = onnx needs embed_model"
                        + " (the .onnx file) and embed_tokenizer (its tokenizer.json), both absolute paths");
            }
            newEmbed = new EmbedSpec(EmbedSpec.ONNX, embedModel, embedTokenizer, embedPooling);
        } else if (firstOnnxKey != null) {
            throw new InvalidInputException(firstOnnxWhere, firstOnnxKey + " names a file of an onnx model, and this"
                    + " collection's embed is " + (embedKind == null ? "not set" : embedKind) + ": set 'embed = onnx' too");
        } else if (embedKind != null) {
            newEmbed = EmbedSpec.MINILM_SPEC;
        }
        if (!java.util.Objects.equals(newEmbed, embed)) {
            if (!empty) {
                throw new InvalidInputException(embedWhere == null ? firstOnnxWhere : embedWhere, "embed cannot change while"
                        + " the collection holds files: it decides how every file is searched; make a new collection");
            }
            if (newEmbed != null) {
                int modelDim = embedDim != 0 ? embedDim : newEmbed.knownDim();
                if (modelDim != 0 && dimWhere != null && newDim != modelDim) {
                    throw new InvalidInputException(dimWhere, "the " + newEmbed.model() + " model gives " + modelDim
                            + "-dimensional vectors, so dim must be " + modelDim + ", not " + newDim);
                }
                if (modelDim != 0) {
                    newDim = modelDim;
                }
                if (metricWhere != null && newMetric != Metric.COSINE) {
                    throw new InvalidInputException(metricWhere, "a text collection compares embeddings by cosine,"
                            + " not " + newMetric.key());
                }
                newMetric = Metric.COSINE;
            }
        } else if (newEmbed != null && metricWhere != null && newMetric != Metric.COSINE) {
            throw new InvalidInputException(metricWhere, "a text collection compares embeddings by cosine, not " + newMetric.key());
        } else if (newEmbed != null && dimWhere != null && newDim != dim && dim != 0) {
            throw new InvalidInputException(dimWhere, "dim of a text collection is its model's, " + dim);
        }
        if (hasVectors && newDim != dim) {
            throw new InvalidInputException("", "dim cannot change from " + dim + " to " + newDim
                    + " while the collection holds vectors");
        }
        if (hasVectors && newMetric != metric) {
            throw new InvalidInputException("", "metric cannot change from " + metric.key() + " to "
                    + newMetric.key() + " while the collection holds vectors");
        }
        if (newPqSubspaces > 0 && newDim == 0) {
            throw new InvalidInputException(pqWhere == null ? "" : pqWhere, "pq_subspaces slices each vector into that many"
                    + " parts, and this collection's dimension is not known yet: set dim too");
        }
        if (newPqSubspaces > newDim) {
            throw new InvalidInputException(pqWhere == null ? "" : pqWhere, "pq_subspaces " + newPqSubspaces
                    + " is more than the dimension " + newDim + ": each subspace is a slice of at least one dimension");
        }
        // Two kinds of codes to walk on, one at a time: the kind this text names replaces the
        // other; naming both is refused.
        if (newPqSubspaces > 0 && newQuantization != Quantization.NONE) {
            if (quantizationWhere != null && pqWhere != null) {
                throw new InvalidInputException(quantizationWhere, "pq_subspaces " + newPqSubspaces + " and quantization = "
                        + newQuantization.key() + " are two kinds of codes to walk the graph on: keep one, and set"
                        + " pq_subspaces = 0 or quantization = none");
            } else if (pqWhere != null) {
                newQuantization = Quantization.NONE;
            } else {
                newPqSubspaces = 0;
            }
        }
        return new CollectionSettings(newDim, newMetric, newIndex, newK, newM, newEfConstruction, newEf, newPqSubspaces, newRerank,
                newAlpha, newQuantization, newEmbed);
    }

    /** One line parsed; null for a blank or comment line. */
    private static Assignment parseLine(String raw, String where) throws InvalidInputException {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        int eq = line.indexOf('=');
        if (eq <= 0) {
            throw new InvalidInputException(where, "expected 'key = value', got '" + clip(line) + "'");
        }
        String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = line.substring(eq + 1).strip();
        return new Assignment(key, switch (key) {
            case "dim" -> parseInt(where, key, value, 1, MAX_DIM);
            case "metric" -> {
                try {
                    yield Metric.parse(value);
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(where, e.getMessage());
                }
            }
            case "index" -> {
                String kind = value.toLowerCase(Locale.ROOT);
                if (!kind.equals(FLAT) && !kind.equals(HNSW)) {
                    throw new InvalidInputException(where, "index must be 'flat' (exact search) or 'hnsw'"
                            + " (approximate), not '" + clip(value) + "'");
                }
                yield kind;
            }
            case "k" -> parseInt(where, key, value, 1, MAX_K);
            case "m" -> parseInt(where, key, value, MIN_M, MAX_M, "links per graph node, 2m on the bottom layer:"
                    + " fewer than 2 cannot connect a graph, more than 128 cost memory and time without adding recall");
            case "ef_construction" -> parseInt(where, key, value, MIN_EF_CONSTRUCTION, MAX_EF_CONSTRUCTION,
                    "candidates weighed per insert: below 8 the graph links poorly, above 1000 a build crawls");
            case "ef" -> parseInt(where, key, value, MIN_EF, MAX_EF,
                    "candidates kept per search, raised to k when smaller: 10000 is the most hits a query can ask for");
            case "pq_subspaces" -> parseInt(where, key, value, 0, MAX_DIM, "bytes each vector is compressed to in memory"
                    + " (0: none, search reads full vectors); at most the dimension");
            case "rerank" -> parseInt(where, key, value, 1, MAX_RERANK, "candidates per hit re-ranked on their full vectors"
                    + " after a search on codes (pq_subspaces, quantization): at least 1, the hits themselves");
            case "quantization" -> {
                try {
                    yield Quantization.parse(value.toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(where, "quantization must be 'none' (walk the graph on full vectors) or"
                            + " 'int8' (on a byte a dimension kept in memory, the best re-ranked on full vectors), not '"
                            + clip(value) + "'");
                }
            }
            case "alpha" -> parseAlpha(where, value);
            case "embed" -> {
                String model = value.toLowerCase(Locale.ROOT);
                if (!model.equals(EmbedSpec.MINILM) && !model.equals(EmbedSpec.ONNX) && !model.equals("none")) {
                    throw new InvalidInputException(where, "embed must be 'minilm' (the bundled all-MiniLM-L6-v2), 'onnx'"
                            + " (a model named by embed_model and embed_tokenizer) or 'none', not '" + clip(value) + "'");
                }
                yield model;
            }
            case "embed_model", "embed_tokenizer" -> {
                if (!value.startsWith("/")) {
                    throw new InvalidInputException(where, key + " must be an absolute path (the mount does not"
                            + " run where the shell does), not '" + clip(value) + "'");
                }
                yield value;
            }
            case "embed_pooling" -> {
                String pooling = value.toLowerCase(Locale.ROOT);
                if (!pooling.equals(EmbedSpec.MEAN) && !pooling.equals(EmbedSpec.CLS)) {
                    throw new InvalidInputException(where, "embed_pooling must be 'mean' or 'cls', not '" + clip(value) + "'");
                }
                yield pooling;
            }
            default -> throw new InvalidInputException(where, "unknown key '" + clip(key) + "' (known: " + KEYS + ")");
        });
    }

    /**
     * Settings as a log record holds them: their canonical text, applied without checking any
     * range, so a data directory that was accepted once mounts again after the rules change
     * (recovery never re-validates). A line it cannot read at all is skipped with a warning.
     */
    public static CollectionSettings restore(String text) {
        CollectionSettings s = DEFAULT;
        boolean alphaLogged = false;
        boolean quantizationLogged = false;
        // The model's lines are read together at the end: an onnx model is one spec of four lines.
        String[] embed = {null, null, null, EmbedSpec.MEAN};
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            try {
                s = switch (key) {
                    case "dim" -> new CollectionSettings(Integer.parseInt(value), s.metric, s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "metric" -> new CollectionSettings(s.dim, Metric.parse(value), s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "index" -> new CollectionSettings(s.dim, s.metric, value, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "k" -> new CollectionSettings(s.dim, s.metric, s.index, Integer.parseInt(value), s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "m" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, Integer.parseInt(value), s.efConstruction, s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "ef_construction" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, Integer.parseInt(value), s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "ef" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, Integer.parseInt(value), s.pqSubspaces, s.rerank, s.alpha, s.quantization, null);
                    case "pq_subspaces" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef,
                            Integer.parseInt(value), s.rerank, s.alpha, s.quantization, null);
                    case "rerank" -> new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef,
                            s.pqSubspaces, Integer.parseInt(value), s.alpha, s.quantization, null);
                    case "alpha" -> {
                        float alpha = Float.parseFloat(value);
                        alphaLogged = true;
                        yield new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces,
                                s.rerank, alpha, s.quantization, null);
                    }
                    case "quantization" -> {
                        Quantization quantization = Quantization.parse(value);
                        quantizationLogged = true;
                        yield new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces,
                                s.rerank, s.alpha, quantization, null);
                    }
                    case "embed", "embed_model", "embed_tokenizer", "embed_pooling" -> {
                        embed[List.of("embed", "embed_model", "embed_tokenizer", "embed_pooling").indexOf(key)] = value;
                        yield s;
                    }
                    default -> throw new IllegalArgumentException("unknown key");
                };
            } catch (IllegalArgumentException e) {
                System.err.println("vexfs: stored collection setting '" + clip(line) + "' is not understood by this build; ignored");
            }
        }
        if (s.hnsw() && !alphaLogged) {
            // Logged before the alpha key existed: its graph was linked with jvector's 1.2, and
            // the index file says so; the default would not match it and rebuild the graph.
            s = new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank,
                    ALPHA_BEFORE_THE_KEY, s.quantization, null);
        }
        if (s.hnsw() && !quantizationLogged) {
            // Logged before the quantization key existed: the default would train codes it never had.
            s = new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank,
                    s.alpha, QUANTIZATION_BEFORE_THE_KEY, null);
        }
        if (embed[0] == null || embed[0].equals("none")) {
            return s;
        }
        try {
            EmbedSpec spec = switch (embed[0]) {
                case EmbedSpec.MINILM -> EmbedSpec.MINILM_SPEC;
                case EmbedSpec.ONNX -> new EmbedSpec(EmbedSpec.ONNX, embed[1], embed[2], embed[3]);
                default -> throw new IllegalArgumentException("unknown model");
            };
            return new CollectionSettings(s.dim, s.metric, s.index, s.k, s.m, s.efConstruction, s.ef, s.pqSubspaces, s.rerank, s.alpha, s.quantization, spec);
        } catch (IllegalArgumentException e) {
            System.err.println("vexfs: stored embedding model '" + clip(embed[0]) + "' is not understood by this build ("
                    + e.getMessage() + "); the collection is searched as a vector collection");
            return s;
        }
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        if (dim > 0) {
            sb.append("dim = ").append(dim).append('\n');
        } else {
            sb.append("# dim is set by the first vector stored\n");
        }
        sb.append("metric = ").append(metric.key()).append('\n');
        sb.append("index = ").append(index).append('\n');
        if (hnsw()) {
            sb.append("m = ").append(m).append('\n');
            sb.append("ef_construction = ").append(efConstruction).append('\n');
            sb.append("ef = ").append(ef).append('\n');
            sb.append("pq_subspaces = ").append(pqSubspaces).append('\n');
            sb.append("rerank = ").append(rerank).append('\n');
            sb.append("alpha = ").append(alpha).append('\n');
            sb.append("quantization = ").append(quantization.key()).append('\n');
        }
        sb.append("k = ").append(k).append('\n');
        if (embed != null) {
            sb.append(embed.render());
        }
        return sb.toString();
    }

    private static float parseAlpha(String where, String value) throws InvalidInputException {
        if (!DECIMAL.matcher(value).matches()) {
            throw new InvalidInputException(where, "alpha must be a decimal number such as 1.2, not '" + clip(value) + "'");
        }
        float v = Float.parseFloat(value);
        if (v < AnnParams.MIN_ALPHA || v > AnnParams.MAX_ALPHA) {
            throw new InvalidInputException(where, "alpha must be between " + AnnParams.MIN_ALPHA + " and " + AnnParams.MAX_ALPHA
                    + ", not " + clip(value) + " (how diverse a node's links must be: 1.0 is HNSW's rule, the sparsest graph;"
                    + " larger keeps more links; jvector's default is 1.2)");
        }
        return v;
    }

    private static int parseInt(String where, String key, String value, int min, int max) throws InvalidInputException {
        return parseInt(where, key, value, min, max, null);
    }

    /** {@code why}, when given, follows a range error: what the key tunes and why its bounds are where they are. */
    private static int parseInt(String where, String key, String value, int min, int max, String why) throws InvalidInputException {
        try {
            int v = Integer.parseInt(value);
            if (v < min || v > max) {
                throw new InvalidInputException(where, key + " must be between " + min + " and " + max + ", not " + v
                        + (why == null ? "" : " (" + why + ")"));
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where, key + " must be a whole number, not '" + clip(value) + "'");
        }
    }

    static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
