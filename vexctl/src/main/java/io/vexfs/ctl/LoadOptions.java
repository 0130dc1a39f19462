package io.vexfs.ctl;

import picocli.CommandLine.Option;

/** The workload options load-test, stress-test and regression-test share (a picocli mixin). */
final class LoadOptions {
    @Option(names = "--dim", defaultValue = "16", description = "Dimension of the vectors written (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--vectors-per-file", defaultValue = "4", description = "Vectors in each file written (default ${DEFAULT-VALUE}).")
    int vectorsPerFile;

    @Option(names = "--mix", defaultValue = "write=40,read=30,stat=20,search=10",
            description = "Relative weights of the operations (default ${DEFAULT-VALUE}).")
    String mix;

    @Option(names = "--keep", description = "Keep the collection the run wrote (default: delete it afterwards).")
    boolean keep;

    @Option(names = "--quiet", description = "No progress bar on stderr.")
    boolean quiet;

    LoadGenerator.Mix parsedMix() {
        try {
            return LoadGenerator.Mix.parse(mix);
        } catch (IllegalArgumentException e) {
            throw new Vexctl.UsageException(e.getMessage());
        }
    }

    void validate(int concurrency) {
        if (concurrency < 1 || dim < 1 || vectorsPerFile < 1) {
            throw new Vexctl.UsageException("--concurrency, --dim and --vectors-per-file must be at least 1");
        }
    }
}
