package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.palimpsest.api.worker.FinishedInputs;
import io.palimpsest.operator.job.resources.PlannerJob;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The campaigns of upstream jobs that have Succeeded reach the planner in its environment, with what identifies
 * each, never as a command-line flag: a worker image from before it ignores a variable (and refuses the partial
 * upstream as not whole, exit 78), where an unknown flag is a usage error retried to the backoff limit.
 */
class PlannerFinishedInputsTest {

    private static Container planner(List<FinishedInputs.Campaign> finished) {
        return PlannerJob.desired(
                        TestJobs.job("stage-2", "s3://corpus/stage-1/", "s3://corpus/stage-2"),
                        "img",
                        new TestSettings(),
                        null,
                        finished)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
    }

    private static List<String> told(Container container) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(FinishedInputs.ENV))
                .map(EnvVar::getValue)
                .toList();
    }

    @Test
    void theCampaignsAreToldInTheEnvironmentNotAsAFlag() {
        var campaign = new FinishedInputs.Campaign("s3://corpus/stage-1/", "team-a/stage-1", 8L, 7L, "abc");
        Container container = planner(List.of(campaign));

        assertTrue(
                container.getArgs().stream().noneMatch(a -> a.startsWith("--finished-")),
                container.getArgs().toString());
        List<String> told = told(container);
        assertEquals(1, told.size(), told.toString());
        assertEquals(List.of(campaign), FinishedInputs.decode(told.get(0)));
    }

    @Test
    void noVariableWithoutAnyAndADollarIsNotReadAsAReference() {
        assertEquals(List.of(), told(planner(List.of())));

        // the kubelet expands $(NAME) in a value and reads $$ as '$'
        var campaign = new FinishedInputs.Campaign("s3://corpus/a$(HOME)b/", "team-a/stage-1", 2L, 1L, null);
        String value = told(planner(List.of(campaign))).get(0);
        assertTrue(value.contains("a$$(HOME)b"), value);
    }
}
