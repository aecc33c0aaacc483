package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.palimpsest.api.recipe.ModelCalls;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.worker.RequestDeadline;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.OutputShape;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.recipe.runtime.RecipeProcessors;
import io.palimpsest.worker.run.DocumentProcessor;
import io.palimpsest.worker.run.RunSettings;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.storage.StoreStartCheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Builds the worker's parts for one resolved job: storages, readers, the model client and the
 * processor, with the defaults the spec leaves open. Owns what it opens.
 */
final class JobRuntime implements AutoCloseable {

    static final int DEFAULT_CHECKPOINT_EVERY = 500;
    static final int AUTO_CONCURRENCY_CAP = 4096;
    static final int OUT_OF_ORDER_SLACK = 4096;

    final ResolvedJob job;
    final RewriteJobSpec spec;
    final ObjectMapper json;
    private final WorkerEnvironment environment;
    private InputRoot input;
    private Storage output;
    private ModelClient client;
    private boolean simulated;
    /** The built-in simulator's context length when the model's spec does not set one (it refuses past it). */
    private Integer simulatorMaxModelLen;

    private boolean retryRoundInput;
    private Duration backoffBase;
    private Duration backoffCap;
    private Duration storeOutage;
    /** Set for a run by hand before planning: the input's or output's store that never answers stops it at once. */
    private StoreStartCheck storeStart;

    JobRuntime(ResolvedJob job, WorkerEnvironment environment, ObjectMapper json) {
        this.job = job;
        this.spec = job.getSpec();
        this.environment = environment;
        this.json = json;
        if (spec == null || spec.getInput() == null || spec.getOutput() == null) {
            throw new IllegalArgumentException("job " + job.getName() + " needs spec.input and spec.output");
        }
    }

    InputRoot input() throws IOException {
        if (input == null) {
            input = startChecked(storageResolver("input"))
                    .openInput(spec.getInput().getUri());
        }
        return input;
    }

    Storage output() {
        if (output == null) {
            Storage opened = startChecked(storageResolver("output"))
                    .open(spec.getOutput().getUri());
            if (opened instanceof FileStorage files) {
                refuseAFile(spec.getOutput().getUri(), files.root());
            }
            output = opened;
        }
        return output;
    }

    /** A storage at another URI, opened with the output's settings (credentials, endpoint); the caller closes it. */
    Storage storageAt(String uri) {
        return storageResolver("output").open(uri);
    }

    /** A storage at {@code uri} with the input's settings (credentials, endpoint). */
    Storage inputStorageAt(String uri) {
        return storageResolver("input").open(uri);
    }

