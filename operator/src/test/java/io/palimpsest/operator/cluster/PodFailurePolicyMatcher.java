package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which podFailurePolicy rule, if any, a failed pod matches: the rules are tried in order and the
 * first match decides (batch/v1 Job semantics). A failed pod that matches nothing is counted.
 */
final class PodFailurePolicyMatcher {

    enum Action {
        /** The whole Job fails at once (reason PodFailurePolicy). */
        FailJob,
        /** The index fails at once, whatever its remaining budget (needs backoffLimitPerIndex). */
        FailIndex,
        /** Neither backoffLimit nor the index budget is charged; a replacement is made. */
        Ignore,
        /** The default: charged to backoffLimit / backoffLimitPerIndex. */
        Count
    }

    record Match(Action action, int ruleIndex, String message) {}

    private PodFailurePolicyMatcher() {}

    static Optional<Match> match(PodFailurePolicy policy, Pod failedPod) {
        if (policy == null || policy.getRules() == null) {
            return Optional.empty();
        }
        List<PodFailurePolicyRule> rules = policy.getRules();
        for (int i = 0; i < rules.size(); i++) {
            PodFailurePolicyRule rule = rules.get(i);
            Optional<String> why = rule.getOnExitCodes() != null
                    ? exitCodesMatch(rule.getOnExitCodes(), failedPod)
                    : conditionsMatch(rule.getOnPodConditions(), failedPod);
            if (why.isPresent()) {
                return Optional.of(new Match(
                        Action.valueOf(rule.getAction()),
                        i,
                        why.get() + " matching " + rule.getAction() + " rule at index " + i));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> exitCodesMatch(PodFailurePolicyOnExitCodesRequirement req, Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        boolean in = "In".equals(req.getOperator());
        for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
            if (req.getContainerName() != null && !req.getContainerName().equals(cs.getName())) {
                continue;
            }
            if (cs.getState() == null || cs.getState().getTerminated() == null) {
                continue;
            }
            int code = cs.getState().getTerminated().getExitCode();
            // Successful containers never take part: the API rejects 0 in In, and NotIn skips them.
            if (code == 0) {
                continue;
            }
            boolean listed = req.getValues().contains(code);
            if (listed == in) {
                return Optional.of("Container " + cs.getName() + " for pod "
                        + pod.getMetadata().getNamespace() + "/"
                        + pod.getMetadata().getName() + " failed with exit code " + code);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> conditionsMatch(List<PodFailurePolicyOnPodConditionsPattern> patterns, Pod pod) {
        if (patterns == null || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (PodFailurePolicyOnPodConditionsPattern pattern : patterns) {
            String wanted = Objects.requireNonNullElse(pattern.getStatus(), "True");
            for (PodCondition c : pod.getStatus().getConditions()) {
                if (pattern.getType().equals(c.getType()) && wanted.equals(c.getStatus())) {
                    return Optional.of("Pod " + pod.getMetadata().getNamespace() + "/"
                            + pod.getMetadata().getName() + " has condition " + c.getType() + "=" + c.getStatus());
                }
            }
        }
        return Optional.empty();
    }
}
