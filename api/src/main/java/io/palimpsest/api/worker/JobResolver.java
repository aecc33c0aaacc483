package io.palimpsest.api.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.common.VerbatimQuantities;
import io.palimpsest.api.lint.CrdDefaults;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;

/**
 * (RewriteJob, RewriterModel) to the job a worker runs, in one place: the operator writes its result
 * into the ConfigMap, {@code palimpsest local} runs it directly, so a manifest means the same thing
 * on a laptop and on a cluster.
 */
public final class JobResolver {
    /** Documents between checkpoints inside a shard, when the operator's settings do not say. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 500;
    /** The model's batch size when its spec does not say (vLLM's default max-num-seqs). */
    public static final int DEFAULT_MAX_NUM_SEQS = 256;
    /**
     * The worker's environment variable for the model's bearer token (from endpoint.apiKeySecretRef, or for a
     * model the operator runs from the Secret it made, {@code <model>-vllm-api-key}).
     */
    public static final String MODEL_API_KEY_ENV = "PALIMPSEST_MODEL_API_KEY";
    /** Port of a self-hosted model's Service; its name is the model's plus this suffix. */
    public static final int MODEL_SERVICE_PORT = 8000;

    public static final String MODEL_SERVICE_SUFFIX = "-vllm";
    /** Suffix of a self-hosted model's headless Service, whose DNS name answers with every ready replica. */
    public static final String MODEL_REPLICAS_SERVICE_SUFFIX = "-vllm-replicas";

    private static final ObjectMapper JSON = VerbatimQuantities.register(new ObjectMapper());

    /** What an installation may choose (the operator's palimpsest.jobs.* settings); local runs take the defaults. */
    public record Settings(int checkpointEvery, int defaultMaxNumSeqs) {
        public static Settings defaults() {
            return new Settings(DEFAULT_CHECKPOINT_EVERY, DEFAULT_MAX_NUM_SEQS);
        }
    }

    private JobResolver() {}

    /**
     * The resolved job. {@code model} may be null: a job that calls no model, or whose model is not
     * there yet, resolves without a model section.
     */
    public static ResolvedJob resolve(RewriteJob job, RewriterModel model, Settings settings) {
        if (job.getSpec() == null) {
            throw new IllegalArgumentException("RewriteJob " + name(job) + " has no spec");
        }
        // as the API server stores it, whichever way the spec arrived (the recipe hash covers the defaults)
        RewriteJobSpec spec = CrdDefaults.bundled(CrdSchema.REWRITE_JOBS).apply("spec", job.getSpec());
        ResolvedJob resolved = new ResolvedJob();
        resolved.setNamespace(
                job.getMetadata() == null ? null : job.getMetadata().getNamespace());
        resolved.setName(name(job));
        resolved.setUid(job.getMetadata() == null ? null : job.getMetadata().getUid());
        resolved.setSpec(workerView(spec));
        resolved.setModel(model == null ? null : resolveModel(model, job, settings));
        resolved.setRecipeHash(spec.getRecipe() == null ? null : RecipeHash.of(spec.getRecipe()));
        resolved.setCheckpointEvery(settings.checkpointEvery());
        resolved.setRequestTimeoutSeconds(RequestDeadline.seconds(spec));
        return resolved;
    }

    /** The recipe hash of a job's spec as the API server stores it (defaults filled in), as job.yaml and receipts carry it. */
    public static String recipeHash(RewriteJobSpec spec) {
        if (spec == null || spec.getRecipe() == null) {
            return null;
        }
        return RecipeHash.of(
                CrdDefaults.bundled(CrdSchema.REWRITE_JOBS).apply("spec", spec).getRecipe());
    }

    /**
     * What the workers call: the model's reported endpoint, else its external one, else its Service (stable while
     * scaled to zero); for a model the operator runs, also the name of its replicas, so the worker can place each
     * request on the replica with the shortest queue.
     */
    public static ResolvedJob.ResolvedModel resolveModel(RewriterModel model, RewriteJob job, Settings settings) {
        RewriterModelSpec spec = model.getSpec();
        ResolvedJob.ResolvedModel resolved = new ResolvedJob.ResolvedModel();
        String endpoint = model.getStatus() != null ? model.getStatus().getEndpoint() : null;
        if (endpoint == null) {
            endpoint = spec != null && spec.getEndpoint() != null
                    ? spec.getEndpoint().getUrl()
                    : serviceUrl(model, job);
        }
        resolved.setEndpoint(endpoint);
        if (spec == null || spec.getEndpoint() == null) {
            resolved.setReplicas(replicasUrl(model, job));
        }
        resolved.setServedModelName(servedModelName(model));
        resolved.setIdentity(modelIdentity(model));
        Integer maxNumSeqs = spec == null || spec.getEngine() == null
                ? null
                : spec.getEngine().getMaxNumSeqs();
        resolved.setMaxNumSeqs(maxNumSeqs != null ? maxNumSeqs : settings.defaultMaxNumSeqs());
        resolved.setMaxModelLen(maxModelLen(model));
        // a model the operator runs asks for the key it made (the operator gives it to the workers likewise)
        if (spec != null && (spec.getEndpoint() == null || spec.getEndpoint().getApiKeySecretRef() != null)) {
            resolved.setApiKeyEnv(MODEL_API_KEY_ENV);
        }
        return resolved;
    }

    /** The model's context length (engine.maxModelLen), null when its spec does not set it. */
    public static Integer maxModelLen(RewriterModel model) {
        RewriterModelSpec spec = model == null ? null : model.getSpec();
        return spec == null || spec.getEngine() == null
                ? null
                : spec.getEngine().getMaxModelLen();
    }

