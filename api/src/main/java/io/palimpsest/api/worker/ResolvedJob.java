package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * What a worker pod needs to know, resolved by the operator and mounted from a ConfigMap
 * (job.yaml): the job's spec plus what the operator looked up (the model's endpoint).
 * `palimpsest local` builds the same object from manifests on disk.
 */
@Data
@NoArgsConstructor
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResolvedJob {
    /** File name of the resolved job inside the mounted ConfigMap. */
    public static final String CONFIG_KEY = "job.yaml";

    /**
     * The RewriteJob's namespace and name. The planner records both in the output's {@code recipe.json}:
     * a job of another namespace is another campaign's, refused even with the same name, recipe and model.
     * {@code palimpsest local} takes the manifest's {@code metadata.namespace}, absent when it sets none
     * (then, as for a job.yaml without one, no namespace is recorded or compared).
     */
    private String namespace;

    private String name;
    /** The RewriteJob's uid: receipts carry it so a reused output prefix is noticed. */
    private String uid;

    private RewriteJobSpec spec;
    private ResolvedModel model;
    private String recipeHash;
    /** Documents between checkpoints inside a shard. */
    private Integer checkpointEvery;
    /** Deadline of one model request ({@link RequestDeadline#seconds}: the spec's, or derived from maxTokens). */
    private Integer requestTimeoutSeconds;

    @Data
    @NoArgsConstructor
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ResolvedModel {
        /** Base URL without /v1, e.g. http://mistral.ns.svc:8000. */
        private String endpoint;

        private String servedModelName;
        /**
         * What the served name stands for: for a model this operator runs, the weights it serves (the
         * RewriterModel's model, revision and weight source, {@link JobResolver#modelIdentity}); for an
         * external endpoint what is known of it (its served name). The output records it beside the
         * served name, so weights changed under a kept name are told as drift. Absent in the job.yaml of
         * earlier versions: then not compared.
         */
        private String identity;
        /** Environment variable holding the bearer token, when the model needs one. */
        private String apiKeyEnv;
        /** The server's batch size; sizes the worker's starting concurrency. */
        private Integer maxNumSeqs;
        /**
         * The context length the operator starts the server with (engine.maxModelLen), when the spec sets it:
         * the planner refuses a recipe whose sampling.maxTokens the server would refuse on every request.
         */
        private Integer maxModelLen;
        /**
         * Base URL whose host resolves to every ready replica of a model this operator runs (cluster DNS
         * of a headless Service, e.g. http://mistral-vllm-replicas.ns.svc:8000): the worker places each
         * request on the replica with the shortest queue. Absent for an external endpoint.
         */
        private String replicas;
    }
}
