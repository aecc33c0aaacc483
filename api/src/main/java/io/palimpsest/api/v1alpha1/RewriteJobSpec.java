package io.palimpsest.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.common.SecretRef;
import io.palimpsest.api.recipe.Recipe;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = RewriteJobSpec.MODEL_REF_RULE,
        message =
                "modelRef is required: the recipe calls a model (a prompt or stage with user or completion, a judge "
                        + "validator, mode program or tokenizer.mode server); only a recipe that renders templates runs without one")
@ValidationRule(value = RewriteJobSpec.MODEL_REF_KEPT_RULE, message = RewriteJobSpec.MODEL_REF_KEPT_MESSAGE)
public class RewriteJobSpec {
    /** Storage locations the worker understands. */
    public static final String URI_PATTERN = "^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\\s?#]*)?"
            + "|pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[^\\s?#]*)?"
            + "|file://[^\\s?#]+)$";
    /**
     * {@link #URI_PATTERN} as a CEL rule, so the API server, {@code lint} and {@code local} refuse a
     * URI with words a user can act on rather than the regular expression.
     */
    public static final String URI_RULE = "self.matches('^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\\\\s?#]*)?"
            + "|pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[^\\\\s?#]*)?"
            + "|file://[^\\\\s?#]+)$')";

    public static final String URI_MESSAGE = "must be s3://bucket/prefix/ (a bucket name of 3 to 63 lower-case"
            + " letters, digits, '.' and '-'), pvc://claim/path/ (a claim name in lower case) or file:///path/,"
            + " without spaces, '?' or '#'";
    /** A {@code ..} segment would leave the claim, bucket prefix or folder (RE2 has no look-ahead, so CEL says it). */
    public static final String NO_DOT_DOT_RULE = "!self.matches('(^|/)[.][.](/|$)')";

    public static final String NO_DOT_DOT_MESSAGE = "must not contain '..' path segments";
    /** Bounds the CEL rule's cost estimate, as a real API server requires. */
    public static final int URI_MAX_LENGTH = 2048;

    /**
     * A job may leave out modelRef only when its recipe calls no model: the CEL reading of
     * {@link io.palimpsest.api.recipe.ModelCalls}, so the API server refuses the rest at apply time.
     */
    public static final String MODEL_REF_RULE = "has(self.modelRef) || !has(self.recipe) || ("
            + "(!has(self.recipe.mode) || self.recipe.mode != 'program')"
            + " && (!has(self.recipe.tokenizer) || !has(self.recipe.tokenizer.mode) || self.recipe.tokenizer.mode != 'server')"
            + " && (!has(self.recipe.stages) || self.recipe.stages.all(s, has(s.render)"
            + " && (!has(s.validators) || s.validators.all(v, v.type != 'judge'))))"
            + " && self.recipe.prompts.all(p, has(p.render) && (!has(p.validators) || p.validators.all(v, v.type != 'judge')))"
            + " && (!has(self.recipe.validators) || self.recipe.validators.all(v, v.type != 'judge')))";

    @ValidationRule(value = "self == oldSelf", message = MODEL_REF_IMMUTABLE_MESSAGE)
    @JsonPropertyDescription(
            "The RewriterModel (same namespace) that serves the rewrites. Left out only when the recipe calls no model (templates rendered from the record's fields, filters): its workers then start at once, with no model. Immutable, like the recipe: every shard of an output is made by one model.")
    private ModelRef modelRef;

    /**
     * modelRef is immutable like the recipe: the receipts and every output record name the model,
     * and an output whose shards came from two models is no one campaign's. The field rule refuses a
     * change; this one, on the spec, adding or removing it (a transition rule on a field is checked
     * only when the field is in both the old and the new object).
     */
    public static final String MODEL_REF_KEPT_RULE = "has(self.modelRef) == has(oldSelf.modelRef)";

    public static final String MODEL_REF_IMMUTABLE_MESSAGE = "modelRef is immutable once set; create a new RewriteJob";
    public static final String MODEL_REF_KEPT_MESSAGE =
            "modelRef cannot be added or removed once the job exists; create a new RewriteJob";

    @Required
    @ValidationRule(value = "self == oldSelf", message = "input is immutable once set; create a new RewriteJob")
    @JsonPropertyDescription("The corpus to rewrite. Immutable.")
    private Input input;

    @Required
    @ValidationRule(value = "self == oldSelf", message = "output is immutable once set; create a new RewriteJob")
    @JsonPropertyDescription("Where rewritten shards, rejects and receipts go. Immutable.")
    private Output output;

