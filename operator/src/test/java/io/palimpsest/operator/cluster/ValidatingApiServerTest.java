package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulated cluster's API layer refuses what a real API server refuses (422, nothing stored),
 * for the rules the operator's objects could break.
 */
class ValidatingApiServerTest {

    private static final String NS = "api";
    private static SimulatedCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.builder().start();
        client = cluster.client();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void indexedJobLimits() {
        refused(
                worker("mfi", 5, 2, 6, 10),
                "spec.maxFailedIndexes: Invalid value: 10: must be less than or equal to completions");
        refused(
                worker("high-unset", 100_001, 2, 6, null),
                "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000");
        refused(
                worker("high-mfi", 200_000, 2, 6, 10_001),
                "must be less than or equal to 10000 when completions are above 100000");
        refused(worker("high-par", 200_000, 10_001, 6, 100), "spec.parallelism: Invalid value: 10001");
        refused(
                worker("par", 200_000, 100_001, null, null),
                "must be less than or equal to 100000 when completion mode is Indexed");
        Job limit = worker("fine", 200_000, 10_000, 6, 10_000);
        limit.getSpec().setSuspend(true); // accepted; suspended so the simulated controller makes no pods
        Job fine = client.batch().v1().jobs().inNamespace(NS).resource(limit).create();
        assertNotNull(fine.getMetadata().getUid());
    }

    @Test
    void podFailurePolicyAndTemplateRules() {
        Job failIndexWithoutPerIndex = worker("fi", 3, 1, null, null);
        failIndexWithoutPerIndex.getSpec().setPodReplacementPolicy("Failed");
        refused(
                failIndexWithoutPerIndex,
                "spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex");
        Job terminating = worker("tof", 3, 1, 2, null);
        terminating.getSpec().setPodReplacementPolicy("TerminatingOrFailed");
        refused(terminating, "spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\"");
        Job restart = worker("restart", 3, 1, 2, null);
        restart.getSpec().getTemplate().getSpec().setRestartPolicy("OnFailure");
        refused(restart, "only \"Never\" is supported when podFailurePolicy is specified");
        Job image = worker("image", 3, 1, 2, null);
        image.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(" palimpsest/worker:1 ");
        refused(
                image,
                "spec.template.spec.containers[0].image: Invalid value: \" palimpsest/worker:1 \": must not have leading or trailing whitespace");
        Job longName = worker("w".repeat(64), 3, 1, 2, null);
        refused(longName, "metadata.name: Invalid value");
    }

