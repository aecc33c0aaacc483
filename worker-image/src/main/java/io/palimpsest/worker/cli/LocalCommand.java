package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.recipe.ModelCalls;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.PlanSummary;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelEndpointCheck;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.client.ModelUrls;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.UnfinishedInputs;
import io.palimpsest.worker.run.ReceiptTally;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.storage.ManyReads;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code palimpsest local}: a RewriteJob on this machine, exactly as a cluster would run it (plan,
 * then every shard through the same runner, receipts and all), with live progress and a summary.
 * The built-in simulator serves the model only when asked ({@code --simulate}); a model whose endpoint
 * does not answer stops the run before any work, with nothing written. Like the Job, a shard whose
 * attempt ended because a document's retries ran out is run again, up to {@code retry.attemptsPerShard}.
 */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = {
            "Run a RewriteJob manifest (with its RewriterModel) on this machine: plan, run every shard, print a summary.",
            "The summary's documents are the output's totals as tally states them (every committed shard, this"
                    + " run's and earlier runs'), plus what the attempts of shards left uncommitted read. Shards"
                    + " committed under an earlier recipe (--accept-recipe-change) count, and a line below says how"
                    + " much of the totals each earlier recipe made. Its tokens line gives the output's committed"
                    + " tokens (\"committed\"), then what this run's model requests were answered with, committed or"
                    + " not (\"this run: ... answered\"), so an interrupted or failed run still says what it cost."
        })
final class LocalCommand implements Callable<Integer> {