    /**
     * An output on a file system is a folder: one where a file stands (the path or a folder above it)
     * would fail at the first write, under a name of the run's own making, so it is refused first.
     */
    private static void refuseAFile(String uri, Path root) {
        Path existing = root;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new InvalidJobException(
                    ManifestField.job("spec.output.uri"),
                    "spec.output.uri " + uri + ": " + existing
                            + (existing.equals(root) ? "" : " (above " + root + ")")
                            + " is a file, and the output is a folder; remove or rename the file, or write to another output"
                            + " (spec.output.uri, or --out locally)");
        }
    }

    private StorageResolver startChecked(StorageResolver resolver) {
        return storeStart == null ? resolver : resolver.stoppingAtStart(storeStart);
    }

    /**
     * Before planning, by hand ({@code local}; {@code plan} outside a pod): the input's or the output's object store
     * that gives its first request no answer at all (a wrong port, a store not started, a host that never answers)
     * stops the run at once (exit 75) naming its endpoint, where that is set and the URI field, as a model endpoint
     * that does not answer does; an outage that begins once the store answered is waited out. In a pod the store may
     * be restarting while the pods start: the planner waits for it as for any outage. Set before the input or the
     * output is opened.
     */
    JobRuntime checkStoresAtStart() {
        if (environment.byHand() && storeStart == null && input == null && output == null) {
            storeStart = new StoreStartCheck();
        }
        return this;
    }

    private StorageResolver storageResolver(String role) {
        StorageResolver resolver = environment.storageResolver(role);
        return storeOutage == null ? resolver : resolver.withMaxOutage(storeOutage);
    }

    KeyFilter keyFilter() {
        return new KeyFilter(spec.getInput().getInclude(), spec.getInput().getExclude());
    }

    ShardingPolicy shardingPolicy() {
        RewriteJobSpec.Sharding sharding = spec.getSharding();
        return sharding == null
                ? ShardingPolicy.defaults()
                : new ShardingPolicy(sharding.getFilesPerShard(), sharding.getTargetShardBytes());
    }

    DocumentReaders readers() {
        RewriteJobSpec.Input in = spec.getInput();
        String format = in.getFormat() == null
                ? "auto"
                : switch (in.getFormat()) {
                    case parquet -> "parquet";
                    case auto -> "auto";
                    default -> "jsonl";
                };
        return new DocumentReaders(
                format,
                retryRoundInput
                        ? RecordDecoder.retryRoundInput(json)
                        : new RecordDecoder(json, new FieldMapping(in.getTextField(), in.getIdField())),
                DocumentReaders.DEFAULT_MAX_LINE_BYTES);
    }

    Compression compression() {
        return Compression.ofSetting(
                spec.getOutput().getCompression() == null
                        ? null
                        : spec.getOutput().getCompression().name());
    }

    /** Whether the recipe calls a model at all; one that only renders templates runs with no endpoint and no client. */
    boolean callsModel() {
        return ModelCalls.needed(spec.getRecipe());
    }

    String model() {
        return job.getModel() == null ? null : job.getModel().getServedModelName();
    }

    /** What weights stand behind {@link #model} (the resolved job's model identity); null when not known. */
    String modelIdentity() {
        return job.getModel() == null ? null : job.getModel().getIdentity();
    }

    int concurrencyCap() {
        IntOrString setting =
                spec.getWorkers() == null ? null : spec.getWorkers().getConcurrencyPerWorker();
        if (setting == null || setting.getIntVal() == null) {
            return AUTO_CONCURRENCY_CAP;
        }
        return setting.getIntVal();
    }

    int checkpointEvery() {
        return job.getCheckpointEvery() != null ? job.getCheckpointEvery() : DEFAULT_CHECKPOINT_EVERY;
    }

    /** The job's request deadline: resolved by the operator, else the spec's or the one derived from maxTokens. */
    Duration requestTimeout() {
        Integer seconds = job.getRequestTimeoutSeconds();
        return Duration.ofSeconds(seconds != null ? seconds : RequestDeadline.seconds(spec));
    }

    /** {@code spec.retry.attemptsPerShard}: only the last attempt commits a document whose retries ran out. */
    int attemptsPerShard() {
        RewriteJobSpec.Retry retry = spec.getRetry();
        return retry == null || retry.getAttemptsPerShard() == null
                ? RunSettings.DEFAULT_ATTEMPTS_PER_SHARD
                : retry.getAttemptsPerShard();
    }

    /** The client {@link #client} opened; null while none is. */
    /** One variable of the worker's environment, when set and not blank. */
    Optional<String> env(String name) {
        return environment.get(name);
    }

    ModelClient openedClient() {
        return client;
    }

    ModelClient client(URI endpoint, Duration requestTimeout, Duration maxOutage) {
        if (client == null) {
            int cap = concurrencyCap();
            Integer maxNumSeqs = job.getModel() == null ? null : job.getModel().getMaxNumSeqs();
            int initial = Math.min(cap, maxNumSeqs != null ? maxNumSeqs : 64);
            Optional<String> apiKeyVariable = Optional.ofNullable(
                    job.getModel() == null ? null : job.getModel().getApiKeyEnv());
            Optional<String> apiKey = apiKeyVariable.flatMap(environment::get);
            ClientSettings.Builder settings = ClientSettings.builder(endpoint)
                    .apiKey(apiKey)
                    .apiKeyVariable(apiKeyVariable)
                    .initialConcurrency(initial)
                    .concurrencyCap(cap)
                    .requestTimeout(requestTimeout)
                    .maxOutage(maxOutage)
                    .replicas(replicasOf(endpoint));
            if (backoffBase != null) {
                settings.backoffBase(backoffBase);
            }
            if (backoffCap != null) {
                settings.backoffCap(backoffCap);
            }
            client = new ModelClient(settings.build(), json);
        }
        return client;
    }

    /**
     * The address listing the model's replicas, when the worker calls the endpoint the operator
     * resolved for a model it runs; an endpoint given by hand (--endpoint, PALIMPSEST_MODEL_ENDPOINT)
     * is called as it is.
     */
    private Optional<URI> replicasOf(URI endpoint) {
        var model = job.getModel();
        if (model == null
                || model.getReplicas() == null
                || model.getEndpoint() == null
                || !URI.create(model.getEndpoint()).equals(endpoint)) {
            return Optional.empty();
        }
        return Optional.of(URI.create(model.getReplicas()));
    }

    /** The wait before retry n is uniform in [0, min(cap, base * 2^(n-1))]; null keeps the client's default. */
    JobRuntime backoff(Duration base, Duration cap) {
        this.backoffBase = base;
        this.backoffCap = cap;
        return this;
    }

    /**
     * How long requests to an object store that is down wait for it (then the attempt exits 75, as
     * for the model); null keeps the storage's default. Set before the first storage is opened.
     */
    JobRuntime storeOutage(Duration maxOutage) {
        this.storeOutage = maxOutage;
        return this;
    }

    /** The built-in simulator serves the model: receipts, provenance and the output say so. */
    /** The input is a retry round's ({@link RecordDecoder#retryRoundInput}): each document's metadata kept apart. */
    JobRuntime retryRoundInput(boolean apart) {
        this.retryRoundInput = apart;
        return this;
    }

    JobRuntime simulated(boolean served) {
        this.simulated = served;
        return this;
    }

    /** The built-in simulator's context length, which it refuses requests past; null when no simulator serves. */
    JobRuntime simulatorMaxModelLen(Integer maxModelLen) {
        this.simulatorMaxModelLen = maxModelLen;
        return this;
    }

    /**
     * The context length the model's server holds each request to: the model's {@code engine.maxModelLen} as the
     * operator resolved it into the job (the same on a cluster and in {@code local}), else the built-in simulator's;
     * null when unknown (an external endpoint that does not say, a server started with the model's own length).
     */
    Integer maxModelLen() {
        Integer resolved = job.getModel() == null ? null : job.getModel().getMaxModelLen();
        return resolved != null ? resolved : simulatorMaxModelLen;
    }

    DocumentProcessor processor(ModelClient modelClient) {
        return processor(modelClient, () -> false);
    }

    /** @param stopping true once the process was told to stop: the processor's pre-flight count waits no longer */
    DocumentProcessor processor(ModelClient modelClient, BooleanSupplier stopping) {
        boolean keepOriginal = Boolean.TRUE.equals(spec.getOutput().getKeepOriginal());
        return RecipeProcessors.create(
                spec.getRecipe(),
                modelClient,
                model(),
                job.getRecipeHash(),
                keepOriginal,
                json,
                stopping,
                maxModelLen());
    }

    RunSettings runSettings(int attempt, int checkpointEvery) throws IOException {
        String writer = environment
                        .get("HOSTNAME")
                        .map(h -> h.replaceAll("[^A-Za-z0-9-]", "") + "-")
                        .orElse("")
                + UUID.randomUUID().toString().substring(0, 8);
        Path temp = Files.createTempDirectory("palimpsest-" + writer);
        temp.toFile().deleteOnExit();
        // room for every request in flight plus a few thousand finished out of order, so one slow or hung
        // request (held back until its deadline) does not stall the shard while it waits; the texts of the items in it
        // are bounded besides by an eighth of the heap (RunSettings' windowBytes), so long documents hold fewer
        int window = checkpointEvery + concurrencyCap() + OUT_OF_ORDER_SLACK;
        return new RunSettings(
                attempt,
                writer,
                checkpointEvery,
                window,
                compression(),
                job.getName(),
                job.getUid(),
                job.getRecipeHash(),
                model(),
                temp,
                attemptsPerShard(),
                simulated,
                modelIdentity(),
                RunSettings.defaultWindowBytes(),
                outputShape());
    }

    /** How the job's spec.output shapes the committed records and files ({@link OutputShape}). */
    OutputShape outputShape() {
        return OutputShape.of(spec.getOutput());
    }

    @Override
    public void close() throws IOException {
        if (client != null) {
            client.close();
        }
        if (input != null) {
            input.storage().close();
        }
        if (output != null) {
            output.close();
        }
    }
}