    @Test
    void updatesAndPatchesAreValidatedToo() {
        Job patched = worker("patched", 4, 1, 2, 1);
        patched.getSpec().setSuspend(true);
        client.batch().v1().jobs().inNamespace(NS).resource(patched).create();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName("patched")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"parallelism\":100001}}"));
        assertEquals(422, e.getCode());
        assertEquals(
                1,
                client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(NS)
                        .withName("patched")
                        .get()
                        .getSpec()
                        .getParallelism(),
                "nothing stored");
        KubernetesClientException immutable = assertThrows(KubernetesClientException.class, () -> client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName("patched")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"completions\":5}}"));
        assertTrue(
                immutable.getMessage().contains("spec.completions: Invalid value: 5: field is immutable"),
                immutable.getMessage());
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName("patched")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"parallelism\":3,\"suspend\":true}}");
        assertEquals(
                3,
                client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(NS)
                        .withName("patched")
                        .get()
                        .getSpec()
                        .getParallelism());
    }

    @Test
    void deploymentsClaimsAndConfigMaps() {
        refused(
                new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("d")
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(1)
                        .withNewSelector()
                        .addToMatchLabels("app", "a")
                        .endSelector()
                        .withNewTemplate()
                        .withNewMetadata()
                        .addToLabels("app", "b")
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("vllm")
                        .withImage("vllm/vllm-openai")
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build(),
                "`selector` does not match template `labels`");
        refused(
                new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("c")
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .endSpec()
                        .build(),
                "spec.resources[storage]: Required value");
        refused(
                new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("big")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("job.yaml", "x".repeat(1024 * 1024 + 1))
                        .build(),
                "must have at most 1048576 bytes");
        refused(
                new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("key")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("job yaml", "x")
                        .build(),
                "data[job yaml]: Invalid value");
    }

    @Test
    void aJobTemplateCannotChange() {
        Job job = worker("template", 4, 1, 2, 1);
        job.getSpec().setSuspend(true);
        client.batch().v1().jobs().inNamespace(NS).resource(job).create();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName("template")
                .patch(
                        PatchContext.of(PatchType.JSON),
                        "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\","
                                + "\"value\":\"palimpsest/worker:2\"}]"));
        assertEquals(422, e.getCode());
        assertTrue(e.getMessage().contains("spec.template: Invalid value: field is immutable"), e.getMessage());
    }

    /** The volume binder here binds a claim at once: a larger request is an expansion, anything else is refused. */
    @Test
    void aBoundClaimMayOnlyGrow() {
        client.resource(claim("grow", "10Gi", "ReadWriteOnce")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            PersistentVolumeClaim c = client.persistentVolumeClaims()
                    .inNamespace(NS)
                    .withName("grow")
                    .get();
            return c.getStatus() != null && "Bound".equals(c.getStatus().getPhase());
        });
        KubernetesClientException smaller = assertThrows(
                KubernetesClientException.class,
                () -> client.resource(claim("grow", "5Gi", "ReadWriteOnce")).update());
        assertEquals(422, smaller.getCode());
        assertTrue(
                smaller.getMessage()
                        .contains(
                                "spec.resources.requests.storage: Forbidden: field can not be less than previous value"),
                smaller.getMessage());
        KubernetesClientException modes = assertThrows(
                KubernetesClientException.class,
                () -> client.resource(claim("grow", "10Gi", "ReadWriteMany")).update());
        assertEquals(422, modes.getCode());
        assertTrue(
                modes.getMessage()
                        .contains("spec: Forbidden: spec is immutable after creation except resources.requests and "
                                + "volumeAttributesClassName for bound claims"),
                modes.getMessage());
        client.resource(claim("grow", "20Gi", "ReadWriteOnce")).update();
        assertEquals(
                new Quantity("20Gi"),
                client.persistentVolumeClaims()
                        .inNamespace(NS)
                        .withName("grow")
                        .get()
                        .getSpec()
                        .getResources()
                        .getRequests()
                        .get("storage"));
    }

    @Test
    void aPendingClaimCannotGrowEither() {
        PersistentVolumeClaim pending = claim("pending", "10Gi", "ReadWriteOnce");
        assertEquals(
                List.of("spec: Forbidden: spec is immutable after creation except resources.requests and "
                        + "volumeAttributesClassName for bound claims"),
                ApiValidation.pvc(claim("pending", "20Gi", "ReadWriteOnce"), pending));
        PersistentVolumeClaim bound = claim("pending", "10Gi", "ReadWriteOnce");
        bound.setStatus(
                new PersistentVolumeClaimStatusBuilder().withPhase("Bound").build());
        assertEquals(List.of(), ApiValidation.pvc(claim("pending", "20Gi", "ReadWriteOnce"), bound));
        PersistentVolumeClaim bindsOnce = claim("pending", "10Gi", "ReadWriteOnce");
        bindsOnce.getSpec().setVolumeName("pv-1");
        assertEquals(List.of(), ApiValidation.pvc(bindsOnce, pending), "the binder sets volumeName once");
    }

    @Test
    void aServiceNameIsADns1035Label() {
        refused(service("1-model"), "a DNS-1035 label must consist of lower case alphanumeric characters or '-'");
        refused(service("model.vllm"), "metadata.name: Invalid value: \"model.vllm\"");
        refused(service("m".repeat(64)), "must be no more than 63 characters");
        assertNotNull(
                client.resource(service("model-vllm")).create().getMetadata().getUid());
    }

    private static void refused(HasMetadata object, String expected) {
        KubernetesClientException e = assertThrows(
                KubernetesClientException.class, () -> client.resource(object).create());
        assertEquals(422, e.getCode(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("is invalid: "), e.getMessage());
        assertNull(client.resource(object).get(), "nothing stored");
    }

    private static PersistentVolumeClaim claim(String name, String size, String mode) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withAccessModes(mode)
                .withVolumeMode("Filesystem")
                .withNewResources()
                .addToRequests("storage", new Quantity(size))
                .endResources()
                .endSpec()
                .build();
    }

    private static Service service(String name) {
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .addNewPort()
                .withPort(8000)
                .endPort()
                .endSpec()
                .build();
    }

    /** The worker Job's shape: Indexed, the operator's podFailurePolicy. */
    private static Job worker(String name, int completions, int parallelism, Integer perIndex, Integer maxFailed) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withCompletionMode("Indexed")
                .withCompletions(completions)
                .withParallelism(parallelism)
                .withBackoffLimitPerIndex(perIndex)
                .withMaxFailedIndexes(maxFailed)
                .withPodReplacementPolicy("Failed")
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("FailIndex")
                .withNewOnExitCodes()
                .withContainerName("worker")
                .withOperator("In")
                .withValues(42)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("worker")
                .withImage("palimpsest/worker:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }
}
