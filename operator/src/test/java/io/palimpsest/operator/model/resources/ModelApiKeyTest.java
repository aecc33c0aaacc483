package io.palimpsest.operator.model.resources;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.KeylessWorkerJobs;
import io.palimpsest.operator.job.MutableClock;
import io.palimpsest.operator.job.PreviewJob;
import io.palimpsest.operator.job.TestJobs;
import io.palimpsest.operator.job.TestSettings;
import io.palimpsest.operator.job.resources.PlannerJob;
import io.palimpsest.operator.job.resources.TallyJob;
import io.palimpsest.operator.job.resources.WorkerJob;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.Models;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The API key of a model the operator runs: one Secret per model, made once with a random key and never
 * replaced, read by vLLM as VLLM_API_KEY and by the workers through a secretKeyRef, never in clear in a spec.
 */
@EnableKubernetesMockClient(crud = true)
class ModelApiKeyTest {
    KubernetesClient client;

    /**
     * What is remembered per model (by uid) goes once it is a recheck old, without another pass of any model
     * (the scraper's tick asks): the last model deleted leaves nothing for the operator's life.
     */
    @Test
    void aModelNoLongerPassingIsForgottenAfterTheRecheckWithoutAnotherPass() {
        RewriterModel model = Models.huggingFace("mistral");
        model.getMetadata().setUid("uid-1");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ModelApiKey keys = new ModelApiKey(clock);
        keys.ensure(client, model, List.of());
        keys.forgetStale(clock.instant());
        assertEquals(1, keys.remembered(), "remembered within the recheck");
        clock.advance(ModelApiKey.RECHECK);
        keys.forgetStale(clock.instant());
        assertEquals(0, keys.remembered());
    }

    @Test
    void theSecretIsMadeOnceWithARandomKeyOwnedByTheModelAndNeverReplaced() {
        RewriterModel model = Models.huggingFace("mistral");
        model.getMetadata().setUid("uid-1");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ModelApiKey keys = new ModelApiKey(clock);
        keys.ensure(client, model, List.of());

        Secret made = secret();
        assertEquals("mistral-vllm-api-key", made.getMetadata().getName());
        assertEquals(
                ModelNames.COMPONENT_API_KEY, made.getMetadata().getLabels().get(ModelNames.COMPONENT_LABEL));
        assertEquals("mistral", made.getMetadata().getLabels().get(ModelNames.MODEL_LABEL));
        assertEquals("uid-1", made.getMetadata().getOwnerReferences().get(0).getUid());
        assertTrue(made.getMetadata().getOwnerReferences().get(0).getController());
        String key = key(made);
        assertTrue(key.matches("[A-Za-z0-9_-]{43}"), "256 random bits a header can carry: " + key.length());

        // later passes, a pass after the recheck and an operator restarted (nothing remembered): the same key
        keys.ensure(client, model, List.of());
        clock.advance(ModelApiKey.RECHECK.plus(Duration.ofSeconds(1)));
        keys.ensure(client, model, List.of());
        new ModelApiKey(clock).ensure(client, model, List.of());
        assertEquals(key, key(secret()));
        assertEquals(1, client.secrets().inNamespace("test").list().getItems().size());

        // each model its own key
        RewriterModel other = Models.huggingFace("other");
        other.getMetadata().setUid("uid-2");
        keys.ensure(client, other, List.of());
        assertNotEquals(
                key,
                key(client.secrets()
                        .inNamespace("test")
                        .withName("other-vllm-api-key")
                        .get()));
    }

