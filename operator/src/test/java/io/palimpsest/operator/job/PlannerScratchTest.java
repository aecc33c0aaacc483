package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.api.worker.PlannerThreads;
import io.palimpsest.operator.job.resources.PlannerJob;
import io.palimpsest.operator.job.resources.WorkerJob;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The planner's /tmp, where the duplicate-id pass spills, has a size limit (palimpsest.jobs.planner-scratch-size),
 * and the planner is told to stop under it, so a corpus too large for it fails the plan with exit 78 naming the
 * setting instead of an eviction on every retry.
 */
class PlannerScratchTest {

    private static Volume tmp(PodSpec pod) {
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals("tmp"))
                .findFirst()
                .orElseThrow();
    }

    private static Optional<String> env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst();
    }

    @Test
    void thePlannersScratchVolumeIsLimitedAndThePlannerToldToStopUnderIt() {
        Job planner = PlannerJob.desired(
                TestJobs.job("wiki", "s3://corpus/in/", "s3://corpus/out"), "img", new TestSettings());
        PodSpec pod = planner.getSpec().getTemplate().getSpec();

        assertEquals(new Quantity("200Gi"), tmp(pod).getEmptyDir().getSizeLimit());
        assertEquals(
                Optional.of(Long.toString(200L * 1024 * 1024 * 1024 / 10 * 9)),
                env(pod.getContainers().get(0), PlannerScratch.ENV));
    }

    @Test
    void theSettingSizesIt() {
        TestSettings settings = new TestSettings() {
            @Override
            public Quantity plannerScratchSize() {
                return new QuantityConverter().convert("200G");
            }
        };
        PodSpec pod = PlannerJob.desired(TestJobs.job("wiki", "s3://corpus/in/", "s3://corpus/out"), "img", settings)
                .getSpec()
                .getTemplate()
                .getSpec();

        assertEquals(new Quantity("200G"), tmp(pod).getEmptyDir().getSizeLimit());
        assertEquals(Optional.of("180000000000"), env(pod.getContainers().get(0), PlannerScratch.ENV));
    }

    @Test
    void aSizeThatIsNoQuantityOfBytesIsRefusedWhenTheOperatorStarts() {
        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> new QuantityConverter().convert("lots"));
        assertEquals("'lots' is not a Kubernetes quantity of bytes (such as 50Gi or 200G)", refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QuantityConverter().convert("0"));
    }

    @Test
    void aSizeInMilliUnitsOrUnderTenBytesIsRefusedWhenTheOperatorStarts() {
        // "100m" is a tenth of a byte (the milli suffix), not 100 megabytes: the planner would get a bound of 0
        IllegalArgumentException milli =
                assertThrows(IllegalArgumentException.class, () -> new QuantityConverter().convert("100m"));
        assertEquals(
                "'100m' is 0.1 bytes, not a whole number of bytes (m is a thousandth; megabytes are M or Mi, such as"
                        + " 100M or 100Mi)",
                milli.getMessage());
        IllegalArgumentException tiny =
                assertThrows(IllegalArgumentException.class, () -> new QuantityConverter().convert("9"));
        assertEquals("'9' is 9 bytes, under the 10 bytes of which the planner is given nine tenths", tiny.getMessage());
        IllegalArgumentException huge =
                assertThrows(IllegalArgumentException.class, () -> new QuantityConverter().convert("10Ei"));
        assertEquals("'10Ei' is more than 9223372036854775807 bytes", huge.getMessage());
        assertEquals(new Quantity("1.5Gi"), new QuantityConverter().convert("1.5Gi"));
    }

    @Test
    void thePlannerIsToldItsThreadsFromTheSetting() {
        Job planner = PlannerJob.desired(
                TestJobs.job("wiki", "s3://corpus/in/", "s3://corpus/out"), "img", new TestSettings());
        assertEquals(
                Optional.of("4"),
                env(planner.getSpec().getTemplate().getSpec().getContainers().get(0), PlannerThreads.ENV));

        TestSettings two = new TestSettings() {
            @Override
            public int plannerThreads() {
                return 2;
            }
        };
        PodSpec pod = PlannerJob.desired(TestJobs.job("wiki", "s3://corpus/in/", "s3://corpus/out"), "img", two)
                .getSpec()
                .getTemplate()
                .getSpec();
        assertEquals(Optional.of("2"), env(pod.getContainers().get(0), PlannerThreads.ENV));

        assertEquals(3, new PlannerThreadsConverter().convert(" 3"));
        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> new PlannerThreadsConverter().convert("0"));
        assertEquals(
                "palimpsest.jobs.planner-threads must be a whole number of threads, at least 1; got '0'",
                refused.getMessage());
    }

    @Test
    void workerPodsAreNotBound() {
        Job workers = WorkerJob.desired(
                TestJobs.job("wiki", "s3://corpus/in/", "s3://corpus/out"),
                4,
                1,
                false,
                "img",
                null,
                new TestSettings());
        PodSpec pod = workers.getSpec().getTemplate().getSpec();
        assertNull(tmp(pod).getEmptyDir().getSizeLimit());
        assertTrue(env(pod.getContainers().get(0), PlannerScratch.ENV).isEmpty());
    }
}
