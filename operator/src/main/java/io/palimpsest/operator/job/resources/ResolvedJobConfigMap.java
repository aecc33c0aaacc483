package io.palimpsest.operator.job.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ModelIdentity;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.RewriteJobNames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The ConfigMap the worker pods read ({@code job.yaml}): the job as {@link JobResolver} resolves it
 * (the spec without operator-only fields, the model endpoint, the recipe hash, checkpointEvery),
 * and the attempt ledger ({@code attempts.json}) once a shard has a charged failure.
 */
public final class ResolvedJobConfigMap {
    /**
     * What the API server accepts in one ConfigMap: keys and values of data and binaryData
     * together (ValidateConfigMap, core/validation). Over it, every create and update is refused
     * the same way, so the job ends before anything is sent.
     */
    public static final int MAX_DATA_BYTES = 1024 * 1024;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads a job.yaml an earlier version wrote: a field this version no longer has is not an error. */
    private static final ObjectMapper LENIENT_YAML =
            new ObjectMapper(new YAMLFactory()).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final ObjectMapper STRICT_YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResolvedJobConfigMap() {}

    /** The job as workers run it, resolved by the one resolver {@code palimpsest local} uses too. */
    public static ResolvedJob resolve(RewriteJob job, RewriterModel model, JobSettings settings) {
        return JobResolver.resolve(
                job, model, new JobResolver.Settings(settings.checkpointEvery(), settings.defaultMaxNumSeqs()));
    }

    /**
     * {@code resolved} with the attempts per shard in force ({@code WorkerJob.attemptsInForce}) where the spec
     * now says otherwise: the workers' last-attempt rule must count to the cap the ledger counts to.
     */
    public static ResolvedJob withAttempts(ResolvedJob resolved, RewriteJob job, int attempts) {
        if (attempts == WorkerJob.attemptsPerShard(job) || resolved.getSpec() == null) {
            return resolved;
        }
        if (resolved.getSpec().getRetry() == null) {
            resolved.getSpec().setRetry(new RewriteJobSpec.Retry());
        }
        resolved.getSpec().getRetry().setAttemptsPerShard(attempts);
        return resolved;
    }

    public static ConfigMap desired(RewriteJob job, ResolvedJob resolved) {
        return desired(job, resolved, null);
    }

    /** @param ledger the shards' attempts so far; no key while it is empty */
    public static ConfigMap desired(RewriteJob job, ResolvedJob resolved, AttemptLedger ledger) {
        try {
            return withLedger(
                    new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName(RewriteJobNames.configMap(job))
                            .withNamespace(job.getMetadata().getNamespace())
                            .withLabels(RewriteJobNames.labels(job, "config"))
                            .endMetadata()
                            .withData(Map.of(ResolvedJob.CONFIG_KEY, YAML.writeValueAsString(resolved)))
                            .build(),
                    ledger);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render job.yaml", e);
        }
    }

    /**
     * {@code resolved} with the recipe hash of the job.yaml the job's workers read so far
     * ({@code existing}, written by this or an earlier operator version), where that job.yaml's
     * recipe is the spec's recipe read by this version.
     *
     * <p>The hash is of the recipe as the operator's model and bundled CRD defaults write it, so a
     * version that adds a recipe field with a default hashes an unchanged recipe otherwise. The
     * output's {@code recipe.json}, every part marker and receipt carry the hash the campaign
     * started with: a new hash in job.yaml would have the next worker refuse the output as made by
     * another recipe ({@code OutputDrift}) and the tally count none of the receipts. The recipe is
     * immutable, so within one campaign only a version change makes the hashes differ; where the
     * recorded recipe, read by this version, differs from the spec's (a default changed, a field
     * read otherwise), the new hash stands and the workers report the drift.
     */
    public static ResolvedJob keepRecipeHash(ResolvedJob resolved, ConfigMap existing) {
        String kept = recipeHashInForce(existing, resolved.getRecipeHash());
        if (kept != null && !kept.equals(resolved.getRecipeHash())) {
            resolved.setRecipeHash(kept);
        }
        return resolved;
    }

    /**
     * {@code resolved} with the sharding of the job.yaml the planner reads ({@code existing}): called while the
     * planner Job exists and the spec's sharding is no longer the one that Job was made with ({@code MadeFrom}).
     * Its pod may not have read job.yaml yet (an image pulling, a pod not scheduled): rendered anew, it would cut the
     * shards by the edited value while the job says the plan kept the one it was made with ({@code SpecApplied}).
     * The workers read no sharding, and a later preview then cuts its sample's shards as the plan did.
     */
    public static ResolvedJob keepSharding(ResolvedJob resolved, ConfigMap existing) {
        ResolvedJob recorded = recorded(existing).orElse(null);
        if (recorded == null || recorded.getSpec() == null || resolved.getSpec() == null) {
            return resolved; // unreadable or absent: written anew
        }
        resolved.getSpec().setSharding(recorded.getSpec().getSharding());
        return resolved;
    }