    @JsonPropertyDescription(
            "How the input is cut into shards (one shard = one unit of work and of commit). Files are grouped in key order; shards are numbered largest first, so the longest start first and a campaign ends on its shortest ones. Used once, by the planner: an edit after planning applies to new RewriteJobs.")
    private Sharding sharding;

    @Required
    @ValidationRule(value = "self == oldSelf", message = "recipe is immutable once set; create a new RewriteJob")
    @JsonPropertyDescription("What to do to each document. Immutable.")
    private Recipe recipe;

    @JsonPropertyDescription(
            "The worker pods. Their image, resources, scheduling, serviceAccountName and imagePullSecrets are taken when the worker Job is created (a Job's pod template cannot change; a later edit applies to new RewriteJobs and is named in the SpecApplied condition); parallelism, weight, concurrencyPerWorker and requestTimeoutSeconds apply while the job runs (the last two to pods started after the edit).")
    private Workers workers;

    @JsonPropertyDescription("Retry budget per shard and for the whole job.")
    private Retry retry;

    @Default("false")
    @JsonPropertyDescription(
            "Pause the campaign: running workers stop, committed shards stay; set back to false to resume. Default false.")
    private Boolean suspend;

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Kueue LocalQueue; set as the kueue.x-k8s.io/queue-name label on the worker Jobs.")
    private String queueName;

    @JsonPropertyDescription(
            "Before the campaign, run the recipe on a sample of the input against the model: the report goes to <output>/_palimpsest/preview/ and the estimate (requests, tokens, GPU-hours, wall time) to status.estimate. Runs while suspend is true, once, after planning; set suspend to false to start the campaign on the same plan.")
    private Preview preview;

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ModelRef {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @JsonPropertyDescription("Name of the RewriterModel.")
        private String name;
    }

    public enum InputFormat {
        auto,
        jsonl,
        @JsonProperty("jsonl.gz")
        jsonl_gz,
        @JsonProperty("jsonl.zst")
        jsonl_zst,
        parquet
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "(has(self.idField) ? self.idField : 'id') != (has(self.textField) ? self.textField : 'text')",
            message = "idField and textField must name different fields: the id is taken out of each record before"
                    + " its text is read, so every document would be rejected as missing its text")
    public static class Input {
        @Required
        @ValidationRule(value = URI_RULE, message = URI_MESSAGE)
        @Size(max = URI_MAX_LENGTH)
        @ValidationRule(value = NO_DOT_DOT_RULE, message = NO_DOT_DOT_MESSAGE)
        @JsonPropertyDescription(
                "s3://bucket/prefix, pvc://claim/path or file:///path; a prefix or a single file. In palimpsest local, a relative file:// path is read from the manifest's folder.")
        private String uri;

        @Default("auto")
        @JsonPropertyDescription("auto (by extension; the default), jsonl, jsonl.gz, jsonl.zst or parquet.")
        private InputFormat format;

        @Default("text")
        @Size(min = 1, max = 256)
        @JsonPropertyDescription("Field holding the document text; default \"text\".")
        private String textField;

        @Default("id")
        @Size(min = 1, max = 256)
        @JsonPropertyDescription("Field holding the document id (default \"id\"); missing ids become file:line.")
        private String idField;

        @Size(max = 64)
        @JsonPropertyDescription(
                "Glob patterns of files to take, relative to uri (e.g. **/*.jsonl.zst). A pattern without / matches the"
                        + " file name in any folder; one with / matches the whole path, where **/ stands for zero or more"
                        + " folders. Names starting with _ or . are never input. None, or an empty list, takes every"
                        + " file.")
        private List<String> include;

        @Size(max = 64)
        @JsonPropertyDescription("Glob patterns of files to leave out, matched like include.")
        private List<String> exclude;

        @JsonPropertyDescription("Secret with storage credentials (for s3://).")
        private SecretRef credentialsSecretRef;

        @Min(1)
        @JsonPropertyDescription(
                "Read at most this many documents in all, at least 1 (for trials); unset = the whole input.")
        private Long limit;
    }

