package io.palimpsest.operator.model;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A ResourceQuota (or LimitRange, or an admission webhook) that refuses the weight download Job's
 * pod: the Job controller makes none and says so only in FailedCreate Events on the Job, so without
 * a reading of the Job the model would say DownloadingWeights for ever. The operator's clock is moved
 * on (the mock API server stamps objects with the real time) to stand for the minutes that pass.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(DownloadJobWithoutPodsTest.LaterClock.class)
class DownloadJobWithoutPodsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The operator's clock, this far ahead of the API server's. */
    static volatile Duration ahead = Duration.ZERO;

    public static class LaterClock implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(AheadClock.class);
        }
    }

    /** Enabled by the profile only: other tests keep the system clock. */
    @Alternative
    @Singleton
    public static class AheadClock extends Clock {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void aDownloadJobThatCreatesNoPodIsToldNamingTheJobAndClearedWhenItsPodRuns() {
        client.resource(Models.huggingFace("quota-d")).create();
        Job job = await().atMost(WAIT)
                .until(
                        () -> client
                                .batch()
                                .v1()
                                .jobs()
                                .inNamespace("test")
                                .withLabel(ModelNames.MODEL_LABEL, "quota-d")
                                .list()
                                .getItems()
                                .stream()
                                .findFirst()
                                .orElse(null),
                        j -> j != null);
        String name = job.getMetadata().getName();
        RewriterModel fresh = awaitModel("quota-d", m -> m.getStatus().getPhase() == ModelPhase.Loading);
        assertEquals(
                ModelReason.DownloadingWeights.name(),
                find(fresh, Conditions.READY).getReason());
        assertEquals(null, find(fresh, Conditions.PODS_NOT_STARTING), "a Job just made has its pod within seconds");

        // Hours later still no pod: a quota refuses it (the Job controller tells it only in Events).
        ahead = Duration.ofDays(1);
        setStatus(name, new JobStatusBuilder().withActive(0).build());
        RewriterModel refused =
                awaitModel("quota-d", m -> "FailedCreate".equals(reasonOf(m, Conditions.PODS_NOT_STARTING)));
        Condition notStarting = find(refused, Conditions.PODS_NOT_STARTING);
        assertTrue(
                notStarting.getMessage().startsWith("the weight download Job " + name + " has created no pod for "),
                notStarting.getMessage());
        assertTrue(
                notStarting.getMessage().contains("ResourceQuota")
                        && notStarting.getMessage().endsWith("kubectl describe job " + name),
                notStarting.getMessage());
        assertEquals(ModelPhase.Degraded, refused.getStatus().getPhase());
        assertEquals(
                ModelReason.PodsNotStarting.name(),
                find(refused, Conditions.DEGRADED).getReason());
        assertEquals(
                ModelReason.PodsNotStarting.name(),
                find(refused, Conditions.READY).getReason());
        await().atMost(WAIT).until(() -> warnings("quota-d", "FailedCreate").size() == 1);

        // The quota raised: the Job's pod runs, the download goes on.
        setStatus(name, new JobStatusBuilder().withActive(1).build());
        RewriterModel downloading = awaitModel("quota-d", m -> find(m, Conditions.PODS_NOT_STARTING) == null);
        assertEquals(ModelPhase.Loading, downloading.getStatus().getPhase());
        assertEquals(
                ModelReason.DownloadingWeights.name(),
                find(downloading, Conditions.READY).getReason());
        assertEquals(1, warnings("quota-d", "FailedCreate").size());
    }

    private void setStatus(String job, io.fabric8.kubernetes.api.model.batch.v1.JobStatus status) {
        Job current =
                client.batch().v1().jobs().inNamespace("test").withName(job).get();
        current.setStatus(status);
        client.resource(current).updateStatus();
    }

    private List<Event> warnings(String model, String reason) {
        return client.v1().events().inNamespace("test").list().getItems().stream()
                .filter(e -> model.equals(e.getInvolvedObject().getName())
                        && "Warning".equals(e.getType())
                        && reason.equals(e.getReason()))
                .toList();
    }

    private static Condition find(RewriterModel m, String type) {
        return ConditionAggregator.find(m.getStatus().getConditions(), type);
    }

    private static String reasonOf(RewriterModel m, String type) {
        Condition c = find(m, type);
        return c == null ? null : c.getReason();
    }

    private RewriterModel awaitModel(String name, Predicate<RewriterModel> condition) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.resources(RewriterModel.class)
                                .inNamespace("test")
                                .withName(name)
                                .get(),
                        m -> m != null && m.getStatus() != null && condition.test(m));
    }
}