    /**
     * {@code resolved} with the model identity of the job.yaml the job's workers read so far ({@code
     * existing}), where it is worded otherwise but names the same weights ({@link ModelIdentity#same}).
     *
     * <p>The output's {@code recipe.json} and part markers carry the identity in the words of the
     * version that planned the campaign. Workers of this version compare identities as the weights
     * they name; a campaign's workers of an earlier image (its worker Job keeps the image it was made
     * with) compare the text, and would refuse the output as made by other weights ({@code
     * OutputDrift}) if a version that words the identity otherwise rewrote job.yaml. The RewriterModel
     * may change while the campaign runs, so other weights (another repository, revision, claim,
     * directory or prefix) get this version's identity and the workers report the drift.
     */
    public static ResolvedJob keepModelIdentity(ResolvedJob resolved, ConfigMap existing) {
        String computed =
                resolved.getModel() == null ? null : resolved.getModel().getIdentity();
        ResolvedJob recorded = computed == null
                ? null
                : recordedWithout(existing, identityLine(computed)).orElse(null);
        String was = recorded == null || recorded.getModel() == null
                ? null
                : recorded.getModel().getIdentity();
        if (was != null && !was.equals(computed) && ModelIdentity.same(was, computed)) {
            resolved.getModel().setIdentity(was);
        }
        return resolved;
    }

    /** The line of job.yaml that names {@code identity}, as {@link #desired} writes it. */
    private static String identityLine(String identity) {
        try {
            return YAML.writeValueAsString(Map.of("identity", identity));
        } catch (JsonProcessingException e) {
            return "identity: " + identity + "\n";
        }
    }

    /**
     * The recipe hash the workers of {@code existing} use when its recipe, read by this version, hashes
     * to {@code computed}; else {@code computed}.
     */
    public static String recipeHashInForce(ConfigMap existing, String computed) {
        // unreadable: written anew, and a worker that finds its output otherwise says so
        ResolvedJob recorded =
                computed == null ? null : recordedWithout(existing, computed).orElse(null);
        if (recorded == null
                || recorded.getRecipeHash() == null
                || recorded.getRecipeHash().equals(computed)
                || recorded.getSpec() == null) {
            return computed;
        }
        String reread;
        try {
            reread = JobResolver.recipeHash(recorded.getSpec());
        } catch (RuntimeException e) {
            return computed;
        }
        return computed.equals(reread) ? recorded.getRecipeHash() : computed;
    }

    /**
     * The job.yaml the job's workers read so far, unless its text holds {@code sought} (the usual case: the value
     * this version computes is already the one in force, and the whole job.yaml is not read); empty as well when
     * there is none or it cannot be read (it is written anew).
     */
    private static Optional<ResolvedJob> recordedWithout(ConfigMap existing, String sought) {
        String text = existing == null || existing.getData() == null
                ? null
                : existing.getData().get(ResolvedJob.CONFIG_KEY);
        if (text == null || text.contains(sought)) {
            return Optional.empty();
        }
        return read(text);
    }

    /** The job.yaml the job's workers read so far; empty when there is none or it cannot be read. */
    private static Optional<ResolvedJob> recorded(ConfigMap existing) {
        String text = existing == null || existing.getData() == null
                ? null
                : existing.getData().get(ResolvedJob.CONFIG_KEY);
        return text == null ? Optional.empty() : read(text);
    }

