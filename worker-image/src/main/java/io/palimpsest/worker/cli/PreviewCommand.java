package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.recipe.ModelCalls;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.FleetDefaults;
import io.palimpsest.api.worker.ModelDefaults;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.UnwritableOutput;
import io.palimpsest.worker.preview.Calibration;
import io.palimpsest.worker.preview.DocumentSampler;
import io.palimpsest.worker.preview.PaidReplicaTime;
import io.palimpsest.worker.preview.PreflightEstimator;
import io.palimpsest.worker.preview.PreviewAssembler;
import io.palimpsest.worker.preview.PreviewData;
import io.palimpsest.worker.preview.ReportRenderer;
import io.palimpsest.worker.recipe.DocumentTrace;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.PlainValues;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.runtime.ClientModelCall;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
import io.palimpsest.worker.recipe.runtime.RecipeProcessor;
import io.palimpsest.worker.run.DocumentFailedException;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code palimpsest preview}: the whole recipe on a deterministic sample of the input, before a
 * campaign. Checks and resolves the manifests as {@code local} does, plans the whole input (written
 * nowhere), draws the sample spread over the shards, runs every sampled document through the same
 * processor a worker runs, and writes {@code preview.json} and a self-contained {@code report.html}
 * with the pre-flight estimate for the whole input. Nothing is written under the job's output.
 */
@Command(
        name = "preview",
        mixinStandardHelpOptions = true,
        description =
                "Run the recipe on a sample of the input and write preview.json and report.html: outputs beside their sources,"
                        + " each validator's verdict, and the estimate of the whole campaign (requests, tokens, GPU-hours, wall time, cost).")
final class PreviewCommand implements Callable<Integer> {

    /** Where a preview written to the job's output goes: {@code <output>/_palimpsest/preview/}. */
    static final String PREVIEW_PREFIX = "_palimpsest/preview/";

