package io.palimpsest.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.common.SecretRef;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.endpoint) ? !has(self.source) : (has(self.model) || has(self.source))",
        message =
                "give either endpoint (an existing server, nothing is deployed) or model/source (deployed with vLLM), not both")
@ValidationRule(value = "has(self.endpoint) || has(self.model)", message = "model is required unless endpoint is set")
public class RewriterModelSpec {
    @Size(min = 1, max = 512)
    @JsonPropertyDescription(
            "Hugging Face repo id (org/name) or a path inside the weight source; passed to `vllm serve`.")
    private String model;

    @Size(max = 128)
    @JsonPropertyDescription("Revision (branch, tag or commit) of the model; pin a commit for reproducible campaigns.")
    private String revision;

    @Pattern("^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
    @JsonPropertyDescription("Model name the server answers to (--served-model-name); defaults to the resource name.")
    private String servedModelName;

    @JsonPropertyDescription("Where the weights come from; they are downloaded once into a cache volume, not per pod.")
    private ModelSource source;

    @JsonPropertyDescription("The vLLM engine: image and serving flags.")
    private Engine engine;

    @JsonPropertyDescription("Resources of each replica.")
    private ModelResources resources;

    @JsonPropertyDescription("Where the replicas may run.")
    private Scheduling scheduling;

    @JsonPropertyDescription("Replica bounds for the autoscaler.")
    private Replicas replicas;

    @JsonPropertyDescription("How the replica count follows the queue of waiting requests.")
    private Autoscaling autoscaling;

    @JsonPropertyDescription(
            "Use an existing OpenAI-compatible server instead of deploying one; only its health is tracked.")
    private ExternalEndpoint endpoint;

    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    @JsonPropertyDescription(
            "ServiceAccount of the vLLM and weight-download pods (e.g. a workload identity that may read "
                    + "the weight bucket); defaults to the operator's (chart value model.serviceAccountName), else the namespace's default.")
    private String serviceAccountName;

    @Size(max = 16)
    @JsonPropertyDescription(
            "Secrets for pulling the vLLM and download images from a private registry; when set, replaces "
                    + "the operator's list (chart value model.imagePullSecrets).")
    private List<LocalObjectReference> imagePullSecrets;

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "[has(self.huggingFace), has(self.pvc), has(self.s3)].filter(x, x).size() == 1",
            message = "exactly one of source.huggingFace, source.pvc, source.s3 must be set")
    public static class ModelSource {
        @JsonPropertyDescription("Download from the Hugging Face hub.")
        private HuggingFaceSource huggingFace;

        @JsonPropertyDescription("Weights already on a PersistentVolumeClaim.")
        private PvcSource pvc;

        @JsonPropertyDescription("Weights under an S3 prefix.")
        private S3Source s3;