    @Option(
            names = {"-f", "--filename"},
            required = true,
            description = "A manifest file or a folder of manifests (RewriteJob + RewriterModel).")
    Path manifests;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = "--out",
            description =
                    "Write the output here instead of spec.output.uri (a path, or a URI such as s3://bucket/prefix/).")
    String out;

    @Option(
            names = "--parallel-shards",
            converter = PalimpsestCli.AtLeastOne.class,
            defaultValue = "4",
            description = "Shards run at once. Default: ${DEFAULT-VALUE}")
    int parallelShards;

    /** Set by {@code retry-rejects} for a round whose input keeps each document's metadata apart (RetryRounds). */
    boolean retryRoundInput;

    @Option(
            names = "--checkpoint-every",
            converter = PalimpsestCli.AtLeastOne.class,
            description = "Documents per checkpoint part (a RewriteJob has no field for it). Default: "
                    + JobResolver.DEFAULT_CHECKPOINT_EVERY + ".")
    Integer checkpointEvery;

    @Option(
            names = "--accept-recipe-change",
            description =
                    "Run even though the output was made with another recipe or model (its committed shards stay as they"
                            + " are and count in the output's totals, said apart in the summary and by tally;"
                            + " checkpoints of the other recipe or model are discarded, not resumed).")
    boolean acceptRecipeChange;

    @Option(
            names = "--accept-incomplete-input",
            description =
                    "Run even though the input holds another campaign's output whose shards are not all committed: its"
                            + " committed shards are read as they are (for a campaign known to have ended, some shards"
                            + " failed for good).")
    boolean acceptIncompleteInput;

    @Option(
            names = "--stop-within",
            defaultValue = "PT20S",
            description =
                    "On SIGTERM (or Ctrl-C, which exits 130 rather than 143): how long to wait for the requests in flight before committing what was"
                            + " answered, printing the summary and exiting 143. Default: ${DEFAULT-VALUE}")
    Duration stopWithin = Duration.ofSeconds(20);

    /** The process environment unless a test sets another. */
    WorkerEnvironment environment;

    private WorkerEnvironment environment() {
        return environment != null ? environment : WorkerEnvironment.system();
    }

    /** SIGTERM stops every shard as it stops {@code run}'s one, and no shard or attempt starts after it. */
    SigtermHook sigterm = SigtermHook.launchedOrNew("local");

    /** What a stop before the shards says ({@code retry-rejects} names its round); set before {@link #run}. */
    SigtermHook.StopBeforeShards stoppedBefore = LocalSummary::stoppedBefore;

    /** The retry round this run is ({@code retry-rejects}), named by a stopped run's last line; null for a job. */
    Integer retryRound;

    @Option(
            names = "--sim-rules",
            description =
                    "Simulator response rules (scripted replies). Default: sim-rules.yaml beside the manifests, if there is one.")
    Path simRules;

    /** The manifests read, to name the line of a model field the server refuses at its first call. */
    JobManifests.Loaded loaded;

    @Override
    public Integer call() throws Exception {
        answerStops("reading the manifests");
        try {
            loaded = new JobManifests().load(manifests);
            ResolvedJob job = loaded.job();
            try {
                LocalPaths.resolve(job, loaded.jobFile(), out);
                return run(job, loaded.model());
            } catch (InvalidJobException e) {
                // the field a refusal is about, at its line in the manifests, as lint names it
                throw loaded.located(e, overridden(out, modelOptions.endpoint));
            } catch (Exception e) {
                throw StoreRefusals.located(e, loaded, overridden(out, modelOptions.endpoint));
            }
        } finally {
            sigterm.done();
        }
    }

    /** The manifest fields the command line gave instead ({@code --out}, {@code --endpoint}): no line of them. */
    static List<ManifestField> overridden(String out, String endpoint) {
        List<ManifestField> overridden = new ArrayList<>();
        if (out != null) {
            overridden.add(ManifestField.job("spec.output.uri"));
        }
        if (endpoint != null) {
            overridden.add(ManifestField.model("spec.endpoint.url"));
        }
        return overridden;
    }

    /** Runs a resolved job (paths already absolute) with this command's model and run options. */
    int run(ResolvedJob job, RewriterModel rewriterModel) throws Exception {
        answerStops("preparing the run");
        try {
            return runJob(job, rewriterModel);
        } finally {
            sigterm.done(); // the summary is out: a SIGTERM's hook may return, and the JVM exit 143
        }
    }

    /**
     * From the command's first step on, a signal is answered: before the shards run, at once with the step it came
     * in and that this run committed nothing (the JVM's own handling would exit 130 or 143 saying nothing at all);
     * once they run, with the stopped run's summary.
     */
    private void answerStops(String doing) {
        sigterm.before(doing);
        sigterm.install(stopWithin, stoppedBefore);
    }

    private int runJob(ResolvedJob job, RewriterModel rewriterModel) throws Exception {
        ObjectMapper json = new ObjectMapper();
        modelOptions.identify(job);
        long start = System.nanoTime();
        LocalModel model;
        boolean callsModel = ModelCalls.needed(job.getSpec().getRecipe());
        if (callsModel) {
            sigterm.before(
                    modelOptions.simulate
                            ? "starting the built-in simulator"
                            : "checking that the model endpoint answers");
        }
        try {
            model = callsModel
                    ? LocalModel.start(
                            job,
                            rewriterModel,
                            modelOptions.endpoint,
                            modelOptions.simulate,
                            simulatorRules(),
                            environment())
                    : LocalModel.NONE;
        } catch (ModelUnavailableException e) {
            System.err.println("palimpsest local: "
                    + (loaded == null
                            ? e.getMessage()
                            : loaded.located(e.getMessage(), e.about(), overridden(out, modelOptions.endpoint))));
            return ExitCodes.MODEL_UNREACHABLE;
        }
        sigterm.before("planning");
        try (model;
                JobRuntime runtime = new JobRuntime(job, environment().onThisMachine(), json)
                        .simulated(model.simulated())
                        .simulatorMaxModelLen(model.simulatorMaxModelLen())
                        .retryRoundInput(retryRoundInput)
                        .backoff(modelOptions.backoffBase, modelOptions.backoffCap)
                        .storeOutage(modelOptions.maxOutage)) {
            PlanSummary plan = PlanCommand.plan(
                    runtime,
                    json,
                    acceptRecipeChange,
                    null,
                    new UnfinishedInputs.Accepting(acceptIncompleteInput, List.of()));
            System.err.printf(
                    "planned %s (%s, %d bytes) -> %s%n",
                    Plural.of(plan.getShards(), "shard"),
                    Plural.of(plan.getFiles(), "file"),
                    plan.getBytes(),
                    runtime.output().describe());
            // after the plan: a refusal that needs no model (the input, the output, the recipe) is not read below a
            // line about the model
            System.err.println("model: " + model.description());
            if (!sigterm.shardsStart()) {
                return SigtermHook.exitOf(sigterm.stoppedBy()); // the hook said where the stop came: no shard starts
            }
            RunProgress progress = new RunProgress();
            UnaryOperator<String> said = message -> placedRefusal(runtime)
                    .filter(placed -> placed.refusal().equals(message))
                    .map(placed -> REFUSAL_SAID_BELOW)
                    .orElse(message);
            List<ShardRunner.Report> reports = runAll(runtime, plan, model.baseUrl(), progress, start, said);
            LocalSummary.print(
                    reports,
                    new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(runtime.output(), runtime.job.getRecipeHash()),
                    progress,
                    runtime.openedClient() == null
                            ? null
                            : runtime.openedClient().stats(),
                    (System.nanoTime() - start) / 1e9,
                    runtime.output().describe(),
                    said);
            // the server's words, once, after the file and line of the field to fix; the shards' lines point here
            placedRefusal(runtime).ifPresent(placed -> System.err.println("palimpsest local: " + placed.line()));
            String signal = sigterm.stoppedBy();
            if (signal != null) {
                // the JVM ends with 128 + the signal's number whatever the shards did: said, with what was kept
                System.out.println(LocalSummary.interrupted(reports, signal, SigtermHook.exitOf(signal), retryRound));
            }
            return reports.stream().mapToInt(ShardRunner.Report::exitCode).max().orElse(0);
        }
    }

    /**
     * What a shard's line and the summary say in place of a job-wide refusal of the model server that is said once,
     * placed, after the summary: the same words for every shard, and the line of the manifest field to fix.
     */
    static final String REFUSAL_SAID_BELOW =
            "the model server refused the job's requests: its answer is below the summary, at the manifest line to fix";

    /** The server's refusal (its words) and the line saying them at the manifest field it is about. */
    private record PlacedRefusal(String refusal, String line) {}

    /**
     * The model server's job-wide refusal at the line of the manifest field it is about; empty when there is none,
     * or when no manifest line writes that field (the command line replaced it): the shards' lines then say it.
     */
    private Optional<PlacedRefusal> placedRefusal(JobRuntime runtime) {
        if (loaded == null || runtime.openedClient() == null) {
            return Optional.empty();
        }
        return runtime.openedClient().refusal().flatMap(refused -> {
            String at = loaded.located(refused.getMessage(), refused.about(), overridden(out, modelOptions.endpoint));
            return at.equals(refused.getMessage())
                    ? Optional.empty()
                    : Optional.of(new PlacedRefusal(refused.getMessage(), at));
        });
    }

    /** An example that needs scripted replies (JSON, edit programs, judge scores) ships them beside its manifests. */
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

    private List<ShardRunner.Report> runAll(
            JobRuntime runtime,
            PlanSummary plan,
            URI modelUrl,
            RunProgress progress,
            long start,
            UnaryOperator<String> said)
            throws Exception {
        int shards = (int) plan.getShards();
        int every = checkpointEvery != null ? checkpointEvery : runtime.checkpointEvery();
        Duration deadline =
                modelOptions.requestTimeout != null ? modelOptions.requestTimeout : runtime.requestTimeout();
        int attempts = runtime.attemptsPerShard();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelShards, Math.max(1, shards))));
        ModelClient client = modelUrl == null ? null : runtime.client(modelUrl, deadline, modelOptions.maxOutage);
        ProgressTicker ticker = new ProgressTicker(
                progress,
                client == null ? null : client.stats(),
                client == null ? () -> 0 : () -> client.concurrency().inFlight(),
                shards,
                plan.getBytes() == null ? 0 : plan.getBytes(),
                start,
                client == null ? Optional::empty : client::outage);
        try {
            List<Future<ShardRunner.Report>> futures = new ArrayList<>();
            for (int shard = 0; shard < shards; shard++) {
                int index = shard;
                futures.add(pool.submit(() -> {
                    ShardRunner.Report report = null;
                    for (int attempt = 0; attempt < attempts; attempt++) {
                        if (sigterm.stopping()) {
                            report = report != null ? report : notStarted(index, attempt, sigterm.stoppedBy());
                            break;
                        }
                        AtomicReference<ShardRunner> runner = new AtomicReference<>();
                        try {
                            report = RunCommand.runShard(
                                    runtime,
                                    index,
                                    attempt,
                                    modelUrl,
                                    every,
                                    deadline,
                                    modelOptions.maxOutage,
                                    progress,
                                    started -> {
                                        runner.set(started);
                                        sigterm.started(started, stopWithin);
                                    },
                                    sigterm::stopping,
                                    Optional.empty()); // LocalModel.start asked the endpoint before the plan
                        } finally {
                            if (runner.get() != null) {
                                sigterm.ended(runner.get());
                            }
                        }
                        // the client serves every shard at once: its requests and latencies go in the run's summary
                        ShardRunner.Report ended = report;
                        // after a signal, a shard that committed anyway shows the exit the process ends with
                        String signal = sigterm.stoppedBy();
                        ticker.above(() -> ShardLogLine.print(ended, signal, said));
                        if (!retriedByTheJob(report) || attempt == attempts - 1 || sigterm.stopping()) {
                            break;
                        }
                        int next = attempt + 2;
                        ticker.above(() -> System.err.printf(
                                "shard %d: %s; attempt %d of %d%n",
                                index, ended.summary().getMessage(), next, attempts));
                    }
                    ticker.shardDone();
                    return report;
                }));
            }
            List<ShardRunner.Report> reports = new ArrayList<>();
            for (Future<ShardRunner.Report> future : futures) {
                reports.add(future.get());
            }
            return reports;
        } finally {
            ticker.close();
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** A shard that a signal kept from starting: nothing of it was read, and it is not committed. */
    private static ShardRunner.Report notStarted(int shard, int attempt, String signal) {
        ShardSummary summary = new ShardSummary();
        summary.setShard(shard);
        summary.setAttempt(attempt);
        summary.setOutcome(ShardSummary.Outcome.error);
        summary.setReason(ShardReason.TERMINATED.code());
        summary.setMessage("not started: the run was stopped by " + signal + " first");
        ShardRunner.Report report = new ShardRunner.Report(summary, ExitCodes.TERMINATED);
        ShardLogLine.print(report, signal);
        return report;
    }

    /** What the Job would run again at once: an attempt that stopped because a document's retries ran out. */
    private static boolean retriedByTheJob(ShardRunner.Report report) {
        return ShardReason.RETRIES_EXHAUSTED.of(report.summary());
    }

    /** The model for a local run: the given endpoint, the model's own, or an in-process simulator. */
    static final class LocalModel implements AutoCloseable {
        /** A recipe that calls no model (templates rendered from the records) runs with none. */
        static final LocalModel NONE = new LocalModel(null, null);

        /**
         * Applied to the built-in simulator's settings last. The default leaves them as they are (the modelled
         * latency users see); a test whose claim is about what is committed rather than when sets zero latency,
         * and restores this afterwards.
         */
        static volatile UnaryOperator<SimConfig.Builder> simulatorTuning = UnaryOperator.identity();

        private final URI baseUrl;
        private final ModelSimServer sim;

        private LocalModel(URI baseUrl, ModelSimServer sim) {
            this.baseUrl = baseUrl;
            this.sim = sim;
        }

        /** @param given {@code --endpoint}, or null: held to spec.endpoint.url's rules (exit 78 when it breaks one) */
        static LocalModel start(
                ResolvedJob job,
                RewriterModel model,
                String given,
                boolean simulate,
                Path rules,
                WorkerEnvironment environment) {
            URI endpoint = given == null ? null : EndpointOption.checked("--endpoint", given);
            String declared = job.getModel() == null ? null : job.getModel().getEndpoint();
            if (!simulate) {
                // never a stand-in: simulator text committed as the real model's would poison the corpus
                String modelName = model == null || model.getMetadata() == null
                        ? "the RewriterModel"
                        : "RewriterModel '" + model.getMetadata().getName() + "'";
                if (endpoint == null && declared == null) {
                    throw new ModelUnavailableException(
                            modelName + " has no spec.endpoint.url this machine can call;"
                                    + " pass --endpoint <base URL> for a running server, or --simulate for the built-in simulator",
                            null);
                }
                URI target = endpoint != null ? endpoint : URI.create(declared);
                int health = healthStatus(target);
                if (health == 404 && endsInV1(target)) {
                    // an OpenAI-style base URL: every request would go to .../v1/v1/chat/completions and be refused
                    URI base = URI.create(target.toString().replaceFirst("/v1/*$", ""));
                    throw new InvalidJobException(
                            "the model endpoint " + target + " ("
                                    + (endpoint != null ? "--endpoint" : modelName + " spec.endpoint.url")
                                    + ") ends in /v1 and " + ModelUrls.at(target, "/health")
                                    + " is not found: requests would go to "
                                    + ModelUrls.at(target, "/v1/chat/completions") + "; give the base URL without /v1 ("
                                    + base + "). Nothing was written.",
                            endpoint != null ? List.of() : List.of(ManifestField.model("spec.endpoint.url")));
                }
                if (health < 0) {
                    // nothing answers, so whether the path is right cannot be known yet; but a base URL ending in
                    // /v1 would be refused once the server is up (above): say so now, not after the restart
                    String v1 = endsInV1(target)
                            ? " (it also ends in /v1: give the base URL without it, "
                                    + target.toString().replaceFirst("/v1/*$", "")
                                    + ", or every request goes to " + ModelUrls.at(target, "/v1/chat/completions")
                                    + ")"
                            : "";
                    throw new ModelUnavailableException(
                            "the model endpoint " + target + " (" + (endpoint != null ? "--endpoint" : modelName)
                                    + ") does not answer " + ModelUrls.at(target, "/health")
                                    + "; start the server, pass --endpoint <base URL>, or --simulate for the built-in"
                                    + " simulator" + v1 + ". Nothing was written.",
                            null,
                            endpoint != null ? List.of() : List.of(ManifestField.model("spec.endpoint.url")));
                }
                // /health answers 404 at a path that leads nowhere as well as at a gateway that has no /health: what
                // the API answers tells them apart, and a model name it does not serve is found here, not after the
                // plan
                Optional<String> apiKeyVariable = Optional.ofNullable(
                        job.getModel() == null ? null : job.getModel().getApiKeyEnv());
                String servedName =
                        job.getModel() == null ? null : job.getModel().getServedModelName();
                Optional<ModelEndpointCheck.Refusal> refusal = servedName == null
                        ? Optional.empty()
                        : new ModelEndpointCheck(
                                        target, servedName, apiKeyVariable.flatMap(environment::get), apiKeyVariable)
                                .check();
                if (refusal.isPresent()) {
                    throw new InvalidJobException(
                            refusal.get().message(), refusal.get().about());
                }
                return new LocalModel(target, null);
            }
            Integer maxNumSeqs = job.getModel() == null ? null : job.getModel().getMaxNumSeqs();
            String name = job.getModel() == null || job.getModel().getServedModelName() == null
                    ? "model"
                    : job.getModel().getServedModelName();
            SimConfig.Builder config = SimConfig.builder().modelName(name);
            if (maxNumSeqs != null) {
                config.maxNumSeqs(maxNumSeqs);
            }
            Integer maxModelLen =
                    model == null || model.getSpec() == null || model.getSpec().getEngine() == null
                            ? null
                            : model.getSpec().getEngine().getMaxModelLen();
            if (maxModelLen != null) {
                config.maxModelLen(maxModelLen);
            }
            if (rules != null) {
                config.rulesFile(rules);
            }
            ModelSimServer server =
                    ModelSimServer.start(simulatorTuning.apply(config).build(), "127.0.0.1", 0);
            return new LocalModel(URI.create(server.baseUrl()), server);
        }

        private static boolean endsInV1(URI endpoint) {
            String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
            return path.replaceFirst("/+$", "").endsWith("/v1");
        }

        /**
         * The status a server answers {@code /health} with before the first document (-1: none): any status below
         * 500 (an OpenAI-compatible service without that path says 404, and {@link ModelEndpointCheck} then asks its
         * API whether the path and the model's name are right). A refused connection or an unknown host is final at once; a slow answer (a busy
         * machine) or a server still loading (503) gets a few more tries before the run stops. Once the
         * run is under way, an outage waits up to {@code --max-outage}.
         */
        private static int healthStatus(URI endpoint) {
            var client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(3))
                    .build();
            var request = HttpRequest.newBuilder(ModelUrls.at(endpoint, "/health"))
                    .timeout(Duration.ofSeconds(5))
                    .GET()
                    .build();
            for (int attempt = 0; attempt < 4; attempt++) {
                try {
                    int status = client.send(request, HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    if (status < 500) {
                        return status;
                    }
                    Thread.sleep(1000);
                } catch (ConnectException e) {
                    return -1;
                } catch (IOException e) {
                    // a timeout: try again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            return -1;
        }

        URI baseUrl() {
            return baseUrl;
        }

        boolean simulated() {
            return sim != null;
        }

        /** The context length the built-in simulator refuses requests past; null when none serves. */
        Integer simulatorMaxModelLen() {
            return sim == null ? null : sim.config().maxModelLen();
        }

        String description() {
            if (baseUrl == null) {
                return "none (the recipe calls no model)";
            }
            return sim != null
                    ? "built-in simulator at " + baseUrl + " (" + sim.config().modelName()
                            + sim.config()
                                    .rulesFile()
                                    .map(r -> ", replies scripted by " + r)
                                    .orElse("") + ")"
                    : baseUrl.toString();
        }

        @Override
        public void close() {
            if (sim != null) {
                sim.close();
            }
        }
    }

    /**
     * The progress of a local run on stderr: on a terminal one line redrawn every second; otherwise
     * (a log, a CI job) a plain line every {@code plainEvery}, so the log stays readable.
     */
    static final class ProgressTicker implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        private final AtomicInteger shardsDone = new AtomicInteger();
        private final RunProgress progress;
        /** The model client's, whose tokens are counted as each answer comes; null without a model. */
        private final ClientStats stats;
        /** The model client's requests in flight now. */
        private final IntSupplier inFlight;

        private final int shards;
        private final long plannedBytes;
        private final long start;
        private final boolean terminal;
        private final PrintStream out;

        private final Supplier<Optional<Duration>> modelOutage;
        /** Carriage return, then erase to the end of the line (ANSI EL). */
        private static final String CLEAR_LINE = "\r\033[K";

        private final Object screen = new Object();
        private boolean drawn;

        ProgressTicker(
                RunProgress progress,
                ClientStats stats,
                IntSupplier inFlight,
                int shards,
                long plannedBytes,
                long start,
                Supplier<Optional<Duration>> modelOutage) {
            this(
                    progress,
                    stats,
                    inFlight,
                    shards,
                    plannedBytes,
                    start,
                    modelOutage,
                    System.console() != null,
                    System.err,
                    Duration.ofSeconds(30));
        }

        ProgressTicker(
                RunProgress progress,
                ClientStats stats,
                IntSupplier inFlight,
                int shards,
                long plannedBytes,
                long start,
                Supplier<Optional<Duration>> modelOutage,
                boolean terminal,
                PrintStream out,
                Duration plainEvery) {
            this.progress = progress;
            this.stats = stats;
            this.inFlight = inFlight;
            this.modelOutage = modelOutage;
            this.shards = shards;
            this.plannedBytes = plannedBytes;
            this.start = start;
            this.terminal = terminal;
            this.out = out;
            long every = terminal ? 1000 : plainEvery.toMillis();
            timer.scheduleAtFixedRate(this::print, every, every, TimeUnit.MILLISECONDS);
        }

        ProgressLine line() {
            long before = progress.documentsBefore();
            return new ProgressLine(
                    shardsDone.get(),
                    shards,
                    before + progress.itemsDone.get(),
                    progress.written.get(),
                    progress.rejected.get(),
                    AnsweredTokens.of(stats, progress).completion(),
                    progress.inputFraction(plannedBytes),
                    (System.nanoTime() - start) / 1e9,
                    modelOutage.get(),
                    before,
                    progress.fractionBefore(plannedBytes),
                    stats == null
                            ? null
                            : new ProgressLine.Requests(
                                    inFlight.getAsInt(), stats.attempts.sum(), stats.successes.sum()));
        }

        private void print() {
            synchronized (screen) {
                String text = line().text();
                if (terminal) {
                    out.print("\r  " + text + "   ");
                    drawn = true;
                } else {
                    out.println("progress: " + text);
                }
                out.flush();
            }
        }

        /**
         * Lines of their own (a shard's line, a retry) printed where the progress line stands: on a
         * terminal it is cleared first and drawn again at the next tick, so the two never share a line.
         */
        void above(Runnable printing) {
            synchronized (screen) {
                if (terminal && drawn) {
                    out.print(CLEAR_LINE);
                    out.flush();
                    drawn = false;
                }
                printing.run();
            }
        }

        void shardDone() {
            shardsDone.incrementAndGet();
        }

        /** On a terminal, the line as the run ends (every shard done: 100%) stays on the screen. */
        @Override
        public void close() {
            timer.shutdownNow();
            if (terminal) {
                synchronized (screen) {
                    out.print(CLEAR_LINE + "  " + line().text());
                    out.println();
                    out.flush();
                }
            }
        }
    }
}