    @Mixin
    PodJobOptions pod;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = "--sample",
            description = "Documents to draw, spread over the shards, 1 to " + MAX_SAMPLE
                    + ". Default: the RewriteJob's spec.preview.sample, else " + DEFAULT_SAMPLE)
    Integer sample;

    @Option(
            names = "--seed",
            description = "The same seed over the same input draws the same documents."
                    + " Default: the RewriteJob's spec.preview.seed, else 1")
    Long seed;

    /** spec.preview.sample's bounds and default in the CRD: what a cluster's preview takes, local's takes. */
    static final int MAX_SAMPLE = 100_000;

    static final int DEFAULT_SAMPLE = 200;

    /** Where {@code --sample} stands for a field of the RewriteJob: a cluster's preview is run with that field's value. */
    static final ManifestField SAMPLE = ManifestField.job("spec.preview.sample");

    @Option(
            names = "--out",
            description = "Folder for preview.json and report.html: a path or a file:// URI (as local --out takes a"
                    + " local output). Default: ./<job>-preview")
    String out;

    @Option(names = "--gpu-hour-price", description = "Price of one GPU-hour, for the cost estimate.")
    Double gpuHourPrice;

    @Option(
            names = "--gpus-per-replica",
            description =
                    "GPUs one model replica holds, for GPU-hours. Default: the RewriterModel's resources.gpus, else its tensorParallelSize, else 1."
                            + " A resolved job.yaml does not carry them: the operator passes them.")
    Integer gpusPerReplicaOption;

    @Option(
            names = "--max-replicas",
            description =
                    "Replicas the campaign may use, for the wall time. Default: the RewriterModel's replicas.max.")
    Integer maxReplicasOption;

    @Option(
            names = "--replica-load-seconds",
            description =
                    "How long a model replica takes from its pod's creation to ready (pulling, loading weights, warm-up), for the GPU-hours paid."
                            + " Without it, model load is not counted (the report says so); the operator passes what it measured.")
    Double replicaLoadSeconds;

    @Option(
            names = "--replica-load-source",
            hidden = true,
            description = "How --replica-load-seconds was found, for the report. Default: declared")
    String replicaLoadSource;

    @Option(
            names = "--worker-start-seconds",
            description =
                    "How long a worker pod takes from its creation to its first request, for the GPU-hours paid (ready replicas wait for it)."
                            + " Default: this process's own start (the same image and JVM), when it ran as its own process.")
    Double workerStartSeconds;

    @Option(
            names = "--worker-start-source",
            hidden = true,
            description = "How --worker-start-seconds was found, for the report. Default: declared")
    String workerStartSource;

    @Option(
            names = "--headroom",
            defaultValue = "" + FleetDefaults.HEADROOM,
            description =
                    "In-flight requests per batch slot the operator sizes 'auto' parallelism for (its palimpsest.jobs.headroom)."
                            + " Default: the operator's default, ${DEFAULT-VALUE}; the operator passes its own.")
    double headroom;

    @Option(
            names = "--auto-concurrency-per-worker",
            defaultValue = "" + FleetDefaults.CONCURRENCY_PER_AUTO_WORKER,
            description =
                    "What the operator assumes an 'auto' worker keeps in flight when it sizes the fleet (its"
                            + " palimpsest.jobs.defaultConcurrencyPerWorker). Default: the operator's default, ${DEFAULT-VALUE}; the operator passes its own.")
    int autoConcurrencyPerWorker;

    @Option(
            names = "--max-parallelism",
            defaultValue = "" + FleetDefaults.MAX_PARALLELISM,
            description =
                    "The operator's cap on worker pods under 'auto' parallelism (its palimpsest.jobs.maxParallelism)."
                            + " Default: the operator's default, ${DEFAULT-VALUE}; the operator passes its own.")
    int maxParallelism;

    @Option(
            names = "--campaign-shards",
            description =
                    "Shards the campaign will run, for the GPU-hours paid (one worker pod each). Default: this preview's own plan;"
                            + " the operator passes its planner's, which cuts long files for the fleet.")
    Integer campaignShards;

    @Option(names = "--min-replicas", description = "The model's replicas.min. Default: the RewriterModel's, else 0.")
    Integer minReplicasOption;

    @Option(
            names = "--scale-down-seconds",
            description =
                    "The model's autoscaling.scaleDownStabilizationSeconds. Default: the RewriterModel's, else 300.")
    Integer scaleDownSecondsOption;

    @Option(
            names = "--idle-to-zero-seconds",
            description = "The model's autoscaling.idleToZeroSeconds. Default: the RewriterModel's, else 600.")
    Integer idleToZeroSecondsOption;

    @Option(
            names = "--autoscaler-period-seconds",
            description = "The model's autoscaling.periodSeconds. Default: the RewriterModel's, else 15.")
    Integer periodSecondsOption;

    @Option(
            names = "--target-waiting-per-replica",
            description = "The model's autoscaling.targetWaitingPerReplica. Default: the RewriterModel's, else 16.")
    Integer targetWaitingOption;

    @Option(
            names = "--tokens-per-second-per-replica",
            description =
                    "Completion tokens one replica generates per second at a full batch; without it, a calibration against the endpoint measures it.")
    Double tokensPerSecondPerReplica;

    @Option(
            names = "--calibration-seconds",
            defaultValue = "10",
            description = "How long the calibration keeps a full batch in flight. Default: ${DEFAULT-VALUE}")
    int calibrationSeconds;

    @Option(
            names = "--to-output",
            description = "Also write preview.json and report.html under the job's output, in " + PREVIEW_PREFIX
                    + " (as a cluster's preview does).")
    boolean toOutput;

    @Option(
            names = "--sim-rules",
            description =
                    "Simulator response rules (scripted replies). Default: sim-rules.yaml beside the manifests, if there is one.")
    Path simRules;

    @Override
    public Integer call() throws Exception {
        if (sample != null && (sample < 1 || sample > MAX_SAMPLE)) {
            throw new InvalidJobException(
                    "--sample " + sample + " is out of range: it draws 1 to " + MAX_SAMPLE + " documents, as the"
                            + " RewriteJob's spec.preview.sample does on a cluster (without --sample, that field's"
                            + " value is drawn, else " + DEFAULT_SAMPLE + "). Nothing was written.",
                    List.of(SAMPLE));
        }
        Path outFolder = out == null
                ? null
                : LocalPaths.localFolder(
                        "--out",
                        out,
                        " (to store the preview under the job's output, as a cluster's preview does, add --to-output)");
        JobManifests.Loaded loaded = pod.load();
        measureOwnStart();
        ResolvedJob job = loaded.job();
        drawAsTheClusterWould(job.getSpec().getPreview());
        manifests = pod.jobPath();
        Path folder = outFolder != null ? outFolder : Path.of(job.getName() + "-preview");
        // before the sample's model calls and the calibration: a report nowhere to go would throw their answers away
        Optional<String> unwritable = UnwritableOutput.problem(folder);
        if (unwritable.isPresent()) {
            throw new InvalidJobException((outFolder != null ? "--out " + out : "the preview's folder " + folder) + ": "
                    + unwritable.get() + "; nothing was run. Give --out a folder this user can write");
        }
        Result result;
        // in a pod, why the preview failed is its termination message: the operator shows it in the Previewed condition
        try {
            result = run(job, loaded.model(), System.err);
        } catch (ModelUnavailableException e) {
            System.err.println("palimpsest preview: "
                    + loaded.located(e.getMessage(), e.about(), LocalCommand.overridden(null, modelOptions.endpoint)));
            pod.report(e.getMessage());
            return ExitCodes.MODEL_UNREACHABLE;
        } catch (ModelConfigException e) {
            // from manifest files, the model field to check at its line
            System.err.println("palimpsest preview: "
                    + loaded.located(e.getMessage(), e.about(), LocalCommand.overridden(null, modelOptions.endpoint)));
            pod.report(e.getMessage());
            return ExitCodes.MODEL_CONFIG;
        } catch (InvalidJobException e) {
            pod.report(e.getMessage());
            // from manifest files, the field a refusal is about at its line, as lint names it
            throw loaded.located(e, LocalCommand.overridden(null, modelOptions.endpoint));
        }
        ObjectMapper json = new ObjectMapper();
        Files.createDirectories(folder);
        write(result.data(), folder, json);
        if (toOutput) {
            try (JobRuntime runtime = new JobRuntime(job, pod.environment(), json)) {
                runtime.output()
                        .put(PREVIEW_PREFIX + "preview.json", Files.readAllBytes(folder.resolve("preview.json")));
                runtime.output().put(PREVIEW_PREFIX + "report.html", Files.readAllBytes(folder.resolve("report.html")));
                System.err.println("wrote " + runtime.output().describe(PREVIEW_PREFIX + "{preview.json,report.html}"));
            }
        }
        print(result.data(), folder, System.out);
        // the estimate alone (well under the 4 KiB a termination message holds) for whoever started this as a pod
        pod.report(json.writeValueAsString(new EstimateSummary(
                result.data().plan(),
                result.data().estimate().requests(),
                result.data().estimate().promptTokens(),
                result.data().estimate().completionTokens(),
                result.data().estimate().gpuHours(),
                result.data().estimate().wallHours(),
                result.data().estimate().cost(),
                result.data().estimate().capacitySource(),
                result.data().estimate().tokensPerSecondPerReplica())));
        return 0;
    }

    /** The pod's summary: the plan and the estimate's totals, without the per-purpose breakdown. */
    record EstimateSummary(
            PreviewData.Plan plan,
            PreviewData.Range requests,
            PreviewData.Range promptTokens,
            PreviewData.Range completionTokens,
            PreviewData.Range gpuHours,
            PreviewData.Range wallHours,
            PreviewData.Range cost,
            String capacitySource,
            Double tokensPerSecondPerReplica) {}

    /** The preview and what it cost to make. */
    record Result(PreviewData data, double seconds) {}

    /** Writes preview.json and report.html into {@code folder}. */
    static void write(PreviewData data, Path folder, ObjectMapper json) throws IOException {
        json.writer()
                .with(SerializationFeature.INDENT_OUTPUT)
                .writeValue(folder.resolve("preview.json").toFile(), data);
        new ReportRenderer(json).write(data, folder.resolve("report.html"));
    }

    /** Runs the preview of a resolved job (paths absolute) with this command's options; writes nothing. */
    Result run(ResolvedJob job, RewriterModel rewriterModel, PrintStream log) throws Exception {
        long start = System.nanoTime();
        ObjectMapper json = new ObjectMapper();
        boolean callsModel = ModelCalls.needed(job.getSpec().getRecipe());
        try (LocalCommand.LocalModel model = callsModel
                        ? LocalCommand.LocalModel.start(
                                job,
                                rewriterModel,
                                modelOptions.endpoint,
                                modelOptions.simulate,
                                simulatorRules(),
                                pod == null ? WorkerEnvironment.system() : pod.environment())
                        : LocalCommand.LocalModel.NONE;
                JobRuntime runtime = new JobRuntime(
                                job, pod == null ? WorkerEnvironment.system() : pod.environment(), json)
                        .simulated(model.simulated())
                        .simulatorMaxModelLen(model.simulatorMaxModelLen())
                        .backoff(modelOptions.backoffBase, modelOptions.backoffCap)) {
            List<Shard> shards = plan(runtime);
            long bytes = shards.stream().mapToLong(Shard::bytes).sum();
            long files = shards.stream().mapToLong(s -> s.files().size()).sum();
            Duration deadline =
                    modelOptions.requestTimeout != null ? modelOptions.requestTimeout : runtime.requestTimeout();
            long building = System.nanoTime();
            var client =
                    model.baseUrl() == null ? null : runtime.client(model.baseUrl(), deadline, modelOptions.maxOutage);
            RecipeProcessor processor;
            try {
                processor = (RecipeProcessor) runtime.processor(client);
            } catch (RecipeException e) {
                throw new InvalidJobException("recipe: " + e.getMessage());
            }
            // a worker builds the same client and processor (templates, validators, their models) before its first
            // request
            if (ownStartSeconds != null) {
                ownStartSeconds += (System.nanoTime() - building) / 1e9;
            }
            // strata: what the recipe decides before any call (skips, routes), counted on every item the sampler reads
            DocumentSampler.Sample drawn = new DocumentSampler(runtime.input().storage(), runtime.readers())
                    .draw(
                            shards,
                            sample,
                            seed,
                            item -> item instanceof Document d
                                    ? processor.stratum(d)
                                    : RecipeEngine.stratumOf(((UnusableItem) item).reason()));
            log.printf(
                    "planned %s (%s, %d bytes); drew %s from %s%s%n",
                    Plural.of(shards.size(), "shard"),
                    Plural.of(files, "file"),
                    bytes,
                    Plural.of(drawn.items().size(), "document"),
                    Plural.of(drawn.shardsRead(), "shard"),
                    drawn.strata().size() > 1 ? ", strata " + drawn.strata() : "");
            if (drawn.items().isEmpty()) {
                throw new InvalidJobException("the sampled shards hold no items: nothing to preview");
            }
            compileRecipe(runtime, drawn);
            // once the run gets to the model, as local does: a refusal that needs no model (the input, the
            // recipe's templates) is not read below a line about the model
            log.println("model: " + model.description());
            long processing = System.nanoTime();
            List<PreviewAssembler.Processed> processed = process(processor, drawn, runtime.attemptsPerShard());
            double processSeconds = (System.nanoTime() - processing) / 1e9;
            // taken before the calibration adds its own requests to the client's figures
            Double longestRequestSeconds =
                    client == null || client.stats().successes.sum() == 0
                            ? null
                            : client.stats().latencyMicros.getMaxValue() / 1e6;
            double runSeconds = (System.nanoTime() - start) / 1e9;

            PreviewAssembler assembler = new PreviewAssembler(json);
            List<PreviewData.DocumentView> views =
                    processed.stream().map(assembler::document).toList();
            boolean exact = drawn.shardsRead() == shards.size();
            long documents = exact
                    ? drawn.itemsInReadShards()
                    : Math.max(
                            drawn.itemsInReadShards(),
                            Math.round((double) bytes
                                    * drawn.itemsInReadShards()
                                    / Math.max(1, drawn.bytesOfReadShards())));
            PreviewData.Plan plan = new PreviewData.Plan(
                    shards.size(),
                    files,
                    bytes,
                    documents,
                    !exact,
                    drawn.shardsRead(),
                    drawn.itemsInReadShards(),
                    drawn.bytesOfReadShards(),
                    drawn.items().size());
            PreflightEstimator.Capacity capacity = callsModel
                    ? capacity(
                            client == null
                                    ? null
                                    : new ClientModelCall(
                                            client,
                                            runtime.model(),
                                            json,
                                            job.getSpec().getRecipe()),
                            processed,
                            job,
                            rewriterModel,
                            model,
                            log)
                    : null;
            Integer maxReplicas = maxReplicasOption != null ? maxReplicasOption : maxReplicas(rewriterModel);
            PreflightEstimator.Strata strata = new PreflightEstimator.Strata(
                    processed.stream().map(p -> p.drawn().stratum()).toList(),
                    drawn.strata(),
                    processed.stream().map(p -> p.drawn().shard()).toList(),
                    drawn.strataByShard());
            PreviewData.Estimate estimate = PreflightEstimator.estimate(
                    processed.stream().map(PreviewAssembler::cost).toList(),
                    strata,
                    documents,
                    !exact,
                    capacity,
                    gpusPerReplicaOption != null ? gpusPerReplicaOption : gpusPerReplica(rewriterModel),
                    maxReplicas,
                    maxReplicas == null
                            ? null
                            : campaign(
                                    job,
                                    rewriterModel,
                                    shards.size(),
                                    maxReplicas,
                                    client(
                                            processed,
                                            documents,
                                            processSeconds,
                                            longestRequestSeconds,
                                            capacity,
                                            maxNumSeqs(job, rewriterModel))),
                    gpuHourPrice,
                    seed);
            PreviewData data = new PreviewData(
                    PreviewData.KIND_PREVIEW,
                    job.getName(),
                    job.getRecipeHash(),
                    runtime.model(),
                    model.description(),
                    Instant.now().toString(),
                    seed,
                    plan,
                    processor.variants(),
                    PreviewAssembler.summarize(processor.variants(), views),
                    estimate,
                    views,
                    null);
            return new Result(data, runSeconds);
        }
    }

    /** The whole input's shards, as {@code plan} cuts them, written nowhere. */
    private static List<Shard> plan(JobRuntime runtime) throws IOException {
        return PlanCommand.cut(
                runtime,
                new JobPlanner(new ShardPlanner(runtime.shardingPolicy()), new ShardManifest(runtime.json)),
                null);
    }

    /**
     * The sample, seed and GPU-hour price a cluster's preview of this job would be given (the RewriteJob's
     * spec.preview, each field its CRD default when left out), for those the command line did not give.
     */
    private void drawAsTheClusterWould(RewriteJobSpec.Preview preview) {
        if (sample == null) {
            sample = preview == null || preview.getSample() == null ? DEFAULT_SAMPLE : preview.getSample();
        }
        if (seed == null) {
            seed = preview == null || preview.getSeed() == null ? 1L : preview.getSeed();
        }
        if (gpuHourPrice == null && preview != null) {
            gpuHourPrice = preview.getGpuHourPrice();
        }
    }

    /** The recipe compiled against the sampled documents before any call, as the planner does: a bad template stops here. */
    private static void compileRecipe(JobRuntime runtime, DocumentSampler.Sample drawn) {
        List<SourceDocument> documents = drawn.items().stream()
                .map(DocumentSampler.Drawn::item)
                .filter(Document.class::isInstance)
                .map(Document.class::cast)
                .map(d -> new SourceDocument(d.id(), d.text(), PlainValues.objectOf(d.metadata())))
                .toList();
        try {
            PlanCommand.warn(
                    RecipeCheck.compile(runtime.spec.getRecipe(), PlanCommand.maxModelLen(runtime), documents));
        } catch (RecipeCheck.Refused e) {
            throw e.invalidJob();
        }
    }

    /**
     * Every sampled item through the worker's processor at once (the client bounds what is in flight).
     * A document whose calls failed after every retry is tried again as the Job would, then shown as
     * the model_error reject the last attempt commits; an unreachable or refusing model ends the preview.
     */
    private static List<PreviewAssembler.Processed> process(
            RecipeProcessor processor, DocumentSampler.Sample drawn, int attempts) {
        List<CompletableFuture<PreviewAssembler.Processed>> futures = new ArrayList<>();
        for (DocumentSampler.Drawn d : drawn.items()) {
            futures.add(one(processor, d, attempts, 1));
        }
        List<PreviewAssembler.Processed> done = new ArrayList<>();
        for (CompletableFuture<PreviewAssembler.Processed> f : futures) {
            try {
                done.add(f.join());
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        }
        return done;
    }

    private static CompletableFuture<PreviewAssembler.Processed> one(
            RecipeProcessor processor, DocumentSampler.Drawn d, int attempts, int attempt) {
        if (d.item() instanceof UnusableItem u) {
            return CompletableFuture.completedFuture(
                    new PreviewAssembler.Processed(d, ProcessedDocument.rejected(u.reason(), u.detail(), 0, 0), null));
        }
        DocumentTrace trace = new DocumentTrace();
        return processor
                .process((Document) d.item(), trace)
                .toCompletableFuture()
                .thenApply(result -> {
                    trace.finish();
                    return new PreviewAssembler.Processed(d, result, trace);
                })
                .exceptionallyCompose(error -> {
                    trace.finish();
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof DocumentFailedException failed) {
                        if (attempt < attempts) {
                            return one(processor, d, attempts, attempt + 1);
                        }
                        return CompletableFuture.completedFuture(new PreviewAssembler.Processed(
                                d,
                                ProcessedDocument.rejected(
                                        ItemReason.MODEL_ERROR,
                                        failed.getMessage() + " (attempt " + attempt + " of " + attempts + ")",
                                        0,
                                        0),
                                trace));
                    }
                    return CompletableFuture.failedFuture(cause);
                });
    }

    /** Declared, or measured by replaying the sample's requests against the endpoint with a full batch in flight. */
    private PreflightEstimator.Capacity capacity(
            ClientModelCall call,
            List<PreviewAssembler.Processed> processed,
            ResolvedJob job,
            RewriterModel rewriterModel,
            LocalCommand.LocalModel model,
            PrintStream log)
            throws InterruptedException {
        if (tokensPerSecondPerReplica != null) {
            return new PreflightEstimator.Capacity(
                    PreflightEstimator.Capacity.DECLARED,
                    tokensPerSecondPerReplica,
                    "declared with --tokens-per-second-per-replica");
        }
        List<ModelRequest> requests = new ArrayList<>();
        processed.forEach(p -> {
            if (p.trace() != null) {
                // a refused call would be refused again: it is no measure of the model's pace
                p.trace().calls().stream().filter(c -> !c.refused()).forEach(c -> requests.add(c.request()));
            }
        });
        if (requests.isEmpty() || call == null) {
            return null;
        }
        int concurrency = maxNumSeqs(job, rewriterModel);
        log.printf(
                "calibrating: %d s from the first answer, %d requests in flight, against %s%n",
                calibrationSeconds, concurrency, model.description());
        Duration duration = Duration.ofSeconds(Math.max(2, calibrationSeconds));
        Calibration.Result measured = Calibration.measure(call, requests, concurrency, duration);
        return new PreflightEstimator.Capacity(
                PreflightEstimator.Capacity.CALIBRATED,
                measured.completionTokensPerSecond(),
                String.format(
                        Locale.ROOT,
                        "measured against %s: %d requests (the sample's own, replayed) finished in %.1f s after the first answer with %d in flight,"
                                + " %d completion tokens in %.0f request-seconds (x %d in flight); the endpoint counts as one replica",
                        model.description(),
                        measured.requestsCounted(),
                        measured.seconds(),
                        measured.concurrency(),
                        measured.completionTokensCounted(),
                        measured.requestSecondsCounted(),
                        measured.concurrency()));
    }

    /**
     * What the sample shows of the campaign besides its tokens: its longest request, and a worker's own
     * time per document: this process handled the sample with every document in flight at once, so its
     * processing lasted the longest request plus its own work on every document (rendering, checking, the
     * client). The longest request is as the client timed it; when it timed none, it is computed, at one
     * token per step of a full batch (capacity over max_num_seqs per second), and the report says so.
     *
     * @param longestRequestSeconds the longest request of the sample's processing as the client timed it, null when none was
     */
    static PaidReplicaTime.Client client(
            List<PreviewAssembler.Processed> processed,
            long documents,
            double processSeconds,
            Double longestRequestSeconds,
            PreflightEstimator.Capacity capacity,
            int maxNumSeqs) {
        long longest = 0;
        long chain = 0;
        Double cap = 0.0;
        double own = 0;
        int timed = 0;
        for (PreviewAssembler.Processed p : processed) {
            if (p.trace() != null) {
                for (DocumentTrace.Call c : p.trace().calls()) {
                    if (c.refused()) {
                        continue; // refused at once: it decoded nothing
                    }
                    longest = Math.max(longest, c.reply().completionTokens());
                    Integer maxTokens =
                            c.request() == null ? null : c.request().sampling().getMaxTokens();
                    cap = cap == null || maxTokens == null ? null : Math.max(cap, maxTokens);
                }
                chain = Math.max(chain, p.trace().longestChainTokens());
                Double seconds = p.trace().ownSeconds();
                if (seconds != null) {
                    own += seconds;
                    timed++;
                }
            }
        }
        if (cap != null && cap == 0) {
            cap = null; // no request at all
        }
        chain = Math.max(chain, longest);
        if (capacity == null || capacity.tokensPerSecondPerReplica() <= 0) {
            return new PaidReplicaTime.Client(documents, longest, null, null, cap, chain);
        }
        if (timed > 0) {
            // each document's own time: its time in the worker's processor less the time one of its calls was out
            return new PaidReplicaTime.Client(
                    documents,
                    longest,
                    own / processed.size(),
                    String.format(
                            Locale.ROOT,
                            "measured: this preview's %d documents spent %.1f s in all outside their model calls"
                                    + " (processed together in %.1f s)",
                            processed.size(),
                            own,
                            processSeconds),
                    cap,
                    chain);
        }
        double tail;
        String source;
        if (longestRequestSeconds != null) {
            tail = longestRequestSeconds;
            source = String.format(
                    Locale.ROOT,
                    "measured: this preview processed its %d documents in %.1f s, %.1f s of it its longest request",
                    processed.size(),
                    processSeconds,
                    tail);
        } else {
            tail = longest / (capacity.tokensPerSecondPerReplica() / Math.max(1, maxNumSeqs));
            source = String.format(
                    Locale.ROOT,
                    "this preview processed its %d documents in %.1f s (measured), less %.1f s computed for its longest"
                            + " request (%d tokens at a full batch's pace, not timed)",
                    processed.size(),
                    processSeconds,
                    tail,
                    longest);
        }
        double perDocument = Math.max(0, processSeconds - tail) / Math.max(1, processed.size());
        return new PaidReplicaTime.Client(documents, longest, perDocument, source, cap, chain);
    }

    /** How the campaign will run, for the GPU-hours it pays: the plan's shards, the job's workers, the model's scaling settings. */
    private PaidReplicaTime.Campaign campaign(
            ResolvedJob job,
            RewriterModel rewriterModel,
            int plannedShards,
            int maxReplicas,
            PaidReplicaTime.Client client) {
        int shards = campaignShards != null ? campaignShards : plannedShards;
        var workers = job.getSpec().getWorkers();
        IntOrString parallelism = workers == null ? null : workers.getParallelism();
        IntOrString concurrency = workers == null ? null : workers.getConcurrencyPerWorker();
        RewriterModelSpec spec = ModelDefaults.of(rewriterModel == null ? null : rewriterModel.getSpec());
        RewriterModelSpec.Autoscaling autoscaling = spec.getAutoscaling();
        int min = setting(minReplicasOption, spec.getReplicas().getMin());
        return new PaidReplicaTime.Campaign(
                shards,
                maxNumSeqs(job, rewriterModel),
                Math.min(min, maxReplicas),
                maxReplicas,
                setting(targetWaitingOption, autoscaling.getTargetWaitingPerReplica()),
                parallelism == null ? null : parallelism.getIntVal(),
                concurrency == null ? null : concurrency.getIntVal(),
                replicaLoadSeconds,
                replicaLoadSeconds == null ? null : replicaLoadSource != null ? replicaLoadSource : "declared",
                setting(scaleDownSecondsOption, autoscaling.getScaleDownStabilizationSeconds()),
                setting(idleToZeroSecondsOption, autoscaling.getIdleToZeroSeconds()),
                setting(periodSecondsOption, autoscaling.getPeriodSeconds()),
                workerStartSeconds != null ? workerStartSeconds : ownStartSeconds,
                workerStartSeconds != null
                        ? (workerStartSource != null ? workerStartSource : "declared")
                        : ownStartSeconds != null
                                ? "measured: this preview's own process, its JVM's start to the job loaded, plus building its client and"
                                        + " recipe processor (no worker pod measured)"
                                : null,
                new PaidReplicaTime.Fleet(headroom, autoConcurrencyPerWorker, maxParallelism),
                client,
                campaignShards != null
                        ? "the planner's, passed with --campaign-shards"
                        : "this preview's own plan, which does not cut long files for the fleet as the operator's planner does");
    }

    /**
     * Seconds from this JVM's start to the job loaded, plus building the client and the recipe's processor: a worker
     * pod's own start before its first request, the same image doing the same; null when embedded.
     */
    private Double ownStartSeconds;

    /** Whether {@code path} is the jar this class was loaded from ({@code java -jar palimpsest.jar}). */
    private static boolean isThisJar(String path) {
        try {
            var source = PalimpsestCli.class.getProtectionDomain().getCodeSource();
            return source != null
                    && path.endsWith(".jar")
                    && Path.of(source.getLocation().toURI())
                            .toAbsolutePath()
                            .normalize()
                            .equals(Path.of(path).toAbsolutePath().normalize());
        } catch (Exception e) {
            return false;
        }
    }

    private void measureOwnStart() {
        // only when this JVM was started for this command (java -jar palimpsest.jar, as in the image), not when a
        // test or a program embeds the CLI: then the JVM's age says nothing about a pod's start
        String main = System.getProperty("sun.java.command", "").split(" ", 2)[0];
        if (!main.equals(PalimpsestCli.class.getName()) && !isThisJar(main)) {
            ownStartSeconds = null;
            return;
        }
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        ownStartSeconds = Math.max(0, (System.currentTimeMillis() - jvmStart) / 1000.0);
    }

    /** The option, else the RewriterModel's setting, else the CRD's default. */
    /** The option when given, else the model's setting (its CRD default when the manifest says nothing). */
    private static int setting(Integer option, int model) {
        return option != null ? option : model;
    }

    /** A full batch of one replica: the resolved job's max_num_seqs, else the model's engine setting, else vLLM's default. */
    private static int maxNumSeqs(ResolvedJob job, RewriterModel model) {
        if (job.getModel() != null && job.getModel().getMaxNumSeqs() != null) {
            return job.getModel().getMaxNumSeqs();
        }
        return ModelDefaults.of(model == null ? null : model.getSpec())
                .getEngine()
                .getMaxNumSeqs();
    }

    static int gpusPerReplica(RewriterModel model) {
        if (model == null || model.getSpec() == null) {
            return 1;
        }
        var spec = model.getSpec();
        if (spec.getResources() != null && spec.getResources().getGpus() != null) {
            return spec.getResources().getGpus();
        }
        if (spec.getEngine() != null && spec.getEngine().getTensorParallelSize() != null) {
            return spec.getEngine().getTensorParallelSize();
        }
        return 1;
    }

    /**
     * The model's replicas.max (its CRD default, 1, when the manifest has no replicas section); null without a
     * model, or for a model behind an external endpoint that does not say: that fleet is not the operator's.
     */
    static Integer maxReplicas(RewriterModel model) {
        return model == null ? null : ModelDefaults.operatedMaxReplicas(model.getSpec());
    }

    /** The manifests' path, for the simulator rules beside them. */
    private Path manifests;

    private Path simulatorRules() {
        if (simRules != null) {
            return simRules;
        }
        Path folder = Files.isDirectory(manifests)
                ? manifests
                : manifests.toAbsolutePath().getParent();
        Path beside = folder == null ? null : folder.resolve(ManifestLinter.SIM_RULES_FILE);
        return beside != null && Files.isRegularFile(beside) ? beside : null;
    }

    /** The terminal's view: the summary per variant and the estimate, each figure with its interval. */
    static void print(PreviewData data, Path folder, PrintStream out) {
        out.printf(
                "preview of %s: %s drawn from %d of %s (seed %d)%n",
                data.job(),
                Plural.of(data.documents().size(), "document"),
                data.plan().shardsRead(),
                Plural.of(data.plan().shards(), "shard"),
                data.seed());
        for (PreviewData.VariantSummary s : data.summary()) {
            out.printf(
                    "  %-18s documents %d, accepted %d, rejected %s, skipped %s, requests %d, tokens in %d, out %d%s%n",
                    s.variant(),
                    s.documents(),
                    s.accepted(),
                    s.rejectedByReason(),
                    s.skippedByReason(),
                    s.requests(),
                    s.promptTokens(),
                    s.completionTokens(),
                    s.lengthRatio().count() > 0
                            ? String.format(
                                    Locale.ROOT,
                                    ", length ratio p50 %.2f (p10 %.2f, p90 %.2f)",
                                    s.lengthRatio().p50(),
                                    s.lengthRatio().p10(),
                                    s.lengthRatio().p90())
                            : "");
        }
        PreviewData.Estimate e = data.estimate();
        out.printf(
                "estimate for the whole input (%s%s; %.0f%% intervals):%n",
                Plural.of(e.documents(), "document"),
                e.documentsEstimated() ? ", estimated" : "",
                e.confidence() * 100);
        if (e.strata() != null) {
            out.println("  stratified by route: "
                    + String.join(
                            "; ",
                            e.strata().stream()
                                    .map(st -> String.format(
                                            Locale.ROOT,
                                            "%s %s, %d sampled",
                                            st.name(),
                                            Plural.of(st.documents(), "document"),
                                            st.sampled()))
                                    .toList()));
        }
        // one per call, as local's "N answered" counts them; failed requests and their retries are not estimated
        line(out, "requests (none failing)", e.requests(), "");
        line(out, "prompt tokens", e.promptTokens(), "");
        line(out, "completion tokens", e.completionTokens(), "");
        if (e.gpuHours() != null) {
            out.printf(
                    Locale.ROOT,
                    "  capacity: %.0f completion tokens/s per replica (%s), %d GPU(s) per replica%n",
                    e.tokensPerSecondPerReplica(),
                    e.capacitySource(),
                    e.gpusPerReplica());
            line(out, "GPU-hours", e.gpuHours(), "");
            if (e.paid() != null) {
                PreviewData.Paid p = e.paid();
                int g = e.gpusPerReplica() == null ? 1 : e.gpusPerReplica();
                out.printf(
                        Locale.ROOT,
                        "    = serving %s h, run beyond decoding %s h, loading %s h, workers starting %s h, idle after %s h"
                                + " (%d replica(s), batch %.0f%% full; the work alone at a full batch %s h)%n",
                        PaidReplicaTime.hours(p.serving().estimate() * g),
                        PaidReplicaTime.hours(p.beyondDecoding() * g),
                        PaidReplicaTime.hours(p.loading() * g),
                        PaidReplicaTime.hours(p.workersStarting() * g),
                        PaidReplicaTime.hours(p.idleAfter() * g),
                        p.replicas(),
                        p.batchFill() * 100,
                        PaidReplicaTime.hours(p.work().estimate() * g));
                p.notes().stream().filter(n -> n.startsWith("the run after")).forEach(n -> out.println("    " + n));
                if (p.loadSeconds() == null) {
                    out.println("    model load not counted: not known; declare it with --replica-load-seconds");
                }
                if (e.wallHours() != null) {
                    line(out, "wall time on " + p.replicas() + " replica(s)", e.wallHours(), " h");
                }
            } else if (e.wallHours() != null) {
                line(out, "wall time at replicas.max=" + e.maxReplicas(), e.wallHours(), " h");
            } else if (e.maxReplicas() == null) {
                out.println("    " + PreflightEstimator.FLEET_UNKNOWN);
            }
            if (e.cost() != null) {
                line(out, "cost", e.cost(), "");
            }
        } else {
            out.println("  GPU time: " + e.capacityNote());
        }
        out.println("wrote " + folder.resolve("report.html") + " and " + folder.resolve("preview.json"));
    }

    private static void line(PrintStream out, String label, PreviewData.Range r, String unit) {
        out.printf(
                Locale.ROOT,
                "  %-28s %s%s  %s%n",
                label,
                number(r.estimate()),
                unit,
                r.hasInterval() ? "[" + number(r.low()) + " - " + number(r.high()) + "]" : "[no interval]");
    }

    private static String number(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
