package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ModelIdentity;
import io.palimpsest.api.worker.RecipeHash;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How an output is made, kept at {@code <output>/_palimpsest/recipe.json} by the planner: the recipe
 * hash, the model (the name sent in requests, which receipts and every record's provenance name) and
 * the model's identity ({@code modelIdentity}: the weights behind that name, {@link
 * io.palimpsest.api.worker.JobResolver#modelIdentity}). A run whose recipe hash, model or model identity
 * differs from it (or, for outputs planned before the marker held them, from a committed receipt's)
 * stops and names both: committed shards would count as done while the rest were made by another
 * recipe, model or weights. The user picks a new output, or accepts the mix explicitly ({@code
 * --accept-recipe-change}), which records the new recipe, model and identity.
 *
 * <p>{@code modelIdentity} is an optional field of format 1: a marker without it (written before the
 * field, or by a recipe that calls no model) is not compared and passes, and the next plan that knows
 * the identity adds it. It is kept as the text its writer gave and compared as the weights it names
 * ({@link #sameIdentity}); a job whose identity is worded otherwise but names the same weights leaves
 * the recorded text as it is. A reader of an earlier version ignores the field and misreads nothing of the
 * output, so the format stays 1 and a rollback keeps running the output (only without the identity
 * check).
 *
 * <p>{@code job} and {@code namespace} name the job that planned the output: the RewriteJob's name and
 * namespace (job.yaml's {@code name} and {@code namespace}). {@code namespace} is an optional field of
 * format 1 like {@code modelIdentity}: absent in markers written before it and for a job that has
 * none ({@code local} and {@code retry-rejects} with a manifest whose {@code metadata.namespace} is
 * not set, a job.yaml of an operator that did not write it). An unknown namespace, on either side, is
 * not compared; a job whose namespace differs from the recorded one is another campaign ({@link
 * #ownedElsewhere}), whatever its name, recipe and model. A marker without the field gets it from
 * the next plan that knows it.
 *
 * <p>{@code recipe} is the recipe itself, as it is hashed ({@link RecipeHash#canonicalJson}), another optional
 * field of format 1: with it a job whose recipe hash differs is told which fields changed ({@link
 * RecipeChanges}: {@code spec.recipe.prompts[1].user}, {@code spec.recipe.chunking.maxTokens 512 -> 1024}), and
 * a run from manifest files puts the line of the first before the refusal. It is left out for a recipe longer
 * than {@link #RECIPE_MAX_BYTES} (every worker reads the marker) and for a marker of an earlier version; such an
 * output's refusal names the two hashes, at the line of {@code spec.recipe}. A matching marker without it, or
 * with the recipe as another version wrote it, gets this job's from the next plan.
 *
 * <p>{@code output} is how the job's {@code spec.output} shapes the committed records and files ({@link OutputShape}:
 * {@code keepOriginal}, {@code compression}), known once {@link #withOutput} gave it; another optional field of format
 * 1. A job that shapes them otherwise is refused as another recipe is ({@code output drift}, at the line of the field),
 * and accepted the same way: the part markers record it too, so parts made the other way are not resumed. A marker
 * without it (an earlier version's) is not compared and gets this job's from the next plan.
 */
public final class RecipeMarker {

    public static final String KEY = "_palimpsest/recipe.json";
    /**
     * The version of the output's bookkeeping (this marker, the plan, part markers, receipts, retry
     * rounds under {@code _palimpsest/}), recorded here as {@code format}. Raise it with any change a
     * reader of the version before would misread: that reader then refuses the output, naming both
     * versions, instead of resuming or counting what it cannot read. A marker without the field is
     * format 1.
     */
    public static final int OUTPUT_FORMAT = 1;

    static final String RECEIPTS = "_palimpsest/receipts/"; // ShardLayout.receiptsFolder(): plan may not depend on run

    /** Longest recipe the marker keeps, as canonical JSON; a longer one is recorded by its hash only. */
    static final int RECIPE_MAX_BYTES = 256 * 1024;

    /**
     * The output was written in a later {@link #OUTPUT_FORMAT} than this version reads. No flag
     * accepts it: the same for every shard and attempt.
     */
    public static final class LaterFormatException extends InvalidJobException {
        private final String finding;

        LaterFormatException(String finding) {
            super(finding + ", or write to a new output");
            this.finding = finding;
        }

        /** What was found, with the image to run instead (the message adds the other way out). */
        public String finding() {
            return finding;
        }
    }

    /**
     * What the output is made with; any may be null (not recorded, or a recipe that calls no model).
     * {@code modelIdentity} only ever comes from the marker (receipts do not carry it).
     */
    public record Recorded(String recipeHash, String model, String modelIdentity) {
        public Recorded(String recipeHash, String model) {
            this(recipeHash, model, null);
        }
    }

    /** How the job differs from the output, in words, and the manifest fields that say it, first the likeliest. */
    private record Finding(String words, List<ManifestField> about) {}

    /**
     * An output made otherwise than this job would make it: how it differs, and what to do, which differs between a
     * run by hand (a flag of the command line may accept it) and the operator's pod, where no flag is the user's to
     * pass ({@link #drift()} is the words without that advice).
     */
    public static final class DriftRefusal extends InvalidJobException {
        private final String drift;

        /**
         * @param drift  how the output differs, without advice
         * @param advice what to do, joined to {@code drift} after {@code joint}
         */
        public DriftRefusal(String drift, String joint, String advice, List<ManifestField> about) {
            super(drift + joint + advice, about);
            this.drift = drift;
        }

        /** How the output differs from what this job would make, without the advice. */
        public String drift() {
            return drift;
        }
    }

    private final ObjectMapper json;

    /** This job's recipe as it is hashed; null when not known (nothing recorded, no field named). */
    private final JsonNode recipe;

    /** This job's settings of {@code spec.output} that shape the records and files; null when not known. */
    private final OutputShape shape;

    public RecipeMarker(ObjectMapper json) {
        this(json, null, null);
    }

    private RecipeMarker(ObjectMapper json, JsonNode recipe, OutputShape shape) {
        this.json = json;
        this.recipe = recipe;
        this.shape = shape;
    }

    /**
     * This marker, knowing the job's recipe: it records it, and names the fields where it differs from the
     * recorded one.
     */
    public RecipeMarker withRecipe(Recipe jobRecipe) throws IOException {
        return new RecipeMarker(
                json, jobRecipe == null ? null : json.readTree(RecipeHash.canonicalJson(jobRecipe)), shape);
    }

    /**
     * This marker, knowing how the job shapes its output ({@link OutputShape}): it records it, and refuses an output
     * whose marker records it otherwise, as it refuses another recipe.
     */
    public RecipeMarker withOutput(OutputShape jobOutput) {
        return new RecipeMarker(json, recipe, jobOutput);
    }

    /** Refuses a recipe other than the output's, unless accepted; reads only, so a refusal writes nothing. */
    public void check(Storage output, String recipeHash, boolean acceptChange) throws IOException {
        check(output, recipeHash, null, acceptChange);
    }

    /**
     * Refuses a recipe or a model other than the output's, unless accepted; reads only, so a refusal
     * writes nothing. A null {@code model} (a recipe that calls none) is not compared.
     */
    public void check(Storage output, String recipeHash, String model, boolean acceptChange) throws IOException {
        check(output, recipeHash, model, null, acceptChange);
    }

    /**
     * Refuses a recipe, model or model identity other than the output's, unless accepted; reads only.
     * A null {@code modelIdentity}, or a marker that records none, is not compared.
     */
    public void check(Storage output, String recipeHash, String model, String modelIdentity, boolean acceptChange)
            throws IOException {
        Finding drift = find(output, recipeHash, model, modelIdentity);
        if (drift != null && !acceptChange) {
            long committed = output.list(RECEIPTS).stream()
                    .filter(o -> o.key().endsWith(".json"))
                    .count();
            throw new DriftRefusal(
                    drift.words(),
                    "; ",
                    "write to a new output, or pass --accept-recipe-change"
                            + (committed > 0
                                    ? " to add shards made this way beside the " + committed
                                            + " committed one(s), which stay as they are"
                                    : " to run it there: no shard is committed yet, and checkpoint parts made the"
                                            + " other way are discarded, not resumed"),
                    drift.about());
        }
    }

    /**
     * Refuses any recipe or model other than the output's, with no way to accept it (a retry round
     * adds to the campaign in place: it must be made as the campaign was).
     */
    public void checkStrict(Storage output, String recipeHash, String model, String modelIdentity, String howToProceed)
            throws IOException {
        Finding drift = find(output, recipeHash, model, modelIdentity);
        if (drift != null) {
            throw new InvalidJobException(drift.words() + "; " + howToProceed, drift.about());
        }
    }

    /** How the job differs from what the output was made with, or null when it does not. */
    public String drift(Storage output, String recipeHash, String model) throws IOException {
        return drift(output, recipeHash, model, null);
    }

    /**
     * How the job differs from what the output was made with, or null when it does not. The model's
     * identity is compared when both the job and the marker know it: a marker without it (an earlier
     * version's) passes.
     */
    public String drift(Storage output, String recipeHash, String model, String modelIdentity) throws IOException {
        Finding finding = find(output, recipeHash, model, modelIdentity);
        return finding == null ? null : finding.words();
    }

    private Finding find(Storage output, String recipeHash, String model, String modelIdentity) throws IOException {
        Recorded recorded = recorded(output).orElse(null);
        if (recorded == null) {
            return null;
        }
        if (recipeHash != null
                && recorded.recipeHash() != null
                && !recorded.recipeHash().equals(recipeHash)) {
            List<RecipeChanges.Change> changes = changedFields(output, recorded.recipeHash());
            List<ManifestField> about = new ArrayList<>();
            changes.forEach(c -> about.add(ManifestField.job(c.path())));
            about.add(ManifestField.job(RecipeChanges.RECIPE));
            return new Finding(
                    "recipe drift: " + output.describe() + " was made with recipe " + recorded.recipeHash()
                            + ", this job's recipe is " + recipeHash
                            + (changes.isEmpty() ? "" : " (" + RecipeChanges.said(changes) + ")"),
                    about);
        }
        if (model != null && recorded.model() != null && !recorded.model().equals(model)) {
            return new Finding(
                    "model drift: " + output.describe() + " was made with model '" + recorded.model()
                            + "', this job's model is '" + model + "' (the model name sent in requests)",
                    // the name sent is the RewriterModel's servedModelName, else its own name
                    List.of(ManifestField.model("spec.servedModelName"), ManifestField.model("metadata.name")));
        }
        if (!sameIdentity(recorded.modelIdentity(), modelIdentity)) {
            return new Finding(
                    "model drift: " + output.describe() + " was made with model '" + recorded.model() + "' as ["
                            + recorded.modelIdentity() + "], this job's model '" + model + "' is [" + modelIdentity
                            + "] (the same name sent in requests, other weights)",
                    List.of());
        }
        List<OutputShape.Change> outputChanges = shapeChanges(output);
        if (!outputChanges.isEmpty()) {
            OutputShape.Change first = outputChanges.get(0);
            return new Finding(
                    "output drift: " + output.describe() + " was made with " + first.path() + " " + first.recorded()
                            + ", this job's is " + first.job()
                            + (outputChanges.size() > 1 ? " (changed: " + OutputShape.said(outputChanges) + ")" : "")
                            + " (a shard is committed one way throughout: checkpoint parts made the other way are"
                            + " discarded, not resumed)",
                    OutputShape.fieldsOf(outputChanges));
        }
        return null;
    }

    /**
     * How this job's {@link OutputShape} differs from the one the marker records; empty when either is not known (a
     * marker of an earlier version records none: it is taken as this job's, see {@link OutputShape}).
     */
    private List<OutputShape.Change> shapeChanges(Storage output) throws IOException {
        if (shape == null || !output.exists(KEY)) {
            return List.of();
        }
        OutputShape recorded = OutputShape.in(readable(output, output.readAll(KEY)));
        return recorded == null ? List.of() : recorded.changesTo(shape);
    }

    /**
     * The fields of this job's recipe that differ from the one the marker keeps for {@code recordedHash}; empty
     * when either is not known (a marker of an earlier version, a recipe too long to keep, the hash taken from a
     * receipt) or they read the same (hashed otherwise by another version).
     */
    private List<RecipeChanges.Change> changedFields(Storage output, String recordedHash) throws IOException {
        if (recipe == null || !output.exists(KEY)) {
            return List.of();
        }
        JsonNode node = readable(output, output.readAll(KEY));
        JsonNode kept = node == null ? null : node.get("recipe");
        if (kept == null || !kept.isObject() || !recordedHash.equals(text(node, "recipeHash"))) {
            return List.of();
        }
        return RecipeChanges.between(kept, recipe);
    }

    /** Records the recipe and model once planning succeeded (replaces the record when a change was accepted). */
    public void record(Storage output, String recipeHash, String job) throws IOException {
        record(output, recipeHash, null, job);
    }

    public void record(Storage output, String recipeHash, String model, String job) throws IOException {
        record(output, recipeHash, model, null, job);
    }

    /**
     * Records the recipe, model and model identity (left out when null: not known); a marker that
     * matches but lacks the identity gets it, so later changes of the weights are told.
     */
    public void record(Storage output, String recipeHash, String model, String modelIdentity, String job)
            throws IOException {
        record(output, recipeHash, model, modelIdentity, null, job);
    }

    /**
     * Records the recipe, model, model identity and the job's namespace and name (identity and namespace
     * left out when null: not known), and the recipe itself when this marker knows it ({@link #withRecipe});
     * a marker that matches but lacks the identity, the namespace or the recipe (or keeps the recipe as
     * another version wrote it) gets them, and one that records another namespace (a move to another
     * namespace, accepted) takes this job's.
     */
    public void record(
            Storage output, String recipeHash, String model, String modelIdentity, String namespace, String job)
            throws IOException {
        if (namespace != null && namespace.isBlank()) {
            namespace = null;
        }
        if (recipeHash == null) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("format", OUTPUT_FORMAT);
        fields.put("recipeHash", recipeHash);
        fields.put("model", model); // present even when null: a marker that has the field is the model's record
        if (modelIdentity != null) {
            fields.put("modelIdentity", modelIdentity);
        }
        if (namespace != null) {
            fields.put("namespace", namespace);
        }
        fields.put("job", job == null ? "" : job);
        JsonNode kept = recipe != null && json.writeValueAsBytes(recipe).length <= RECIPE_MAX_BYTES ? recipe : null;
        if (kept != null) {
            fields.put("recipe", kept);
        }
        if (shape != null) {
            fields.put(OutputShape.FIELD, shape);
        }
        byte[] content = json.writeValueAsBytes(fields);
        if (!output.createIfAbsent(KEY, content)) {
            JsonNode node = output.exists(KEY) ? readable(output, output.readAll(KEY)) : null;
            Optional<Recorded> now = node == null ? Optional.empty() : Optional.of(recordedIn(node));
            String recordedNamespace = text(node, "namespace");
            String thisNamespace = namespace;
            boolean same = now.map(r -> recipeHash.equals(r.recipeHash())
                            && Objects.equals(model, r.model())
                            && (modelIdentity == null
                                    || (r.modelIdentity() != null && sameIdentity(r.modelIdentity(), modelIdentity)))
                            && (thisNamespace == null || thisNamespace.equals(recordedNamespace))
                            && (kept == null || kept.equals(node.get("recipe")))
                            && (shape == null || recordedCovers(node)))
                    .orElse(false);
            if (!same) {
                output.put(KEY, content);
            }
        }
    }

    /** Whether the parsed marker records this job's output settings already (nothing to add or change). */
    private boolean recordedCovers(JsonNode node) {
        OutputShape recorded = OutputShape.in(node);
        return recorded != null && recorded.covers(shape);
    }

    /**
     * "{@code <output> holds the output of job 'team-a/wrap', and this is job 'team-b/wrap'}" when the
     * marker records a namespace and this job's (non-null) namespace is another: two jobs of two
     * namespaces (two teams, maybe one name) writing one output are two campaigns, not one resumed,
     * even with the same recipe and model. Null when the namespaces are the same, or either is not
     * known (a marker written before the field, a job without a namespace), or there is no marker.
     */
    public String ownedElsewhere(Storage output, String namespace, String job) throws IOException {
        if (namespace == null || namespace.isBlank() || !output.exists(KEY)) {
            return null;
        }
        JsonNode node = readable(output, output.readAll(KEY));
        String recordedNamespace = text(node, "namespace");
        if (recordedNamespace == null || recordedNamespace.isBlank() || recordedNamespace.equals(namespace)) {
            return null;
        }
        String recordedJob = text(node, "job");
        return output.describe() + " holds the output of job '" + recordedNamespace + "/"
                + (recordedJob == null ? "" : recordedJob) + "', and this is job '" + namespace + "/"
                + (job == null ? "" : job) + "' (another namespace: another campaign, whatever its recipe and"
                + " model)";
    }

    /** The name of the job that first planned the output, as its marker records it; empty when not recorded. */
    public Optional<String> recordedJob(Storage output) throws IOException {
        if (!output.exists(KEY)) {
            return Optional.empty();
        }
        JsonNode node = json.readTree(new String(output.readAll(KEY), StandardCharsets.UTF_8));
        return Optional.ofNullable(node == null ? null : node.path("job").asText(null))
                .filter(job -> !job.isBlank());
    }

    /**
     * The marker's recipe hash and model, else the first committed receipt's (outputs planned before
     * the marker); a marker written before it named the model takes the model from a receipt. Only a
     * receipt of the plan in force, or of an earlier version that names no plan, says how the output is
     * made: one naming another plan (or any plan, where none is in force) was left by a run of a plan the
     * output held before it was emptied and planned again, and is passed over.
     */
    public Optional<Recorded> recorded(Storage output) throws IOException {
        Recorded marker = null;
        if (output.exists(KEY)) {
            JsonNode node = readable(output, output.readAll(KEY));
            marker = recordedIn(node);
            if (node != null && node.has("model")) {
                return Optional.of(marker);
            }
        }
        String plan = null;
        boolean planRead = false;
        for (StoredObject receipt : output.list(RECEIPTS)) {
            if (!receipt.key().endsWith(".json")) {
                continue; // no receipt: a write probe a killed planner left, as every reader of receipts passes over
            }
            JsonNode node = json.readTree(new String(output.readAll(receipt.key()), StandardCharsets.UTF_8));
            String recordedPlan = text(node, "planSha256");
            if (recordedPlan != null) {
                if (!planRead) {
                    plan = PlanIdentity.inForce(output);
                    planRead = true;
                }
                if (!recordedPlan.equals(plan)) {
                    continue;
                }
            }
            Recorded fromReceipt = recordedIn(node);
            if (fromReceipt.recipeHash() != null || fromReceipt.model() != null) {
                return Optional.of(
                        marker == null
                                ? fromReceipt
                                : new Recorded(
                                        marker.recipeHash(),
                                        Objects.equals(marker.recipeHash(), fromReceipt.recipeHash())
                                                ? fromReceipt.model()
                                                : null));
            }
        }
        return Optional.ofNullable(marker);
    }

    /**
     * Refuses an output a later version wrote in a format this one does not read (its receipts may
     * count otherwise); an output without a marker passes.
     */
    public void checkFormat(Storage output) throws IOException {
        if (output.exists(KEY)) {
            readable(output, output.readAll(KEY));
        }
    }

    /**
     * The marker, when this version can read the output it describes.
     *
     * @throws InvalidJobException for an output a later version wrote in a format this one does not read
     */
    private JsonNode readable(Storage output, byte[] marker) throws IOException {
        JsonNode node = json.readTree(new String(marker, StandardCharsets.UTF_8));
        JsonNode format = node == null ? null : node.get("format");
        if (format != null && !format.isNull() && (!format.canConvertToInt() || format.asInt() > OUTPUT_FORMAT)) {
            throw new LaterFormatException("output format: " + output.describe(KEY) + " says the output was written"
                    + " in format " + format + " by a later version of Palimpsest; this version reads format "
                    + OUTPUT_FORMAT + " and earlier, and would misread its plan, checkpoints or receipts: run the"
                    + " job with the worker image of that version or later (spec.workers.image, or the operator's"
                    + " worker.image)");
        }
        return node;
    }

    /**
     * The marker of a campaign found at {@code prefix} of another storage (an output read as input), as written: no
     * receipt is read for an older output.
     */
    public Optional<Recorded> markerAt(Storage storage, String prefix) throws IOException {
        String key = prefix + KEY;
        return storage.exists(key) ? Optional.of(read(storage.readAll(key))) : Optional.empty();
    }

    private Recorded read(byte[] content) throws IOException {
        return recordedIn(json.readTree(new String(content, StandardCharsets.UTF_8)));
    }

    /** The recipe hash, model and model identity a parsed marker or receipt names. */
    private static Recorded recordedIn(JsonNode node) {
        return new Recorded(text(node, "recipeHash"), text(node, "model"), text(node, "modelIdentity"));
    }

    /**
     * Whether a model identity recorded as {@code recorded} lets a job with {@code job}'s go on: not
     * when both are known and name other weights. They are compared as the weights they name ({@link
     * ModelIdentity#same}), not as text: an identity recorded in the words of another version (an
     * output started before an upgrade, {@code hf:} for {@code huggingFace:}, a claim directory or S3
     * prefix with a trailing slash) is the same as this job's when it names the same repository and
     * revision, claim and directory, or bucket and prefix. The simulator's is not compared: simulated
     * and real work are kept apart by {@code _palimpsest/simulated.json}, which a real run refuses with
     * its own message (and no flag), so planning an output by hand and trying it with {@code local
     * --simulate} stays possible.
     */
    public static boolean sameIdentity(String recorded, String job) {
        return recorded == null
                || job == null
                || ModelIdentity.same(recorded, job)
                || recorded.equals(JobResolver.SIMULATOR_IDENTITY)
                || job.equals(JobResolver.SIMULATOR_IDENTITY);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
