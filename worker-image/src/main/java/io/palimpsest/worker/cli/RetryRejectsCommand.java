package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.JsonlRecords;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlannedInput;
import io.palimpsest.worker.plan.RecipeMarker;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.run.RetryRounds;
import io.palimpsest.worker.run.ShardCommitter;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code palimpsest retry-rejects}: runs chosen rejects of a committed output again, as a retry round
 * of its own, and touches nothing the run committed. Round {@code N} reads the chosen documents from
 * {@code <output>/retries/round-NNN-input/documents.jsonl} and writes a complete output of its own
 * to {@code <output>/retries/round-NNN/} (variants, rejects, receipts, exactly once per shard, like
 * any run). For each round, read = written + rejected + skipped; for the campaign, a document is in
 * force where it was last run: see docs/RELIABILITY.md. A round left unfinished is resumed by the
 * next call before any new round starts.
 */
@Command(
        name = "retry-rejects",
        mixinStandardHelpOptions = true,
        description =
                "Run chosen rejects of a committed output again (e.g. --reason model_error) into a new retry round under"
                        + " <output>/retries/, without touching what was committed.")
final class RetryRejectsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-f", "--filename"},
            required = true,
            description = "The manifests of the run (RewriteJob + RewriterModel).")
    Path manifests;

    @Option(
            names = "--reason",
            required = true,
            split = ",",
            description = "Reject reasons to run again (repeatable or comma-separated), e.g. model_error,truncation.")
    List<String> reasons;

    @Option(
            names = "--out",
            description =
                    "The run's output, when it was not spec.output.uri (a path, or a URI such as s3://bucket/prefix/).")
    String out;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    private final ObjectMapper json = new ObjectMapper();

    /**
     * A SIGINT or SIGTERM is answered from the process's start: before the round's shards run, at once, with the step
     * it came in and what the call left; once they run, as {@code local} answers it, naming the round.
     */
    private final SigtermHook sigterm = SigtermHook.launchedOrNew("retry-rejects");

    /** The retry round whose input is written (made by this call, or left unfinished by an earlier one); null before. */
    private volatile Integer roundUnderWay;

    /** What a retry round sets itself rather than reading from the manifest: no line of the manifest is its. */
    private static final List<ManifestField> ROUND_FIELDS = List.of(
            ManifestField.job("spec.input.uri"),
            ManifestField.job("spec.input.format"),
            ManifestField.job("spec.input.textField"),
            ManifestField.job("spec.input.idField"),
            ManifestField.job("spec.input.include"),
            ManifestField.job("spec.input.exclude"),
            ManifestField.job("spec.input.limit"),
            ManifestField.job("spec.output.uri"),
            ManifestField.job("spec.sharding"));

    @Override
    public Integer call() throws Exception {
        sigterm.before("reading the manifests");
        sigterm.install(SigtermHook.DEFAULT_STOP_WITHIN, this::stoppedBefore);
        try {
            checkReasons(reasons);
            JobManifests.Loaded loaded = new JobManifests().load(manifests);
            try {
                return retry(loaded);
            } catch (CommittedFileMissing e) {
                System.err.println("palimpsest retry-rejects: " + e.getMessage());
                return ExitCodes.FAILED;
            } catch (InvalidJobException e) {
                // the field a refusal is about, at its line in the manifests, as local names it
                throw loaded.located(e, LocalCommand.overridden(out, modelOptions.endpoint));
            }
        } finally {
            sigterm.done();
        }
    }

    /** What a stop while the CLI starts leaves: nothing of this call. */
    static String stoppedStarting(String doing, String signal) {
        return stoppedBefore(doing, signal, null);
    }

    private String stoppedBefore(String doing, String signal) {
        return stoppedBefore(doing, signal, roundUnderWay);
    }

    /**
     * The one line of a call stopped before any shard of its round started, said by the hook: the step it was in
     * ({@code doing}), that the call committed nothing and sent nothing to the model, and what the next call does: it
     * resumes {@code round} once its input is written, else chooses the rejects again.
     */
    static String stoppedBefore(String doing, String signal, Integer round) {
        // a signal whose name is not known (it came before its handler could be wrapped) may be either exit
        String exit = signal.startsWith("SIG") ? " (exit " + SigtermHook.exitOf(signal) + ")" : "";
        if (round == null) {
            return "stopped    by " + signal + " while " + doing + ", before this call ran a retry round: it committed"
                    + " nothing and sent no document to the model; run the same command again to retry the rejects"
                    + exit;
        }
        return "stopped    by " + signal + " while " + doing + ", before any shard of retry round " + round
                + " started: this call committed nothing and sent no document to the model (the round's documents"
                + " are chosen and written under retries/); run the same command again to resume retry round " + round
                + exit;
    }

    private int retry(JobManifests.Loaded loaded) throws Exception {
        sigterm.before("reading the committed output and its retry rounds");
        ResolvedJob job = modelOptions.identify(loaded.job());
        LocalPaths.resolve(job, loaded.jobFile(), out);
        String outputUri = withSlash(job.getSpec().getOutput().getUri());
        try (JobRuntime runtime = new JobRuntime(job, WorkerEnvironment.system(), json)) {
            Storage output = runtime.output();
            if (output.exists(ShardLayout.simulatedMarkerKey()) && !modelOptions.simulate) {
                System.err.println(
                        "palimpsest retry-rejects: the output " + output.describe()
                                + " holds work the built-in simulator"
                                + " served; a retry on a real model would mix the two: retry with --simulate, or run again into a new output");
                return ExitCodes.MODEL_CONFIG;
            }
            if (modelOptions.simulate && !output.exists(ShardLayout.simulatedMarkerKey())) {
                System.err.println("palimpsest retry-rejects: the output " + output.describe() + " holds work of a real"
                        + " model (it has no " + ShardLayout.simulatedMarkerKey() + "); a simulated retry would put the"
                        + " built-in simulator's text beside it: retry without --simulate, against the model, or try"
                        + " the recipe with local --simulate into a new output");
                return ExitCodes.MODEL_CONFIG;
            }
            // a round adds to the campaign in place: the campaign's own (not another namespace's), made
            // with its recipe and model, reading its input
            String elsewhere = new RecipeMarker(json).ownedElsewhere(output, job.getNamespace(), job.getName());
            if (elsewhere != null) {
                throw new InvalidJobException(elsewhere + "; retry with the campaign's manifests");
            }
            new RecipeMarker(json)
                    .withRecipe(job.getSpec().getRecipe())
                    .withOutput(runtime.outputShape())
                    .checkStrict(
                            output,
                            job.getRecipeHash(),
                            runtime.model(),
                            runtime.modelIdentity(),
                            "a retry round is made as the campaign was: retry with the campaign's manifests, or run"
                                    + " the new recipe or model into a new output");
            PlannedInput input = PlannedInput.of(job.getSpec().getInput());
            List<String> inputChanges = PlanCommand.inputChanges(runtime, json, input);
            if (!inputChanges.isEmpty()) {
                throw PlanCommand.inputDrift(runtime, json, input, inputChanges);
            }
            List<JsonNode> rejects = committedRejects(output, runtime.compression());
            if (rejects == null) {
                System.err.println(
                        "palimpsest retry-rejects: " + output.describe() + " is not a committed output (a shard has no"
                                + " receipt); finish the run first, then retry its rejects");
                return ExitCodes.FAILED;
            }
            RejectSelection selection = new RejectSelection();
            selection.original(rejects);
            int round = 1;
            String roundInput;
            while ((roundInput = RetryRounds.existingInputKey(output, round)) != null) {
                List<String> retried = ids(output, roundInput);
                List<JsonNode> roundRejects;
                try (Storage roundOutput = WorkerEnvironment.system()
                        .storageResolver("output")
                        .open(outputUri + RetryRounds.prefix(round))) {
                    if (!modelOptions.simulate && roundOutput.exists(ShardLayout.simulatedMarkerKey())) {
                        System.err.println(
                                "palimpsest retry-rejects: retry round " + round + " ("
                                        + roundOutput.describe() + ") holds work the built-in simulator served ("
                                        + ShardLayout.simulatedMarkerKey()
                                        + "); a run on a real model does not count it as"
                                        + " done: delete " + RetryRounds.prefix(round) + " and "
                                        + RetryRounds.inputPrefix(round)
                                        + " (and any later round) to retry those documents on the model, or run into a new output");
                        return ExitCodes.MODEL_CONFIG;
                    }
                    roundRejects = committedRejects(roundOutput, runtime.compression());
                }
                if (roundRejects == null) {
                    roundUnderWay = round;
                    System.err.printf(
                            "resuming retry round %d (%s), left unfinished%n",
                            round, Plural.of(retried.size(), "document"));
                    return runRound(job, loaded, outputUri, round, roundInput.equals(RetryRounds.inputKey(round)));
                }
                selection.round(retried, roundRejects);
                round++;
            }
            Set<String> asked = new LinkedHashSet<>(reasons);
            RejectSelection.Result chosen = selection.choose(
                    asked, writtenAmong(output, runtime.compression(), selection.rejectedInVariants(asked)));
            System.err.printf(
                    "rejects with reason %s: %s%s%s%s%n",
                    reasons,
                    chosen.chosen().isEmpty()
                            ? "none to run again, no retry round made"
                            : chosen.chosen().size() + " to run again in round " + round,
                    chosen.partial() == 0
                            ? ""
                            : "; " + chosen.partial() + " left out: written in another variant (running them again"
                                    + " would write that variant twice)",
                    chosen.withoutText() == 0
                            ? ""
                            : "; " + chosen.withoutText() + " left out: the reject has no source text",
                    chosen.otherReasons() == 0
                            ? ""
                            : "; " + chosen.otherReasons() + " left out: also rejected for "
                                    + String.join(", ", chosen.others())
                                    + " (add it to --reason to run them again)");
            if (chosen.chosen().isEmpty()) {
                return ExitCodes.DONE;
            }
            sigterm.before("writing the chosen documents of retry round " + round);
            output.put(RetryRounds.inputKey(round), documents(chosen.chosen()));
            roundUnderWay = round;
            return runRound(job, loaded, outputUri, round, true);
        }
    }

    /**
     * Every {@code --reason} must be a reject code: a misspelt one (or a skip reason, never retried)
     * would otherwise choose nothing and look like a run with nothing left to retry.
     */
    private void checkReasons(List<String> asked) {
        if (asked.contains(ItemReason.DUPLICATE_ID.code())) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--reason " + ItemReason.DUPLICATE_ID.code() + ": a document whose id came before it is never run"
                            + " again (the first document with that id is the one in force, and the repeat's reject"
                            + " keeps no text); a first document rejected for another reason is chosen for that"
                            + " reason");
        }
        List<String> wrong = asked.stream()
                .filter(r -> ItemReason.ofCode(r)
                        .map(reason -> reason.outcome() != ItemReason.Outcome.REJECTED)
                        .orElse(true))
                .toList();
        if (!wrong.isEmpty()) {
            List<String> rejects = Arrays.stream(ItemReason.values())
                    .filter(r -> r.outcome() == ItemReason.Outcome.REJECTED && r != ItemReason.DUPLICATE_ID)
                    .map(ItemReason::code)
                    .toList();
            throw new ParameterException(
                    spec.commandLine(), // not a CommandLine of its own: usage then names it palimpsest retry-rejects
                    "--reason " + String.join(",", wrong) + ": not a reject reason (skipped documents are not"
                            + " retried); the reject reasons are " + String.join(", ", rejects));
        }
    }

    /**
     * @param metadataApart whether the round's input keeps each document's metadata apart ({@link
     *     RetryRounds#inputKey}); a round an earlier version made ({@link RetryRounds#earlierInputKey}) is resumed
     *     as it was made
     */
    private int runRound(
            ResolvedJob job, JobManifests.Loaded loaded, String outputUri, int round, boolean metadataApart)
            throws Exception {
        ResolvedJob roundJob = json.convertValue(job, ResolvedJob.class);
        roundJob.setName(job.getName() + "-retry-" + round);
        RewriteJobSpec.Input input = roundJob.getSpec().getInput();
        input.setUri(outputUri + RetryRounds.inputPrefix(round));
        input.setFormat(RewriteJobSpec.InputFormat.jsonl);
        input.setTextField("text");
        input.setIdField("id");
        input.setInclude(null);
        input.setExclude(null);
        input.setLimit(null);
        input.setCredentialsSecretRef(job.getSpec().getOutput().getCredentialsSecretRef());
        roundJob.getSpec().getOutput().setUri(outputUri + RetryRounds.prefix(round));
        roundJob.getSpec().setSharding(null);
        LocalCommand local = new LocalCommand();
        local.manifests = manifests;
        local.modelOptions = modelOptions;
        local.parallelShards = 4;
        local.retryRoundInput = metadataApart;
        local.loaded = loaded;
        // one hook for the call: a stop before the round's shards names the round, and a stopped round's summary too
        local.sigterm = sigterm;
        local.stoppedBefore = this::stoppedBefore;
        local.retryRound = round;
        System.err.printf(
                "retry round %d -> %s%n", round, roundJob.getSpec().getOutput().getUri());
        try {
            return local.run(roundJob, loaded.model());
        } catch (InvalidJobException e) {
            // the round reads and writes under the output, not where the manifest's input and output fields say
            throw loaded.located(e, ROUND_FIELDS);
        }
    }

    /** Every shard's rejects in {@code scoped}, or null when it has no plan or a planned shard has no receipt yet. */
    private List<JsonNode> committedRejects(Storage scoped, Compression compression) throws IOException {
        if (!scoped.exists(ShardManifest.KEY)) {
            return null;
        }
        List<JsonNode> records = new ArrayList<>();
        List<Shard> shards = new ShardManifest(json).read(scoped);
        String plan = PlanIdentity.inForce(scoped);
        for (Shard shard : shards) {
            ShardLayout layout = new ShardLayout(shard.index(), compression);
            if (!scoped.exists(layout.receiptKey())) {
                return null;
            }
            JsonNode receipt = json.readTree(scoped.readAll(layout.receiptKey()));
            // another plan's rejects are not this plan's to run again
            ShardCommitter.confirmPlan(scoped, layout.receiptKey(), receipt, plan);
            JsonNode stream = receipt.path("outputs").path(ShardLayout.REJECTS_STREAM);
            String key = stream.path("key").asText(layout.finalKey(ShardLayout.REJECTS_STREAM));
            if (committedFile(scoped, layout, stream, key)) {
                records.addAll(read(scoped, key));
            }
        }
        return records;
    }

    /**
     * Whether the output holds the file {@code key} of a stream the shard's receipt lists ({@code stream}, missing in a
     * receipt of an earlier version): a file the receipt names with records that is not there fails the call naming
     * it, as the round chosen without its records would run again documents written there, or leave out rejects in it.
     */
    private static boolean committedFile(Storage scoped, ShardLayout layout, JsonNode stream, String key)
            throws IOException {
        if (scoped.exists(key)) {
            return true;
        }
        if (stream.path("records").asLong(0) > 0) {
            throw new CommittedFileMissing(scoped.describe(layout.receiptKey()) + " names "
                    + scoped.describe(key) + " ("
                    + Plural.of(stream.path("records").asLong(), "record")
                    + "), which is not there: the output no longer holds what was committed, and the rejects to run"
                    + " again cannot be chosen without it. Put the file back (or run the campaign again into a new"
                    + " output); nothing was retried");
        }
        return false;
    }

    /** A file a receipt lists is not in the output. */
    static final class CommittedFileMissing extends IOException {
        CommittedFileMissing(String message) {
            super(message);
        }
    }

    /**
     * Which of {@code ids} the committed outputs hold in some variant (by the document's id: an output of a matrix
     * combination names it as {@code provenance.sourceId}). Read line by line, holding only the ids asked about.
     */
    private Set<String> writtenAmong(Storage scoped, Compression compression, Set<String> ids) throws IOException {
        Set<String> written = new HashSet<>();
        if (ids.isEmpty()) {
            return written;
        }
        for (Shard shard : new ShardManifest(json).read(scoped)) {
            ShardLayout layout = new ShardLayout(shard.index(), compression);
            JsonNode outputs =
                    json.readTree(scoped.readAll(layout.receiptKey())).path("outputs");
            for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> stream = it.next();
                String key = stream.getValue().path("key").asText(layout.finalKey(stream.getKey()));
                if (stream.getKey().equals(ShardLayout.REJECTS_STREAM)
                        || !committedFile(scoped, layout, stream.getValue(), key)) {
                    continue;
                }
                JsonlRecords.each(scoped, key, json, record -> {
                    String id = record.path("provenance")
                            .path("sourceId")
                            .asText(record.path("id").asText());
                    if (ids.contains(id)) {
                        written.add(id);
                    }
                });
            }
        }
        return written;
    }

    private List<JsonNode> read(Storage storage, String key) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        JsonlRecords.each(storage, key, json, records::add);
        return records;
    }

    private List<String> ids(Storage output, String key) throws IOException {
        return read(output, key).stream().map(r -> r.path("id").asText()).toList();
    }

    /**
     * The round's input ({@link RecordDecoder#retryRoundInput}): each document's metadata apart from its id and text,
     * as the run read it, so a metadata field named {@code id}, {@code text} or {@code retriedFor} is carried as it
     * was, and the line of the campaign's input it came from, which its outputs and rejects name as the run's would.
     */
    private byte[] documents(List<RejectSelection.Chosen> chosen) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (RejectSelection.Chosen c : chosen) {
            ObjectNode record = json.createObjectNode();
            record.put("id", c.id());
            record.put("text", c.text());
            if (c.metadata() != null) {
                record.set(RecordDecoder.RETRIED_METADATA, c.metadata());
            }
            if (c.file() != null) {
                record.put(RecordDecoder.RETRIED_FILE, c.file());
                record.put(RecordDecoder.RETRIED_LINE, c.line());
            }
            record.set("retriedFor", json.valueToTree(c.reasons()));
            lines.append(json.writeValueAsString(record)).append('\n');
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String withSlash(String uri) {
        return uri.endsWith("/") ? uri : uri + "/";
    }
}
