package io.palimpsest.operator.job.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.TestSettings;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * An image's {@code USER} is the UID its files, home and passwd entry were made for; the pods run
 * as the UID of their securityContext. The two are one value: the worker image's user is the UID
 * the operator runs planner, worker, tally and preview pods as ({@code palimpsest.jobs.run-as-user}
 * by default), and the operator image's user is the UID the chart runs the operator pod as.
 */
class ImageUserTest {
    private static final Pattern USER = Pattern.compile("(?m)^USER\\s+(\\d+)(?::\\d+)?\\s*$");
    private static final Pattern CHART_RUN_AS_USER = Pattern.compile("(?m)^\\s+runAsUser:\\s*(\\d+)\\s*$");

    @Test
    void theWorkerImagesUserIsTheUidTheOperatorRunsJobPodsAs() throws Exception {
        long image = imageUser(Path.of("../worker-image/Dockerfile"));
        long configured = Long.parseLong(JobSettings.class
                .getMethod("runAsUser")
                .getAnnotation(WithDefault.class)
                .value());
        assertEquals(configured, image, "worker-image/Dockerfile USER vs palimpsest.jobs.run-as-user's default");
        assertEquals(configured, new TestSettings().runAsUser(), "the tests render with the default");

        List<String> pods = new ArrayList<>();
        for (HasMetadata object : OperatorObjectsSchemaTest.render(Path.of("../examples", "quickstart-cluster"))) {
            if (object instanceof Job job
                    && job.getSpec().getTemplate().getSpec().getContainers().stream()
                            .anyMatch(c -> c.getImage().equals(OperatorObjectsSchemaTest.WORKER_IMAGE))) {
                PodSpec pod = job.getSpec().getTemplate().getSpec();
                pods.add(job.getMetadata().getName());
                assertEquals(
                        image,
                        pod.getSecurityContext().getRunAsUser(),
                        job.getMetadata().getName());
                pod.getContainers().forEach(c -> {
                    Long container = c.getSecurityContext().getRunAsUser();
                    assertTrue(
                            container == null || container == image,
                            job.getMetadata().getName() + "/" + c.getName());
                });
            }
        }
        assertTrue(pods.size() >= 3, "planner, worker and tally pods checked: " + pods);
    }

    @Test
    void theOperatorImagesUserIsTheUidTheChartRunsTheOperatorAs() throws IOException {
        long image = imageUser(Path.of("Dockerfile"));
        Matcher chart =
                CHART_RUN_AS_USER.matcher(Files.readString(Path.of("../helm/palimpsest/templates/deployment.yaml")));
        assertTrue(chart.find(), "runAsUser in the chart's deployment.yaml");
        assertEquals(Long.parseLong(chart.group(1)), image, "operator/Dockerfile USER vs the chart's runAsUser");
    }

    /** The UID of the last {@code USER} of a Dockerfile (the one its entrypoint runs as). */
    private static long imageUser(Path dockerfile) throws IOException {
        Matcher m = USER.matcher(Files.readString(dockerfile));
        String uid = null;
        while (m.find()) {
            uid = m.group(1);
        }
        assertFalse(uid == null, dockerfile + " sets no numeric USER");
        return Long.parseLong(uid);
    }
}