    public enum Compression {
        zstd,
        gzip,
        none
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Output {
        @Required
        @ValidationRule(value = URI_RULE, message = URI_MESSAGE)
        @Size(max = URI_MAX_LENGTH)
        @ValidationRule(value = NO_DOT_DOT_RULE, message = NO_DOT_DOT_MESSAGE)
        @JsonPropertyDescription(
                "s3://bucket/prefix, pvc://claim/path or file:///path. In palimpsest local, a relative file:// path is under the current directory.")
        private String uri;

        @Default("zstd")
        @JsonPropertyDescription("zstd (the default), gzip or none.")
        private Compression compression;

        @Default("false")
        @JsonPropertyDescription("Also write the source text into each output record (field `source`); default false.")
        private Boolean keepOriginal;

        @JsonPropertyDescription("Secret with storage credentials (for s3://).")
        private SecretRef credentialsSecretRef;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "!(has(self.filesPerShard) && has(self.targetShardBytes))",
            message = "set at most one of sharding.filesPerShard and sharding.targetShardBytes")
    public static class Sharding {
        @Min(1)
        @JsonPropertyDescription("Whole input files per shard, at least 1.")
        @Max(Integer.MAX_VALUE)
        private Integer filesPerShard;

        @Min(1024)
        @JsonPropertyDescription(
                "Bytes of input per shard, at least 1024 (default 256 MiB): whole files are packed up to this size; a larger file is a shard of its own.")
        private Long targetShardBytes;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Workers {
        @ValidationRule(
                value = "type(self) == int ? self >= 1 && self <= 2147483647 : self == 'auto'",
                message = "workers.parallelism must be 'auto' or a number from 1 to 2147483647")
        @JsonPropertyDescription(
                "Worker pods at once: 'auto' (the default) follows the model's capacity, or a number, at least 1.")
        private IntOrString parallelism;

        @ValidationRule(
                value = "type(self) == int ? self >= 1 && self <= 4096 : self == 'auto'",
                message = "workers.concurrencyPerWorker must be 'auto' or a number from 1 to 4096")
        @JsonPropertyDescription(
                "Requests in flight per worker: 'auto' (the default) adapts to the server, or a fixed cap from 1 to 4096.")
        private IntOrString concurrencyPerWorker;

        @Min(1)
        @Max(1000)
        @Default("1")
        @JsonPropertyDescription(
                "Share of a model used by several jobs, relative to the other jobs' weights: 1 to 1000, default 1.")
        private Integer weight;

        @Min(1)
        @Max(86400)
        @JsonPropertyDescription(
                "Deadline of one model request, in seconds, 1 to 86400. Default: 60 + the recipe's largest maxTokens / 10"
                        + " (4096 when unset), enough for a long generation on a loaded server.")
        private Integer requestTimeoutSeconds;

        @JsonPropertyDescription("Worker image; defaults to the operator's configured image.")
        private String image;

        @JsonPropertyDescription("Worker container resources.")
        private ResourceRequirements resources;

        @JsonPropertyDescription("Where the worker pods may run.")
        private Scheduling scheduling;

        @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
        @JsonPropertyDescription(
                "ServiceAccount of the planner, worker and tally pods (e.g. a workload identity that may "
                        + "read the input and write the output bucket); defaults to the operator's (chart value "
                        + "worker.serviceAccountName), else the namespace's default.")
        private String serviceAccountName;

        @Size(max = 16)
        @JsonPropertyDescription("Secrets for pulling the worker image from a private registry; when set, replaces the "
                + "operator's list (chart value worker.imagePullSecrets).")
        private List<LocalObjectReference> imagePullSecrets;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Retry {
        @Min(1)
        @Max(100)
        @Default("3")
        @JsonPropertyDescription(
                "Attempts per shard (backoffLimitPerIndex + 1), 1 to 100, default 3; preemptions do not count. Taken when the worker Job is created (its backoffLimitPerIndex cannot change): a later edit applies to new RewriteJobs and is named in the SpecApplied condition.")
        private Integer attemptsPerShard;

        @Min(0)
        @JsonPropertyDescription(
                "The job fails once more shards than this have failed; unset = no limit. It is for shards of bad data: a job none of whose shards committed, or with a shard failed for good because the model or the object store could not be reached, fails whatever this allows. An edit reaches the running worker Job (its maxFailedIndexes).")
        @Max(Integer.MAX_VALUE)
        private Integer maxFailedShards;
    }

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Preview {
        @Min(1)
        @Max(100000)
        @Default("200")
        @JsonPropertyDescription("Documents to draw, spread over the shards: 1 to 100000, default 200.")
        private Integer sample;

        @Default("1")
        @JsonPropertyDescription("The same seed over the same input draws the same documents; default 1.")
        private Long seed;

        @Min(0)
        @JsonPropertyDescription(
                "Price of one GPU-hour, 0 or more, in the currency status.estimate.cost is then given in; without it there is no cost.")
        private Double gpuHourPrice;
    }
}
