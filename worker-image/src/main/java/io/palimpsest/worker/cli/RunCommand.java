package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.PlannedInput;
import io.palimpsest.worker.plan.RecipeMarker;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunSettings;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoreUnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code palimpsest run}: one attempt at one shard; the exit codes are {@link ExitCodes}. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Rewrite one shard and commit it exactly once. Exit 0: done; 42: the shard's data is bad; 43: the shard's"
                        + " attempts are spent (attempts.json next to the job file), not run; 75: model or object"
                        + " store unreachable, or a document's retries ran out, retry later; 78: the model refuses the job's requests (credentials, model name), or the object store refuses the job's credentials (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, an unreadable credentials Secret), or the output's volume makes no hard links, or the output was made with another recipe, model or input reading; 143: stopped by SIGTERM after committing what was answered.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    PodJobOptions pod;

    @Option(
            names = "--out",
            description = "The run's output, when it was not spec.output.uri (a path, or a URI such as"
                    + " s3://bucket/prefix/), as local --out wrote it.")
    String out;

    @Option(names = "--shard", description = "Shard index; default: $JOB_COMPLETION_INDEX (Indexed Jobs).")
    Integer shard;

    @Option(
            names = "--attempt",
            description = "Attempt number, recorded in the receipt; default: $PALIMPSEST_ATTEMPT or 0.")
    Integer attempt;

    @Option(
            names = "--endpoint",
            description =
                    "Model base URL (without /v1); default: the job's resolved endpoint or $PALIMPSEST_MODEL_ENDPOINT. "
                            + "A recipe that calls no model runs without one. Held to a RewriterModel's spec.endpoint.url"
                            + " rules: no user info, query or fragment.")
    String endpoint;

    @Option(
            names = "--checkpoint-every",
            converter = PalimpsestCli.AtLeastOne.class,
            description = "Documents per checkpoint part; default: the job's checkpointEvery or 500.")
    Integer checkpointEvery;

    @Option(
            names = "--request-timeout",
            description =
                    "Deadline of one model request (ISO-8601, e.g. PT90S)."
                            + " Default: the job's requestTimeoutSeconds, else 60 s + the recipe's largest maxTokens / 10 tokens/s.")
    Duration requestTimeout;

    @Option(
            names = "--max-outage",
            defaultValue = "PT10M",
            description =
                    "How long to wait for an unreachable model, or an object store that is down, before exiting 75."
                            + " Default: ${DEFAULT-VALUE}")
    Duration maxOutage;

    @Option(
            names = "--backoff-base",
            description = "First retry waits up to this (ISO-8601); each further one doubles it. Default: PT0.5S")
    Duration backoffBase;

    @Option(
            names = "--backoff-cap",
            description = "Longest wait between two tries of one request (ISO-8601). Default: PT30S")
    Duration backoffCap;

    @Option(
            names = "--stop-within",
            defaultValue = "PT20S",
            description =
                    "On SIGTERM: how long to wait for the requests in flight before committing and exiting 143; keep it "
                            + "under the pod's terminationGracePeriodSeconds (30 s by default). Default: ${DEFAULT-VALUE}")
    Duration stopWithin;

    @Option(
            names = "--metrics-port",
            description = "Serve Prometheus metrics on this port (0 = off); default: $PALIMPSEST_METRICS_PORT or 0.")
    Integer metricsPort;

    @Option(
            names = "--metrics-address",
            description =
                    "Address the metrics server listens on; default: $PALIMPSEST_METRICS_ADDRESS or 0.0.0.0 (every address of the pod).")
    String metricsAddress;

    /** The process environment unless a test sets another. */
    WorkerEnvironment environment;

    @Override
    public Integer call() throws Exception {
        WorkerEnvironment environment = this.environment != null ? this.environment : pod.environment();
        ObjectMapper json = new ObjectMapper();
        int shardIndex = shard != null
                ? shard
                : environment
                        .shardIndex()
                        .orElseThrow(() ->
                                new IllegalArgumentException("no shard: pass --shard or set JOB_COMPLETION_INDEX"));
        int attemptNumber = attempt != null
                ? attempt
                : environment.get("PALIMPSEST_ATTEMPT").map(Integer::parseInt).orElse(0);
        AttemptCap.Decision cap = AttemptCap.decide(pod.jobPath(), shardIndex, attemptNumber, json);
        if (cap.refusal() != null) {
            return closed(cap.refusal(), shardIndex, cap.attempt(), json);
        }
        attemptNumber = cap.attempt();
        var loaded = pod.load(out);
        try (JobRuntime runtime = new JobRuntime(loaded.job(), environment, json)
                .backoff(backoffBase, backoffCap)
                .storeOutage(maxOutage)) {
            Duration requestTimeout = this.requestTimeout != null ? this.requestTimeout : runtime.requestTimeout();
            URI modelUrl = !runtime.callsModel()
                    ? null
                    : endpoint != null
                            ? EndpointOption.checked("--endpoint", endpoint)
                            : resolvedEndpoint(runtime, environment);
            Optional<String> outside = modelUrl == null
                    ? Optional.empty()
                    : ClusterServiceEndpoint.unreachableOutside(
                            modelUrl, endpointSource(environment), environment.inCluster(), InetAddress::getAllByName);
            RunProgress progress = new RunProgress();
            int port = metricsPort != null
                    ? metricsPort
                    : environment
                            .get("PALIMPSEST_METRICS_PORT")
                            .map(Integer::parseInt)
                            .orElse(0);
            String address = metricsAddress != null
                    ? metricsAddress
                    : environment.get("PALIMPSEST_METRICS_ADDRESS").orElse("0.0.0.0");
            MetricsEndpoint metrics = port > 0
                    ? openMetrics(
                            address,
                            port,
                            progress,
                            modelUrl == null ? null : runtime.client(modelUrl, requestTimeout, maxOutage))
                    : null;
            // from here on a SIGTERM is this command's to answer: the count made before the first document
            // (tokenizer.mode: server) stops waiting, the runner starts stopped and the summary is written
            sigterm.install(stopWithin);
            ShardRunner.Report report;
            try {
                report = runShard(
                        runtime,
                        shardIndex,
                        attemptNumber,
                        modelUrl,
                        checkpointEvery != null ? checkpointEvery : runtime.checkpointEvery(),
                        requestTimeout,
                        maxOutage,
                        progress,
                        runner -> sigterm.started(runner, stopWithin),
                        sigterm::stopping,
                        outside);
                // this process's client served this shard alone: its figures are the shard's
                ModelClient client = runtime.openedClient();
                ShardLogLine.print(
                        report,
                        client == null ? new ClientStats() : client.stats(),
                        client == null ? 0 : client.concurrency().limit(),
                        sigterm.stoppedBy());
            } catch (EndpointOutOfReach e) {
                // by hand outside a cluster the name never resolves: refused once the shard is known to have work,
                // as local refuses an endpoint that does not answer, not after the whole outage window
                System.err.println("palimpsest run: " + e.getMessage());
                return ExitCodes.MODEL_UNREACHABLE;
            } catch (StoreUnavailableException e) {
                // down before the shard started (its plan, the recipe record): the same outage exit as later on
                report = storeUnreachable(shardIndex, attemptNumber, e);
            } catch (StoreRefusedException e) {
                // refused before the shard started (its plan, the recipe record): exit 78 as later on
                report = storeRefused(shardIndex, attemptNumber, e);
            } catch (OutputDriftException e) {
                // the same for every shard: exit 78 with a summary, so that the operator tells why the job stops
                report = outputDrift(shardIndex, attemptNumber, e, startedByOperator());
                System.err.println("palimpsest run: " + report.summary().getMessage());
            } finally {
                if (metrics != null) {
                    metrics.close();
                }
            }
            String summary = json.writeValueAsString(report.summary());
            System.out.println(summary);
            pod.report(fitted(report.summary(), summary, json));
            return report.exitCode();
        } finally {
            sigterm.done();
        }
    }

    /**
     * A shard the attempt ledger closed does not run, yet it may be committed: a worker killed (SIGKILL: out of memory,
     * a node lost) after it wrote the shard's receipt and before its summary leaves a failed pod that says nothing of
     * the commit, which the ledger charges, and when that was the shard's last attempt this pod is its index's next.
     * It looks for the receipt as every attempt does first and reports the shard committed (exit 0: the index
     * completes), where a refusal would fail the index of a committed shard. With no receipt, or when it cannot look
     * (the job not loadable, the store down for longer than {@code --max-outage}, as any attempt waits for it: said
     * on stderr), it refuses as before: exit 43, nothing sent to the model (no client is opened), nothing written.
     */
    private int closed(ShardSummary refusal, int shardIndex, int attempt, ObjectMapper json) throws IOException {
        ShardRunner.Report report = null;
        try {
            var loaded = pod.load(out);
            try (JobRuntime runtime = new JobRuntime(loaded.job(), pod.environment(), json).storeOutage(maxOutage)) {
                report = runShard(
                        runtime,
                        shardIndex,
                        attempt,
                        null,
                        runtime.checkpointEvery(),
                        runtime.requestTimeout(),
                        maxOutage,
                        new RunProgress(),
                        runner -> runner.onlyIfCommitted(refusal),
                        () -> false,
                        Optional.empty());
            }
        } catch (Exception e) {
            System.err.println("palimpsest run: shard " + shardIndex + " has used its attempts and its receipt could"
                    + " not be looked for (" + e.getMessage() + "): refused as not committed");
        }
        if (report == null || report.summary().getOutcome() != ShardSummary.Outcome.alreadyCommitted) {
            report = new ShardRunner.Report(refusal, ExitCodes.ATTEMPTS_EXHAUSTED);
        }
        String summary = json.writeValueAsString(report.summary());
        System.out.println(summary);
        pod.report(fitted(report.summary(), summary, json));
        return report.exitCode();
    }

    /**
     * Metrics are for watching, never a reason to lose a shard: a port that cannot be bound is reported
     * on stderr and the shard runs without them (the operator then sees this pod's progress only at its end).
     */
    private static MetricsEndpoint openMetrics(String address, int port, RunProgress progress, ModelClient client) {
        try {
            return new MetricsEndpoint(address, port, progress, client);
        } catch (IOException | RuntimeException e) {
            System.err.println("palimpsest run: metrics on " + address + ":" + port + " are off: " + e);
            return null;
        }
    }

    private final SigtermHook sigterm = new SigtermHook();

    private static ShardRunner.Report storeUnreachable(int shard, int attempt, StoreUnavailableException e) {
        return beforeTheShard(
                shard,
                attempt,
                ShardSummary.Outcome.storeUnreachable,
                ShardReason.STORE_UNREACHABLE,
                e.getMessage(),
                ExitCodes.STORE_UNREACHABLE);
    }

    private static ShardRunner.Report storeRefused(int shard, int attempt, StoreRefusedException e) {
        return beforeTheShard(
                shard,
                attempt,
                ShardSummary.Outcome.modelConfig,
                ShardReason.STORE_REFUSED,
                e.getMessage(),
                ExitCodes.MODEL_CONFIG);
    }

    /**
     * The output was made otherwise than this job would make it: outcome modelConfig, reason
     * {@code output_drift}, exit 78. In a worker the operator started, the advice names what the
     * user can do there (a new RewriteJob), not a flag of the command line.
     */
    static ShardRunner.Report outputDrift(int shard, int attempt, OutputDriftException e, boolean startedByOperator) {
        return beforeTheShard(
                shard,
                attempt,
                ShardSummary.Outcome.modelConfig,
                ShardReason.OUTPUT_DRIFT,
                startedByOperator ? e.drift() + "; " + OutputDriftException.IN_POD : e.getMessage(),
                ExitCodes.INVALID_JOB);
    }

    /** The report of an attempt that ended before its shard started: nothing read, nothing counted. */
    private static ShardRunner.Report beforeTheShard(
            int shard, int attempt, ShardSummary.Outcome outcome, ShardReason reason, String message, int exitCode) {
        ShardSummary summary = new ShardSummary();
        summary.setShard(shard);
        summary.setAttempt(attempt);
        summary.setOutcome(outcome);
        summary.setReason(reason.code());
        summary.setMessage(message);
        return new ShardRunner.Report(summary, exitCode);
    }

    private boolean startedByOperator() {
        return pod.startedByOperator();
    }

    /** @param modelUrl the model's base URL, or null when the recipe calls no model (no client is opened) */
    static ShardRunner.Report runShard(
            JobRuntime runtime,
            int shardIndex,
            int attempt,
            URI modelUrl,
            int checkpointEvery,
            Duration requestTimeout,
            Duration maxOutage,
            RunProgress progress)
            throws IOException {
        return runShard(
                runtime,
                shardIndex,
                attempt,
                modelUrl,
                checkpointEvery,
                requestTimeout,
                maxOutage,
                progress,
                runner -> {},
                () -> false,
                Optional.empty());
    }

    /**
     * @param started  told the shard's runner before it runs (the SIGTERM hook stops it)
     * @param stopping true once the process was told to stop: the processor's pre-flight count
     *                 (tokenizer.mode: server) is waited for no longer, so the runner starts, is stopped
     *                 at once and reports within the time the signal leaves
     * @param outOfReach why the model cannot be called from here ({@link ClusterServiceEndpoint}), when it cannot:
     *                 the shard is refused once it is known to have work (planned, of this recipe, no receipt)
     */
    static ShardRunner.Report runShard(
            JobRuntime runtime,
            int shardIndex,
            int attempt,
            URI modelUrl,
            int checkpointEvery,
            Duration requestTimeout,
            Duration maxOutage,
            RunProgress progress,
            Consumer<ShardRunner> started,
            BooleanSupplier stopping,
            Optional<String> outOfReach)
            throws IOException {
        ShardManifest.Planned planned;
        try {
            // this shard's line only (the plan's offset index), not the whole plan each pod
            planned = new ShardManifest(runtime.json).locate(runtime.output(), shardIndex);
        } catch (NoSuchFileException e) {
            throw new IOException(
                    "no plan at " + runtime.output().describe(ShardManifest.KEY)
                            + ": run `palimpsest plan` with this job first",
                    e);
        }
        Shard shard = planned.shard();
        // the planner refuses a changed recipe first; a run started by hand on a drifted output, or a
        // pod started after the RewriterModel's servedModelName or weights (model, revision, source) were
        // edited, must not take the old recipe's receipts as this recipe's work either (an accepted change
        // updated the record)
        RunSettings settings = runtime.runSettings(attempt, checkpointEvery);
        String drift;
        try {
            RecipeMarker marker = new RecipeMarker(runtime.json)
                    .withRecipe(runtime.spec.getRecipe())
                    .withOutput(runtime.outputShape());
            // nor a job of another namespace (another team's campaign) take that campaign's receipts as its own
            String elsewhere =
                    marker.ownedElsewhere(runtime.output(), runtime.job.getNamespace(), runtime.job.getName());
            if (elsewhere != null) {
                throw new OutputDriftException(elsewhere, "write this job's output elsewhere");
            }
            drift = marker.drift(runtime.output(), settings.recipeHash(), runtime.model(), runtime.modelIdentity());
        } catch (RecipeMarker.LaterFormatException e) {
            throw new OutputDriftException(e.finding(), "or write to a new output");
        }
        if (drift != null) {
            throw new OutputDriftException(
                    drift,
                    "write to a new output, or plan it again with `palimpsest plan --accept-recipe-change` to add"
                            + " shards made this way beside the committed ones");
        }
        // nor take shards made reading the input otherwise (another idField, textField, format, files)
        List<String> inputChanges =
                PlanCommand.inputChanges(runtime, runtime.json, PlannedInput.of(runtime.spec.getInput()));
        if (!inputChanges.isEmpty()) {
            throw new OutputDriftException(
                    PlannedInput.drift(runtime.output().describe(), inputChanges),
                    "set the field back, or write to a new output");
        }
        if (outOfReach.isPresent() && !runtime.output().exists(new ShardLayout(shardIndex, null).receiptKey())) {
            throw new EndpointOutOfReach(outOfReach.get());
        }
        var inputStorage = runtime.input().storage();
        var readers = runtime.readers();
        DuplicateIdIndex index = new DuplicateIdIndex(runtime.json);
        try (DuplicateIdIndex.ShardRepeats repeats =
                index.repeats(runtime.output(), planned.manifestSha256(), shard, settings.tempDir(), (read, ids) -> {
                    // a plan of an earlier version: the shard's ids, numbered as the planner numbers them
                    ShardInput.eachId(inputStorage, read, readers, ids);
                    return true;
                })) {
            ModelClient client = modelUrl == null ? null : runtime.client(modelUrl, requestTimeout, maxOutage);
            ShardRunner runner = new ShardRunner(
                    runtime.input().storage(),
                    runtime.output(),
                    runtime.readers(),
                    runtime.processor(client, stopping),
                    settings,
                    runtime.json,
                    progress,
                    repeats,
                    // files the planner read whole and found documents in (none for a plan of an earlier version)
                    index.waivedStarts(runtime.output(), planned.manifestSha256()));
            started.accept(runner);
            return runner.run(shard, planned.manifestSha256());
        }
    }

    /** The model endpoint cannot be called from where this runs ({@link ClusterServiceEndpoint}). */
    private static final class EndpointOutOfReach extends RuntimeException {
        EndpointOutOfReach(String why) {
            super(why);
        }
    }

    /** Where the model endpoint came from, as {@link #resolvedEndpoint} and {@code --endpoint} choose it. */
    private String endpointSource(WorkerEnvironment environment) {
        if (endpoint != null) {
            return "--endpoint";
        }
        return environment.get("PALIMPSEST_MODEL_ENDPOINT").isPresent()
                ? "PALIMPSEST_MODEL_ENDPOINT"
                : "the job's resolved endpoint";
    }

    private static URI resolvedEndpoint(JobRuntime runtime, WorkerEnvironment environment) {
        String fromJob =
                runtime.job.getModel() == null ? null : runtime.job.getModel().getEndpoint();
        Optional<String> given = environment.get("PALIMPSEST_MODEL_ENDPOINT");
        if (given.isPresent()) {
            return EndpointOption.checked("PALIMPSEST_MODEL_ENDPOINT", given.get());
        }
        return Optional.ofNullable(fromJob)
                .map(URI::create)
                .orElseThrow(() ->
                        new IllegalArgumentException("no model endpoint: the job has none resolved; pass --endpoint"));
    }

    /** The termination message holds 4 KiB: past that, the per-reason and per-variant maps go (the tally restores them from receipts). */
    static String fitted(ShardSummary summary, String text, ObjectMapper json) throws IOException {
        if (TerminationLog.fits(text)) {
            return text;
        }
        summary.setSkippedByReason(null);
        summary.setRejectedByReason(null);
        String smaller = json.writeValueAsString(summary);
        if (TerminationLog.fits(smaller)) {
            return smaller;
        }
        summary.setWrittenByVariant(null);
        return json.writeValueAsString(summary);
    }
}