    /**
     * A model's pod that cannot start for want of the Secret (deleted; or the conflict of a first pass was the
     * Secret of a model of the same name deleted just before, which the garbage collector removed afterwards)
     * has it made again within half a minute, not at the next 10-minute look.
     */
    @Test
    void aPodWaitingForTheSecretHasItMadeAgainSoon() {
        RewriterModel model = Models.huggingFace("mistral");
        model.getMetadata().setUid("uid-1");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ModelApiKey keys = new ModelApiKey(clock);
        Pod waiting = waitingPod("secret \"mistral-vllm-api-key\" not found");
        Pod otherSecret = waitingPod("secret \"hf-token\" not found");
        keys.ensure(client, model, List.of());
        client.secrets().inNamespace("test").withName("mistral-vllm-api-key").delete();
        await().atMost(Duration.ofSeconds(5)).until(() -> secret() == null);

        clock.advance(Duration.ofSeconds(40));
        keys.ensure(client, model, List.of(otherSecret));
        assertNull(secret(), "nothing waits for it: the next look is 10 minutes after the last");
        keys.ensure(client, model, List.of(waiting));
        assertNotNull(secret(), "a replica waits for it");
        String key = key(secret());

        client.secrets().inNamespace("test").withName("mistral-vllm-api-key").delete();
        await().atMost(Duration.ofSeconds(5)).until(() -> secret() == null);
        clock.advance(Duration.ofSeconds(10));
        keys.ensure(client, model, List.of(waiting));
        assertNull(secret(), "at most one create every 30 s while pods wait");
        clock.advance(Duration.ofSeconds(25));
        keys.ensure(
                client, model, List.of(waitingPod("couldn't find key api-key in Secret test/mistral-vllm-api-key")));
        assertNotEquals(key, key(secret()));
    }