    private static Optional<ResolvedJob> read(String text) {
        try {
            return Optional.ofNullable(LENIENT_YAML.readValue(text, ResolvedJob.class));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The parts of job.yaml's spec that never change once the job exists (CRD rules), with their types. */
    private static final Map<String, Class<?>> IMMUTABLE =
            Map.of("recipe", Recipe.class, "input", RewriteJobSpec.Input.class, "output", RewriteJobSpec.Output.class);

    /**
     * {@code desired} with the recipe, input and output of the job.yaml the workers read so far kept as
     * written, where they hold fields this operator version does not know (a later version wrote them,
     * and this one runs after a rollback) and otherwise say what the spec says. This version reads
     * the RewriteJob without those fields: rendered anew, job.yaml would lose them, and the workers
     * started from then on would make the rest of the campaign without them.
     */
    public static ConfigMap keepFieldsOfALaterVersion(ConfigMap desired, ConfigMap existing) {
        String before = existing == null || existing.getData() == null
                ? null
                : existing.getData().get(ResolvedJob.CONFIG_KEY);
        String now = desired.getData() == null ? null : desired.getData().get(ResolvedJob.CONFIG_KEY);
        if (before == null || now == null || before.equals(now)) {
            return desired;
        }
        try {
            JsonNode recorded = LENIENT_YAML.readTree(before).path("spec");
            JsonNode rendered = LENIENT_YAML.readTree(now);
            if (!(rendered.path("spec") instanceof ObjectNode spec)) {
                return desired;
            }
            boolean kept = false;
            for (Map.Entry<String, Class<?>> part : IMMUTABLE.entrySet()) {
                JsonNode was = recorded.get(part.getKey());
                JsonNode is = spec.get(part.getKey());
                if (was == null || is == null || was.equals(is) || !unknownTo(was, part.getValue())) {
                    continue;
                }
                if (JSON.valueToTree(LENIENT_YAML.treeToValue(was, part.getValue()))
                        .equals(JSON.valueToTree(LENIENT_YAML.treeToValue(is, part.getValue())))) {
                    spec.set(part.getKey(), was);
                    kept = true;
                }
            }
            if (!kept) {
                return desired;
            }
            Map<String, String> data = new LinkedHashMap<>(desired.getData());
            data.put(ResolvedJob.CONFIG_KEY, YAML.writeValueAsString(rendered));
            return new ConfigMapBuilder(desired).withData(data).build();
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return desired; // unreadable: written anew
        }
    }

    /** Whether {@code node} has a field that {@code type} does not know. */
    private static boolean unknownTo(JsonNode node, Class<?> type) {
        try {
            STRICT_YAML.treeToValue(node, type);
            return false;
        } catch (UnrecognizedPropertyException e) {
            return true;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The ledger {@code configMap} carries, or null (none, or unreadable: it is written anew). */
    public static AttemptLedger ledgerOf(ConfigMap configMap) {
        String text = configMap == null || configMap.getData() == null
                ? null
                : configMap.getData().get(AttemptLedger.CONFIG_KEY);
        if (text == null) {
            return null;
        }
        try {
            return JSON.readValue(text, AttemptLedger.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * When {@code configMap} was last changed, by the API server's clock: the latest time in its
     * {@code managedFields}, which the server sets, to the second, on every write that changes a field (any
     * client's). Empty where the server keeps no managed fields (before Kubernetes 1.18, or a test's mock).
     * The same clock stamps pods' creation times, so the two compare without trusting the operator's clock.
     */
    public static Optional<Instant> lastWrittenAt(ConfigMap configMap) {
        if (configMap == null || configMap.getMetadata().getManagedFields() == null) {
            return Optional.empty();
        }
        return configMap.getMetadata().getManagedFields().stream()
                .map(ManagedFieldsEntry::getTime)
                .map(ResolvedJobConfigMap::instantOrNull)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder());
    }

    private static Instant instantOrNull(String rfc3339) {
        try {
            return rfc3339 == null || rfc3339.isBlank() ? null : Instant.parse(rfc3339);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** {@code configMap} with its {@code attempts.json} replaced by {@code ledger} (removed when empty). */
    public static ConfigMap withLedger(ConfigMap configMap, AttemptLedger ledger) {
        Map<String, String> data = new LinkedHashMap<>(configMap.getData() == null ? Map.of() : configMap.getData());
        data.remove(AttemptLedger.CONFIG_KEY);
        if (ledger != null && !ledger.getShards().isEmpty()) {
            try {
                data.put(AttemptLedger.CONFIG_KEY, JSON.writeValueAsString(ledger));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render attempts.json", e);
            }
        }
        return new ConfigMapBuilder(configMap).withData(data).build();
    }

    /**
     * Why {@code desired} cannot be stored, naming how large it is and what in the spec makes it
     * so; empty when it fits.
     */
    public static Optional<String> tooLarge(RewriteJob job, ConfigMap desired) {
        long bytes = dataBytes(desired);
        if (bytes <= MAX_DATA_BYTES) {
            return Optional.empty();
        }
        long recipe;
        try {
            recipe = YAML.writeValueAsBytes(job.getSpec().getRecipe()).length;
        } catch (JsonProcessingException e) {
            recipe = -1;
        }
        return Optional.of("the resolved job (" + ResolvedJob.CONFIG_KEY + " of ConfigMap "
                + desired.getMetadata().getName()
                + ") is " + bytes + " bytes, over the " + MAX_DATA_BYTES + "-byte (1 MiB) limit of a ConfigMap"
                + (recipe < 0 ? "" : "; spec.recipe takes " + recipe + " bytes of it")
                + ": shorten the prompts (system, user, fewShot) or the validators' lists");
    }

    static long dataBytes(ConfigMap map) {
        long n = 0;
        if (map.getData() != null) {
            for (Map.Entry<String, String> e : map.getData().entrySet()) {
                n += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (map.getBinaryData() != null) {
            for (Map.Entry<String, String> e : map.getBinaryData().entrySet()) {
                // binaryData values are base64 on the wire; the limit counts the decoded bytes.
                n += e.getKey().length() + (long) e.getValue().length() * 3 / 4;
            }
        }
        return n;
    }
}
