package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.pods.StuckPods;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API key of a model the operator runs: a Secret {@code <model>-vllm-api-key} holding a random key
 * under {@value #KEY}, owned by the model (deleted with it), which vLLM reads as {@value #ENV} and the
 * workers of jobs bound to the model as their bearer token, both through a secretKeyRef: the key appears in
 * no argument and no pod spec. vLLM asks it of {@code /v1/*} only; {@code /health} and {@code /metrics}
 * (probes, the autoscaler, the workers' queue probe) stay open.
 *
 * <p>The Secret is made once and never changed: a new key behind a running campaign would have its
 * workers refused by replicas started afterwards (or the reverse). It is created without being read,
 * a conflict meaning it is there already, so the operator needs no right to read Secrets; that it was
 * made is remembered per model, and tried again every {@link #RECHECK} in case it was deleted, every
 * {@link #MISSING_RECHECK} while a pod of the model cannot start without it (a deleted Secret comes back
 * with a new key, which only pods started afterwards get).
 */
public final class ModelApiKey {
    /** The key of the Secret's data holding the API key. */
    public static final String KEY = "api-key";
    /** The variable vLLM reads its API key from when {@code --api-key} is not given. */
    public static final String ENV = "VLLM_API_KEY";
    /** How often a Secret made already is created again, in case it was deleted since. */
    static final Duration RECHECK = Duration.ofMinutes(10);
    /**
     * How often it is created again while a pod of the model cannot start for want of it (deleted, or made
     * again for a model of the same name while the one deleted before still had its Secret, the conflict then
     * being that old Secret the garbage collector removes afterwards).
     */
    static final Duration MISSING_RECHECK = Duration.ofSeconds(30);
    // How often a Deployment held without the key looks at the jobs' Jobs again (a job finishing wakes the
    // model, a keyless Job deleted and made again with the key does not): palimpsest.model.held-key-recheck.

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    /** Model uid -> when its Secret was last made or found there. */
    private final Map<String, Instant> ensured = new ConcurrentHashMap<>();

    public ModelApiKey(Clock clock) {
        this.clock = clock;
    }

    /** The worker's and vLLM's reference to the model's key. */
    public static SecretKeyRef ref(RewriterModel model) {
        return new SecretKeyRef(ModelNames.apiKeySecret(model), KEY);
    }

    /** {@value #ENV} from the model's Secret, for the vLLM container. */
    static EnvVar env(RewriterModel model) {
        return new EnvVarBuilder()
                .withName(ENV)
                .withNewValueFrom()
                .withNewSecretKeyRef()
                .withName(ModelNames.apiKeySecret(model))
                .withKey(KEY)
                .endSecretKeyRef()
                .endValueFrom()
                .build();
    }

    /** Whether a pod of the model waits in CreateContainerConfigError for the model's Secret. */
    static boolean waitedFor(RewriterModel model, Collection<Pod> pods) {
        String quoted = "\"" + ModelNames.apiKeySecret(model) + "\"";
        String path = "/" + ModelNames.apiKeySecret(model);
        return pods.stream()
                .map(p -> StuckPods.of(p, ""))
                .flatMap(Optional::stream)
                .anyMatch(s -> "CreateContainerConfigError".equals(s.reason())
                        && s.message() != null
                        && (s.message().contains(quoted) || s.message().contains(path)));
    }

    /** Whether a Deployment's vLLM container reads its key from the model's Secret. */
    public static boolean enforcedBy(Optional<Deployment> deployment) {
        return deployment
                .map(d -> d.getSpec().getTemplate().getSpec().getContainers().stream()
                        .flatMap(c -> Optional.ofNullable(c.getEnv()).orElse(List.of()).stream())
                        .anyMatch(e -> ENV.equals(e.getName())))
                .orElse(false);
    }

    /**
     * Whether the model's vLLM asks for the key in this pass. Yes for a new Deployment or one asking already
     * (never turned off again). A Deployment made before models had keys serves on without one while an
     * unfinished job bound to the model has a Job that makes pods calling it without the key ({@link
     * KeylessCallers}): its workers would be refused. A job whose Jobs carry the key, or that has none yet
     * (they will, the Secret being there), does not hold the key back: a vLLM without a key takes the key its
     * workers send and asks nothing. What is read is the Jobs themselves, not when this operator first saw
     * the Deployment, so a restarted operator decides the same.
     *
     * @param unfinished the unfinished jobs bound to the model
     * @throws KubernetesClientException a refused read of the jobs' Jobs
     */
    public boolean asked(
            KubernetesClient client,
            Optional<Deployment> existing,
            Collection<RewriteJob> unfinished,
            KeylessCallers keyless) {
        if (existing.isEmpty() || enforcedBy(existing) || unfinished.isEmpty()) {
            return true;
        }
        return keyless.of(client, unfinished).isEmpty();
    }

    /** A new Secret for the model, with a random key (256 bits, base64url: visible ASCII a header carries). */
    public static Secret render(RewriterModel model) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return ModelDependent.controlledBy(
                new SecretBuilder()
                        .withNewMetadata()
                        .withName(ModelNames.apiKeySecret(model))
                        .withNamespace(model.getMetadata().getNamespace())
                        .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_API_KEY))
                        .endMetadata()
                        .withType("Opaque")
                        .withData(Map.of(
                                KEY, Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.US_ASCII))))
                        .build(),
                model);
    }

    /**
     * Creates the model's Secret unless it was made or found within {@link #RECHECK}, or within {@link
     * #MISSING_RECHECK} when one of the model's pods cannot start because the Secret (or its key) is missing;
     * an existing one is kept as it is.
     *
     * @param pods the model's pods
     * @throws KubernetesClientException any refusal but the conflict of an existing Secret
     */
    public void ensure(KubernetesClient client, RewriterModel model, Collection<Pod> pods) {
        String uid = model.getMetadata().getUid();
        Instant now = clock.instant();
        Instant before = uid == null ? null : ensured.get(uid);
        Duration recheck = waitedFor(model, pods) ? MISSING_RECHECK : RECHECK;
        if (before != null && now.isBefore(before.plus(recheck))) {
            return;
        }
        try {
            client.secrets()
                    .inNamespace(model.getMetadata().getNamespace())
                    .resource(render(model))
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
        }
        if (uid != null) {
            forgetStale(now);
            ensured.put(uid, now);
        }
    }

    /**
     * Forgets the models whose Secret was made or found {@link #RECHECK} ago or more: their next pass creates
     * it again anyway, so what stays is bounded by the models of the last {@link #RECHECK}, deleted ones
     * included, even when no model passes any more.
     */
    public void forgetStale(Instant now) {
        ensured.values().removeIf(at -> !now.isBefore(at.plus(RECHECK)));
    }

    /** How many models are remembered. */
    int remembered() {
        return ensured.size();
    }
}
