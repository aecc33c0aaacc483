package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.preview.PreviewData;
import io.palimpsest.worker.preview.ReportRenderer;
import io.palimpsest.worker.show.CommittedOutputReader;
import io.palimpsest.worker.show.ShowReport;
import io.palimpsest.worker.show.ShowSelection;
import io.palimpsest.worker.show.ShowText;
import io.palimpsest.worker.show.ShownOutput;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.text.Plural;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code palimpsest show}: committed outputs next to their sources, in the terminal or, with
 * {@code --html}, as the preview's report. Reads only what receipts commit; the sources come from
 * the input the output was planned from.
 */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "Print committed outputs next to their source documents: per document its id, shard, source,"
                + " and each variant's output or reject reason. Reads only shards with a receipt.")
final class ShowCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "<output-uri>",
            description = "The job's output: s3://bucket/prefix, pvc://claim/path, file:///path or a local path.")
    String outputUri;

    @Option(
            names = "--variant",
            description = "Only this variant's outputs and rejects (and rejects of whole documents).")
    String variant;

    @ArgGroup(exclusive = true)
    Target target = new Target();

    static final class Target {
        @Option(names = "--id", description = "Only the document with this id.")
        String id;

        @Option(names = "--shard", description = "Only documents of this shard.")
        Integer shard;
    }

    @Option(names = "--limit", description = "At most this many documents. Default: 10, with --html 1000")
    Integer limit;

    @Option(
            names = "--html",
            description =
                    "Write the preview's report (report.html) over the committed output instead of"
                            + " printing: each document's source beside every variant's output, word diffs, reject reasons, filters.")
    boolean html;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "With --html: the page to write. Default: ./<job>-output.html")
    Path out;

    @Option(
            names = "--width",
            defaultValue = "100",
            description = "Fold texts to this many columns. Default: ${DEFAULT-VALUE}")
    int width;

    @Option(
            names = "--max-chars",
            defaultValue = "2000",
            description = "Cut each text after this many characters (0: all). Default: ${DEFAULT-VALUE}")
    int maxChars;

    @Option(
            names = "--input",
            description = "The input to read sources from, for outputs that do not record theirs"
                    + " (planned by an earlier version).")
    String input;

    @Option(
            names = "--pvc-root",
            description = "Where claims are mounted: pvc://<claim>/<path> resolves to <root>/<claim>/<path>."
                    + " Default: $PALIMPSEST_PVC_ROOT, else /mnt/pvc")
    Path pvcRoot;

    private static final int TEXT_LIMIT = 10;
    /** The report draws only what is near the viewport, so a thousand documents stay readable. */
    private static final int HTML_LIMIT = 1000;

    @Spec
    CommandSpec spec;

    /** The process environment unless a test sets another. */
    WorkerEnvironment environment;

    @Override
    public Integer call() throws Exception {
        WorkerEnvironment env = environment != null ? environment : WorkerEnvironment.system();
        if (pvcRoot != null) {
            env = env.withPvcRoot(pvcRoot);
        }
        ShowText text = new ShowText(width, maxChars);
        if (out != null && !html) {
            throw new ParameterException(
                    spec.commandLine(), "--out names the page of --html; without --html, show prints");
        }
        int max = limit != null ? limit : html ? HTML_LIMIT : TEXT_LIMIT;
        ShowSelection selection = new ShowSelection(
                variant, target == null ? null : target.id, target == null ? null : target.shard, max);
        StorageResolver inputs = env.storageResolver("input");
        ShownOutput shown;
        try (Storage output = env.storageResolver("output").open(outputUri)) {
            shown = new CommittedOutputReader(new ObjectMapper())
                    .load(outputUri, output, inputs::openInput, input, selection);
        }
        if (html) {
            ObjectMapper json = new ObjectMapper();
            PreviewData data = new ShowReport(json).build(shown);
            Path page = out != null ? out : Path.of((data.job() != null ? data.job() : "palimpsest") + "-output.html");
            new ReportRenderer(json).write(data, page);
            System.out.println(Plural.of(shown.documents().size(), "document") + " of " + shown.outputUri()
                    + " written to " + page + (shown.more() ? " (more with --limit, --shard or --id)" : ""));
            return 0;
        }
        System.out.print(text.render(shown));
        System.out.flush();
        return 0;
    }
}