    /**
     * What weights stand behind the model's served name, as the output's {@code recipe.json} records
     * them: for a model this operator runs with vLLM, the weights its replicas serve, read from the
     * spec as the operator reads it to deploy them (its {@code WeightSource} and {@code vllm serve}
     * arguments): a hub repository at a revision ({@code vLLM weights huggingFace:org/name@abc123}:
     * {@code source.huggingFace.repo}, else {@code model}, at {@code source.huggingFace.revision}, else
     * {@code revision}), a directory of a claim ({@code vLLM weights pvc:claim:dir}: {@code
     * source.pvc.path}, else {@code model}) or an S3 prefix ({@code vLLM weights s3://bucket/prefix});
     * for an external endpoint only its served name is known ({@link #endpointIdentity}). A field the
     * deployment does not read for the weights (a {@code model} or {@code revision} that the source
     * overrides, the engine, resources, replicas) is left out, so editing it is no drift; nor is moving
     * a repository and revision between {@code model}/{@code revision} and {@code source.huggingFace}.
     * Null for a model without a spec. Outputs keep the text; it is compared as the weights it names
     * ({@link ModelIdentity#same}), so another version may word the same weights otherwise.
     */
    public static String modelIdentity(RewriterModel model) {
        RewriterModelSpec spec = model == null ? null : model.getSpec();
        if (spec == null) {
            return null;
        }
        if (spec.getEndpoint() != null) {
            return endpointIdentity(servedModelName(model));
        }
        RewriterModelSpec.ModelSource source = spec.getSource();
        if (source != null && source.getPvc() != null) {
            RewriterModelSpec.PvcSource pvc = source.getPvc();
            String path = pvc.getPath() != null ? pvc.getPath() : spec.getModel();
            String dir = path == null ? "" : path.strip().replaceAll("^/+", "");
            return "vLLM weights pvc:" + pvc.getClaimName() + (dir.isEmpty() ? "" : ":" + dir);
        }
        if (source != null && source.getS3() != null) {
            return "vLLM weights " + source.getS3().getUri();
        }
        RewriterModelSpec.HuggingFaceSource hf = source == null ? null : source.getHuggingFace();
        String repo = hf != null && hf.getRepo() != null ? hf.getRepo() : spec.getModel();
        String revision = hf != null && hf.getRevision() != null ? hf.getRevision() : spec.getRevision();
        return "vLLM weights huggingFace:" + (repo == null ? "" : repo.strip())
                + (set(revision) ? "@" + revision.strip() : "");
    }

    /**
     * The identity {@code palimpsest local --simulate} records: the built-in simulator, whatever weights
     * the RewriterModel names. Simulated and real work are kept apart by the output's {@code
     * _palimpsest/simulated.json} (a real run refuses an output that holds simulated work), not by this.
     */
    public static final String SIMULATOR_IDENTITY = "the built-in simulator (palimpsest model-sim)";

    /**
     * The identity of a model whose weights are not known here (an external endpoint): the name it
     * serves. (A server given to {@code palimpsest local --endpoint} records no identity at all.)
     */
    public static String endpointIdentity(String servedModelName) {
        return "an endpoint serving '" + servedModelName + "' (weights not known)";
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }

    public static String servedModelName(RewriterModel model) {
        String s = model.getSpec() == null ? null : model.getSpec().getServedModelName();
        return s == null || s.isBlank() ? model.getMetadata().getName() : s;
    }

    public static String serviceName(RewriterModel model) {
        return model.getMetadata().getName() + MODEL_SERVICE_SUFFIX;
    }

    /** In-cluster base URL of a self-hosted model's Service (without /v1). */
    public static String serviceUrl(RewriterModel model) {
        return serviceUrl(model, null);
    }

    private static String serviceUrl(RewriterModel model, RewriteJob job) {
        return inClusterUrl(serviceName(model), model, job);
    }

    /**
     * The headless Service over the same replicas as {@link #serviceName}: its cluster DNS name answers with one
     * address per ready replica, where the Service's answers with one address that places each connection itself.
     */
    public static String replicasServiceName(RewriterModel model) {
        return model.getMetadata().getName() + MODEL_REPLICAS_SERVICE_SUFFIX;
    }

    /** In-cluster base URL of a self-hosted model's headless Service (without /v1); namespaced as {@link #serviceUrl}. */
    public static String replicasUrl(RewriterModel model, RewriteJob job) {
        return inClusterUrl(replicasServiceName(model), model, job);
    }

    /** The model's namespace, else the job's (a manifest on disk may name neither), else default. */
    private static String inClusterUrl(String service, RewriterModel model, RewriteJob job) {
        String namespace = model.getMetadata().getNamespace();
        if (namespace == null && job != null && job.getMetadata() != null) {
            namespace = job.getMetadata().getNamespace();
        }
        return "http://" + service + "." + (namespace == null ? "default" : namespace) + ".svc:" + MODEL_SERVICE_PORT;
    }

    /**
     * The spec as workers see it. Fields only the operator acts on (parallelism, weight, suspend,
     * queue) are left out, so editing them does not rewrite job.yaml under running pods.
     */
    public static RewriteJobSpec workerView(RewriteJobSpec spec) {
        RewriteJobSpec copy = JSON.convertValue(spec, RewriteJobSpec.class);
        copy.setSuspend(null);
        copy.setQueueName(null);
        if (copy.getWorkers() != null) {
            copy.getWorkers().setParallelism(null);
            copy.getWorkers().setWeight(null);
        }
        return copy;
    }

    private static String name(RewriteJob job) {
        return job.getMetadata() == null || job.getMetadata().getName() == null
                ? "local"
                : job.getMetadata().getName();
    }
}
