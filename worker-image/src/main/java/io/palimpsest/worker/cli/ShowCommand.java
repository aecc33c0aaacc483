package io.palimpsest.worker.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.show.CommittedOutputReader;
import io.palimpsest.worker.show.ShowSelection;
import io.palimpsest.worker.show.ShowText;
import io.palimpsest.worker.show.ShownOutput;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code palimpsest show}: committed outputs next to their sources, in the terminal. Reads only what
 * receipts commit; the sources come from the input the output was planned from.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print committed outputs next to their source documents: per document its id, shard, source,"
                + " and each variant's output or reject reason. Reads only shards with a receipt.")
final class ShowCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<output-uri>",
            description = "The job's output: s3://bucket/prefix, pvc://claim/path, file:///path or a local path.")
    String outputUri;

    @Option(names = "--variant", description = "Only this variant's outputs and rejects (and rejects of whole documents).")
    String variant;

    @ArgGroup(exclusive = true)
    Target target = new Target();

    static final class Target {
        @Option(names = "--id", description = "Only the document with this id.")
        String id;

        @Option(names = "--shard", description = "Only documents of this shard.")
        Integer shard;
    }

    @Option(names = "--limit", defaultValue = "10", description = "At most this many documents. Default: ${DEFAULT-VALUE}")
    int limit;

    @Option(names = "--width", defaultValue = "100", description = "Fold texts to this many columns. Default: ${DEFAULT-VALUE}")
    int width;

    @Option(names = "--max-chars", defaultValue = "2000",
            description = "Cut each text after this many characters (0: all). Default: ${DEFAULT-VALUE}")
    int maxChars;

    @Option(names = "--input", description = "The input to read sources from, for outputs that do not record theirs"
            + " (planned by an earlier version).")
    String input;

    @Option(names = "--pvc-root",
            description = "Where claims are mounted: pvc://<claim>/<path> resolves to <root>/<claim>/<path>."
                    + " Default: $PALIMPSEST_PVC_ROOT, else /mnt/pvc")
    Path pvcRoot;

    /** The process environment unless a test sets another. */
    WorkerEnvironment environment;

    @Override
    public Integer call() throws Exception {
        WorkerEnvironment env = environment != null ? environment : WorkerEnvironment.system();
        if (pvcRoot != null) {
            env = env.withPvcRoot(pvcRoot);
        }
        ShowText text = new ShowText(width, maxChars);
        ShowSelection selection = new ShowSelection(variant, target == null ? null : target.id, target == null ? null : target.shard, limit);
        StorageResolver inputs = env.storageResolver("input");
        ShownOutput shown;
        try (Storage output = env.storageResolver("output").open(outputUri)) {
            shown = new CommittedOutputReader(new ObjectMapper()).load(outputUri, output, inputs::openInput, input, selection);
        }
        System.out.print(text.render(shown));
        System.out.flush();
        return 0;
    }
}
