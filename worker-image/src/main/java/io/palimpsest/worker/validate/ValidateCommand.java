package io.palimpsest.worker.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.CountingInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code palimpsest validate}: audit (source, output) pairs from any dataset with a recipe's
 * quality gates, the validators {@code palimpsest run} applies, and report what they reject.
 */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Run a recipe's validators over (source, output) pairs in JSON lines (.jsonl, .gz, .zst) and report "
                    + "every rejection with its measured value; with --label, a confusion table against a label field.",
            "Exit 0 when the audit completed (whatever it found); 78 on a bad recipe or manifests (as lint: missing,"
                    + " not valid YAML, no recipe, no validator that runs without a model); 1 on a missing or unreadable"
                    + " pairs file."
        })
public final class ValidateCommand implements Callable<Integer> {

    @Option(
            names = {"-f", "--recipe", "--job"},
            required = true,
            description = "A recipe YAML, a RewriteJob manifest (file or folder) or a resolved job.yaml.")
    Path recipePath;

    @Option(
            names = "--pairs",
            required = true,
            description = "JSON lines with at least a source and an output field; .gz/.zst by name.")
    Path pairsPath;

    @Option(names = "--report", description = "Write the summary as JSON here.")
    Path reportPath;

    @Option(names = "--out", description = "Write one verdict per record here as JSON lines (.gz/.zst by name).")
    Path verdictsPath;

    @Option(
            names = "--all-validators",
            description =
                    "Also run every model-free validator the recipe leaves out (truncation, lengthRatio [0.5, 2.0], repetition, "
                            + "refusal, echo, language) and the preamble and reasoning residue checks, with default settings.")
    boolean allValidators;

    @Option(names = "--variant", description = "Use this prompt variant's validators for records that name no variant.")
    String variant;

    @Option(
            names = "--label",
            description = "A field holding the truth (e.g. defect): adds the confusion table and rates.")
    String labelField;

    @Option(
            names = "--clean-label",
            split = ",",
            description = "Label values that mean a good pair (default: faithful, clean, none, ok, good).")
    List<String> cleanLabels;

    @Option(
            names = "--source-field",
            defaultValue = "source",
            description = "Default: ${DEFAULT-VALUE}; dotted names reach into objects.")
    String sourceField;

    @Option(names = "--output-field", defaultValue = "output", description = "Default: ${DEFAULT-VALUE}.")
    String outputField;

    @Option(names = "--id-field", defaultValue = "id", description = "Default: ${DEFAULT-VALUE}.")
    String idField;

    @Option(names = "--finish-reason-field", description = "Default: finish_reason, else provenance.finishReason.")
    String finishReasonField;

    @Option(names = "--threads", description = "Validator threads; default: the number of cores.")
    Integer threads;

    @Option(
            names = "--max-line-bytes",
            defaultValue = "16777216",
            description =
                    "Longer records are reported unreadable without being held in memory. Default: ${DEFAULT-VALUE}")
    int maxLineBytes;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Progress bar on stderr; default: when stderr is a terminal.")
    Boolean progress;

    private final PrintStream out;
    private final PrintStream err;

    public ValidateCommand() {
        this(System.out, System.err);
    }

    ValidateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        Recipe recipe = RecipeFile.load(recipePath);
        RecipeGates gates = RecipeGates.of(recipe, allValidators, variant);
        if (gates.names().isEmpty()) {
            throw new InvalidJobException(
                    recipePath + " declares no validator that runs without a model; pass --all-validators");
        }
        if (!Files.exists(pairsPath)) {
            throw new NoSuchFileException(pairsPath.toString()); // "<pairs> does not exist", exit 1
        }
        gates.skipped().forEach(s -> err.println("skipped: " + s));
        ObjectMapper json = new ObjectMapper();
        PairFields fields = PairFields.defaults()
                .withSource(sourceField)
                .withOutput(outputField)
                .withId(idField)
                .withLabel(labelField);
        if (finishReasonField != null) {
            fields = fields.withFinishReason(finishReasonField);
        }
        LabelConfusion labels = labelField == null
                ? null
                : new LabelConfusion(
                        labelField,
                        cleanLabels == null ? LabelConfusion.DEFAULT_CLEAN : new LinkedHashSet<>(cleanLabels));
        ValidationSummary summary = new ValidationSummary(labels);
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ValidationPipeline pipeline = ValidationPipeline.withDefaults(new PairJudge(gates), threadCount);

        long size = Files.size(pairsPath);
        try (CountingInputStream raw = new CountingInputStream(Files.newInputStream(pairsPath));
                PairReader reader =
                        new PairReader(raw, pairsPath.getFileName().toString(), fields, maxLineBytes, json);
                VerdictWriter verdicts = verdictsPath == null ? null : new VerdictWriter(open(verdictsPath), json);
                AuditProgress bar = showProgress() ? AuditProgress.on(err, raw, size) : AuditProgress.none()) {
            pipeline.run(reader, v -> {
                summary.add(v);
                if (verdicts != null) {
                    verdicts.write(v);
                }
                bar.advanced(summary);
            });
            bar.finish(summary);
        }
        if (reportPath != null) {
            json.copy()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(reportPath.toFile(), summary.toJson(json, gates.names(), gates.skipped()));
        }
        out.println("validators: " + String.join(", ", gates.names()));
        summary.print(out);
        return 0;
    }

    private boolean showProgress() {
        return progress != null ? progress : System.console() != null;
    }

    private static OutputStream open(Path path) throws IOException {
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        return Compression.ofFileName(path.getFileName().toString())
                .compress(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16));
    }
}