    private static Pod waitingPod(String message) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("mistral-vllm-0")
                .withNamespace("test")
                .endMetadata()
                .withNewStatus()
                .addNewContainerStatus()
                .withName("vllm")
                .withNewState()
                .withNewWaiting()
                .withReason("CreateContainerConfigError")
                .withMessage(message)
                .endWaiting()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build();
    }

    @Test
    void vllmReadsTheKeyFromTheSecretAndNoArgumentOrValueCarriesIt() {
        RewriterModel model = Models.huggingFace("mistral");
        Container vllm = VllmDeployment.render(model, 1, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        EnvVar key = vllm.getEnv().stream()
                .filter(e -> e.getName().equals(ModelApiKey.ENV))
                .findFirst()
                .orElseThrow();
        assertNull(key.getValue());
        assertEquals(
                "mistral-vllm-api-key", key.getValueFrom().getSecretKeyRef().getName());
        assertEquals(ModelApiKey.KEY, key.getValueFrom().getSecretKeyRef().getKey());
        assertFalse(vllm.getArgs().contains("--api-key"), String.join(" ", vllm.getArgs()));
        // the probes ask /health, which vLLM leaves open
        assertEquals("/health", vllm.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/health", vllm.getStartupProbe().getHttpGet().getPath());

        // a Deployment kept without a key (made before keys, jobs of then still running) has no variable
        Container held = VllmDeployment.render(model, 1, RenderSettings.defaults(), List.of("ReadWriteMany"), false)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertTrue(held.getEnv().stream().noneMatch(e -> e.getName().equals(ModelApiKey.ENV)));
    }

    @Test
    void workersOfAModelTheOperatorRunsReadItsKeyFromTheSameSecret() {
        RewriterModel model = Models.huggingFace("mistral");
        SecretKeyRef ref = ModelApiKey.ref(model);
        assertEquals("mistral-vllm-api-key", ref.getName());
        assertEquals(ModelApiKey.KEY, ref.getKey());
        // the resolved job names the variable the worker reads it from (the operator sets it by secretKeyRef)
        assertEquals(
                JobResolver.MODEL_API_KEY_ENV,
                JobResolver.resolveModel(model, null, JobResolver.Settings.defaults())
                        .getApiKeyEnv());
        // an external endpoint without a key sends none
        RewriterModel external = Models.huggingFace("ext");
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://gateway.example");
        external.getSpec().setEndpoint(endpoint);
        assertNull(JobResolver.resolveModel(external, null, JobResolver.Settings.defaults())
                .getApiKeyEnv());
    }

    /**
     * A Deployment made before models had keys keeps serving without one while an unfinished job bound to the
     * model has a worker (or preview) Job made without the key, whose pods would be refused: however recent
     * the job, however long after, and across operator restarts (nothing is remembered). It gets the key once
     * that job's Jobs carry the key or the job is finished; a job with no such Job yet, or only a planner or
     * tally Job (which never call the model), does not hold it back.
     */
    @Test
    void aDeploymentWithoutTheKeyGetsItOnceNoUnfinishedJobHasAJobMakingPodsWithoutIt() {
        RewriterModel model = Models.huggingFace("mistral");
        model.getMetadata().setUid("uid-1");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        KeylessCallers keylessJobs = new KeylessWorkerJobs();
        ModelApiKey keys = new ModelApiKey(clock);
        Optional<Deployment> keyless = Optional.of(
                VllmDeployment.render(model, 1, RenderSettings.defaults(), List.of("ReadWriteMany"), false));
        Optional<Deployment> keyed = Optional.of(VllmDeployment.render(model, 1, RenderSettings.defaults()));
        // created well after this operator first looked at the Deployment
        RewriteJob campaign = job("campaign", clock.instant().plus(Duration.ofHours(1)));
        RewriteJob preview = job("preview", clock.instant().plus(Duration.ofHours(1)));
        preview.getSpec().setPreview(new RewriteJobSpec.Preview());
        List<RewriteJob> unfinished = List.of(campaign, preview);

        // no Job yet, or only the planner and tally (no model calls): the key, they will make keyed Jobs
        assertTrue(keys.asked(client, keyless, unfinished, keylessJobs));
        client.resource(PlannerJob.desired(campaign, IMAGE, SETTINGS)).create();
        client.resource(TallyJob.desired(campaign, IMAGE, SETTINGS)).create();
        assertTrue(keys.asked(client, keyless, unfinished, keylessJobs));

        // a worker Job made without the key (by an operator from before keys): held back
        client.resource(WorkerJob.desired(campaign, 4, 2, false, IMAGE, null, SETTINGS))
                .create();
        clock.advance(Duration.ofHours(2));
        assertFalse(keys.asked(client, keyless, unfinished, keylessJobs));
        // a new Deployment, or one asking already: the key whatever runs
        assertTrue(keys.asked(client, Optional.empty(), unfinished, keylessJobs));
        assertTrue(keys.asked(client, keyed, unfinished, keylessJobs));
        // hours later, in an operator restarted: still held
        clock.advance(Duration.ofHours(3));
        ModelApiKey restarted = new ModelApiKey(clock);
        assertFalse(restarted.asked(client, keyless, unfinished, keylessJobs));
        // the job finished (no longer among the unfinished): the key
        assertTrue(restarted.asked(client, keyless, List.of(preview), keylessJobs));

        // the worker Job made again with the key: the key, though the job was created before the restart
        client.batch().v1().jobs().inNamespace("test").withName("campaign-work").delete();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> client.batch()
                                .v1()
                                .jobs()
                                .inNamespace("test")
                                .withName("campaign-work")
                                .get()
                        == null);
        client.resource(WorkerJob.desired(campaign, 4, 2, false, IMAGE, ModelApiKey.ref(model), SETTINGS))
                .create();
        assertTrue(restarted.asked(client, keyless, unfinished, keylessJobs));

        // a preview Job without the key holds it back as well, until it carries the key
        client.resource(PreviewJob.desired(preview, IMAGE, "http://mistral-vllm.test.svc:8000", model, null, SETTINGS))
                .create();
        assertFalse(restarted.asked(client, keyless, unfinished, keylessJobs));
        assertTrue(restarted.asked(client, keyless, List.of(campaign), keylessJobs));
    }

    private static final String IMAGE = "palimpsest-worker:test";
    private static final JobSettings SETTINGS = new TestSettings();

    private static RewriteJob job(String name, Instant created) {
        RewriteJob job = TestJobs.job(name, "s3://corpus/in", "s3://corpus/out");
        job.getMetadata().setCreationTimestamp(created.toString());
        return job;
    }

    private Secret secret() {
        return client.secrets()
                .inNamespace("test")
                .withName("mistral-vllm-api-key")
                .get();
    }

    private static String key(Secret secret) {
        return new String(Base64.getDecoder().decode(secret.getData().get(ModelApiKey.KEY)), StandardCharsets.UTF_8);
    }
}