        @JsonPropertyDescription("The weight cache volume, filled once by a download Job.")
        private Cache cache;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class HuggingFaceSource {
        @Required
        @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
        @JsonPropertyDescription("Repository id, e.g. mistralai/Mistral-7B-Instruct-v0.3.")
        private String repo;

        @JsonPropertyDescription("Branch, tag or commit.")
        private String revision;

        @JsonPropertyDescription("Secret key holding the hub token (HF_TOKEN) for gated models.")
        private SecretKeyRef tokenSecretRef;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PvcSource {
        @Required
        @JsonPropertyDescription("Name of the claim holding the weights.")
        private String claimName;

        @JsonPropertyDescription("Directory inside the claim.")
        private String path;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class S3Source {
        @Required
        @Pattern("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
        @JsonPropertyDescription("s3://bucket/prefix of the weights.")
        private String uri;

        @JsonPropertyDescription(
                "Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and optional AWS_ENDPOINT_URL).")
        private SecretRef credentialsSecretRef;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Cache {
        @Default("100Gi")
        @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")
        @JsonPropertyDescription("Size of the cache PVC when it is made; default 100Gi. Fixed once the claim exists: "
                + "the operator never resizes it (grow the claim itself where its class allows expansion).")
        private String size;

        @JsonPropertyDescription(
                "StorageClass of the cache PVC; ReadWriteMany classes let replicas on several nodes share it. "
                        + "Defaults to the operator's (chart value model.cache.storageClassName), else the cluster's default class.")
        private String storageClassName;

        @Size(min = 1, max = 2)
        @JsonPropertyDescription(
                "Access modes of the cache PVC: ReadWriteMany lets replicas on several nodes share one copy "
                        + "(needs a class that offers it); ReadWriteOnce works with any class but keeps the replicas on one node. "
                        + "Defaults to the operator's (chart value model.cache.accessModes). Fixed once the claim exists.")
        private List<CacheAccessMode> accessModes;
    }

    /** The PVC access modes a weight cache can use: the download Job writes it and every replica reads it. */
    public enum CacheAccessMode {
        ReadWriteOnce,
        ReadWriteMany
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Engine {
        // No schema default: the API server would store it in every model with an engine section, and
        // the operator's own default (the chart's model.defaultVllmImage, a mirror's in air-gapped
        // installs) would never apply.
        @JsonPropertyDescription("vLLM image; pin a tag or digest. Unset: the operator's default"
                + " (the chart value model.defaultVllmImage).")
        private String image;

        @Min(1)
        @Max(64)
        @Default("1")
        @JsonPropertyDescription(
                "--tensor-parallel-size, 1 to 64, default 1; also the number of GPUs per replica unless resources.gpus says otherwise.")
        private Integer tensorParallelSize;

        @Min(128)
        @JsonPropertyDescription(
                "--max-model-len: context length in tokens, at least 128; unset = what the model's config says.")
        @Max(Integer.MAX_VALUE)
        private Integer maxModelLen;

        @Min(0.05)
        @Max(0.99)
        @JsonPropertyDescription("--gpu-memory-utilization, between 0.05 and 0.99.")
        private Double gpuMemoryUtilization;

        @Min(1)
        @Max(4096)
        @Default("256")
        @JsonPropertyDescription(
                "--max-num-seqs: sequences in one batch, 1 to 4096, default 256; the autoscaler's unit of capacity.")
        private Integer maxNumSeqs;

        @Min(1)
        @JsonPropertyDescription(
                "--max-num-batched-tokens: tokens in one engine step, at least 1; unset = vLLM's own choice.")
        @Max(Integer.MAX_VALUE)
        private Integer maxNumBatchedTokens;

        @Default("true")
        @JsonPropertyDescription("--enable-prefix-caching; shared prompt prefixes are computed once. Default true.")
        private Boolean enablePrefixCaching;

        @Size(max = 64)
        @JsonPropertyDescription("Further `vllm serve` flags, appended as given.")
        private List<String> extraArgs;

        @Size(max = 64)
        @JsonPropertyDescription("Environment of the vLLM container.")
        private List<EnvVar> env;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ModelResources {
        @Min(0)
        @Max(64)
        @JsonPropertyDescription("GPUs per replica, 0 to 64; defaults to engine.tensorParallelSize.")
        private Integer gpus;

        @Default("nvidia.com/gpu")
        @JsonPropertyDescription("Extended resource name of the GPUs; default nvidia.com/gpu.")
        private String gpuResourceName;

        @Pattern("^[0-9]+(\\.[0-9]+)?m?$")
        @JsonPropertyDescription("CPU request per replica, e.g. \"8\".")
        private String cpu;

        @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
        @JsonPropertyDescription("Memory request and limit per replica, e.g. 64Gi.")
        private String memory;

        @Default("16Gi")
        @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
        @JsonPropertyDescription(
                "Size of the /dev/shm memory volume (tensor parallel workers talk through it); default 16Gi.")
        private String shmSize;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "!has(self.min) || !has(self.max) || self.min <= self.max",
            message = "replicas.min must not exceed replicas.max")
    public static class Replicas {
        @Min(0)
        @Max(1000)
        @Default("0")
        @JsonPropertyDescription("Fewest replicas, 0 to 1000, default 0; 0 lets the model scale to zero when idle.")
        private Integer min;

        @Min(1)
        @Max(1000)
        @Default("1")
        @JsonPropertyDescription("Most replicas, 1 to 1000, default 1.")
        private Integer max;
    }

    public enum AutoscalingMode {
        queue,
        keda
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Autoscaling {
        @Default("queue")
        @JsonPropertyDescription(
                "queue (the default): the operator scales on the larger of the vLLM queue it scrapes and the backlog of the bound RewriteJobs (shards left x what their workers keep in flight); keda: render a KEDA ScaledObject on the queue metric.")
        private AutoscalingMode mode;

        @Min(0)
        @Default("16")
        @JsonPropertyDescription("Waiting requests tolerated per replica on top of a full batch; default 16.")
        @Max(Integer.MAX_VALUE)
        private Integer targetWaitingPerReplica;

        @Min(0)
        @Max(3600)
        @Default("0")
        @JsonPropertyDescription("Seconds a higher recommendation must hold before scaling up, 0 to 3600; default 0.")
        private Integer scaleUpStabilizationSeconds;

        @Min(0)
        @Max(86400)
        @Default("300")
        @JsonPropertyDescription(
                "Scale down only to the highest recommendation of this many past seconds, 0 to 86400; default 300.")
        private Integer scaleDownStabilizationSeconds;

        @Min(0)
        @Default("600")
        @JsonPropertyDescription(
                "Seconds with no work before scaling to replicas.min (default 600), counted from the last work: while a suspended RewriteJob is still bound, or when other clients sent the last requests. When the bound jobs have run out of work and nothing is queued, the model goes to replicas.min after scaleDownStabilizationSeconds instead, if that is shorter.")
        @Max(Integer.MAX_VALUE)
        private Integer idleToZeroSeconds;

        @Min(1)
        @Max(3600)
        @Default("15")
        @JsonPropertyDescription("Seconds between metric scrapes, 1 to 3600; default 15.")
        private Integer periodSeconds;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ExternalEndpoint {
        @Required
        @Pattern("^https?://[^\\s/@]+(/[^\\s]*)?$")
        @ValidationRule(
                value = "!self.contains('@')",
                message = "endpoint.url must not carry credentials; use apiKeySecretRef")
        @ValidationRule(
                value = "!self.contains('?') && !self.contains('#')",
                message = "endpoint.url must not carry a query or fragment (workers call the base URL's /v1/... paths"
                        + " without them, and the URL is shown in status and logs); an API key goes in"
                        + " apiKeySecretRef")
        @JsonPropertyDescription(
                "Base URL of the OpenAI-compatible server, e.g. http://vllm.inference:8000 (without /v1, without query or fragment).")
        private String url;

        @JsonPropertyDescription("Secret key holding the API key, sent as a bearer token.")
        private SecretKeyRef apiKeySecretRef;
    }
}
