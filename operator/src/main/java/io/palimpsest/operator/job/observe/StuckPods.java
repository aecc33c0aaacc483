package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Why a RewriteJob's planner, worker, tally or preview pods do not start, as the scheduler and
 * the kubelet say it: a PodScheduled=False condition (no node fits, a missing claim, scheduling
 * gates) or a container waiting for a reason other than the normal ones on the way to running
 * (an image that cannot be pulled, a missing Secret or key, a container the runtime cannot make).
 * Such pods never terminate, so without this a stuck job would only ever say it is planning or
 * starting.
 */
public final class StuckPods {

    /** Waiting reasons every pod passes through on its way to running: not a problem. */
    private static final Set<String> ON_THE_WAY = Set.of("ContainerCreating", "PodInitializing");

    /**
     * The kubelet alternates ErrImagePull and ImagePullBackOff at every retry of a pull; both are
     * one cause, so a pod flipping between them is no change (no event, no reconcile, no Event).
     */
    private static final Map<String, String> SAME_CAUSE = Map.of("ErrImagePull", "ImagePullBackOff");

    private static final List<String> ROLE_ORDER = List.of(
            RewriteJobNames.ROLE_PLAN,
            RewriteJobNames.ROLE_TALLY,
            RewriteJobNames.ROLE_PREVIEW,
            RewriteJobNames.ROLE_WORK);

    /**
     * One pod that does not start.
     *
     * @param cause   the reason with {@link #SAME_CAUSE} folded in: what changes of are worth telling
     * @param reason  the scheduler's or kubelet's reason as it stands
     * @param message its message, cut to one line
     */
    public record Stuck(String pod, String role, String cause, String reason, String message) {}

    /**
     * What the job's status says: the first stuck pod (planner, tally, preview, then workers; the
     * oldest first) and how many of its pods are stuck.
     */
    public record Summary(Stuck first, int count) {
        /** The condition's reason. */
        public String cause() {
            return first.cause();
        }

        /** One line for the Ready condition and the Event: which pod, why, and how many are stuck. */
        public String text() {
            String what = roleName(first.role()) + " pod " + first.pod() + " is not starting: " + first.reason()
                    + (first.message() == null || first.message().isEmpty() ? "" : ": " + first.message());
            return count > 1 ? what + " (" + count + " pods not starting)" : what;
        }
    }

    private StuckPods() {}

    /** Why this pod does not start, or empty when it runs, ends, is on its way, or is being deleted. */
    public static Optional<Stuck> of(Pod pod) {
        if (pod.getStatus() == null
                || ClusterReadings.podTerminated(pod)
                || pod.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        String name = pod.getMetadata().getName();
        String role = pod.getMetadata().getLabels() == null
                ? null
                : pod.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL);
        PodCondition scheduled = pod.getStatus().getConditions() == null
                ? null
                : pod.getStatus().getConditions().stream()
                        .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                        .findFirst()
                        .orElse(null);
        if (scheduled != null) {
            String reason = scheduled.getReason() == null ? "Unschedulable" : scheduled.getReason();
            return Optional.of(new Stuck(name, role, reason, reason, ClusterReadings.cut(scheduled.getMessage())));
        }
        return Stream.concat(
                        statuses(pod.getStatus().getInitContainerStatuses()),
                        statuses(pod.getStatus().getContainerStatuses()))
                .map(c -> c.getState() == null ? null : c.getState().getWaiting())
                .filter(Objects::nonNull)
                .filter(w -> w.getReason() != null && !ON_THE_WAY.contains(w.getReason()))
                .findFirst()
                .map(w -> stuck(name, role, w));
    }

    /** What a change of is worth a reconcile: the pod's {@link Stuck#cause}, or null when it is not stuck. */
    public static String cause(Pod pod) {
        return of(pod).map(Stuck::cause).orElse(null);
    }

    /** The job's stuck pods in one line, or empty when all start. */
    public static Optional<Summary> summarize(List<Pod> pods) {
        List<Stuck> stuck = pods.stream()
                .sorted(Comparator.comparing((Pod p) -> roleRank(p))
                        .thenComparing(
                                p -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""))
                        .thenComparing(p -> p.getMetadata().getName()))
                .map(StuckPods::of)
                .flatMap(Optional::stream)
                .toList();
        return stuck.isEmpty() ? Optional.empty() : Optional.of(new Summary(stuck.get(0), stuck.size()));
    }

    private static Stuck stuck(String pod, String role, ContainerStateWaiting waiting) {
        String reason = waiting.getReason();
        return new Stuck(
                pod, role, SAME_CAUSE.getOrDefault(reason, reason), reason, ClusterReadings.cut(waiting.getMessage()));
    }

    private static Stream<ContainerStatus> statuses(List<ContainerStatus> list) {
        return list == null ? Stream.empty() : list.stream();
    }

    private static int roleRank(Pod pod) {
        String role = pod.getMetadata().getLabels() == null
                ? null
                : pod.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL);
        int i = ROLE_ORDER.indexOf(role);
        return i < 0 ? ROLE_ORDER.size() : i;
    }

    private static String roleName(String role) {
        if (role == null) {
            return "the";
        }
        return switch (role) {
            case RewriteJobNames.ROLE_PLAN -> "the planner";
            case RewriteJobNames.ROLE_TALLY -> "the tally";
            case RewriteJobNames.ROLE_PREVIEW -> "the preview";
            case RewriteJobNames.ROLE_WORK -> "worker";
            default -> "the " + role;
        };
    }
}
