package io.palimpsest.operator.pods;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Why pods the operator made do not start, as the scheduler and the kubelet say it: a
 * PodScheduled=False condition (no node fits, a missing claim, scheduling gates) or a container
 * waiting for a reason other than the normal ones on the way to running (an image that cannot be
 * pulled, a missing Secret or key, a container the runtime cannot make, a container that crashes
 * again and again). Such pods never terminate, so without this a RewriteJob would only ever say
 * it is planning or starting, and a RewriterModel that it is loading or downloading.
 */
public final class StuckPods {

    /** Waiting reasons every pod passes through on its way to running: not a problem. */
    private static final Set<String> ON_THE_WAY = Set.of("ContainerCreating", "PodInitializing");

    /**
     * The kubelet alternates ErrImagePull and ImagePullBackOff at every retry of a pull; both are
     * one cause, so a pod flipping between them is no change (no event, no reconcile, no Event).
     */
    private static final Map<String, String> SAME_CAUSE = Map.of("ErrImagePull", "ImagePullBackOff");

    /**
     * How an owner tells its pods apart: the label naming a pod's role, the order the roles are
     * told in (roles not listed come last), and the words for a role's pod ("the planner", "vLLM").
     */
    public record Roles(String label, List<String> order, Function<String, String> words) {
        String of(Pod pod) {
            return pod.getMetadata().getLabels() == null
                    ? null
                    : pod.getMetadata().getLabels().get(label);
        }

        int rank(Pod pod) {
            int i = order.indexOf(of(pod));
            return i < 0 ? order.size() : i;
        }
    }

    /**
     * One pod that does not start.
     *
     * @param cause   the reason with {@link #SAME_CAUSE} folded in: what changes of are worth telling
     * @param reason  the scheduler's or kubelet's reason as it stands
     * @param message its message, cut to one line
     */
    public record Stuck(String pod, String role, String cause, String reason, String message) {}

    /**
     * What the owner's status says: the first stuck pod (by role order, the oldest first) and how
     * many of its pods are stuck.
     *
     * @param words the owner's words for the first pod's role
     */
    public record Summary(Stuck first, int count, String words) implements NotStarting {
        /** The condition's reason. */
        @Override
        public String cause() {
            return first.cause();
        }

        /** One line for the Ready condition and the Event: which pod, why, and how many are stuck. */
        @Override
        public String text() {
            String what = words + " pod " + first.pod() + " is not starting: " + first.reason()
                    + (first.message() == null || first.message().isEmpty() ? "" : ": " + first.message());
            return count > 1 ? what + " (" + count + " pods not starting)" : what;
        }
    }

    private StuckPods() {}

    /** Why this pod does not start, or empty when it runs, ends, is on its way, or is being deleted. */
    public static Optional<Stuck> of(Pod pod, String roleLabel) {
        if (pod.getStatus() == null
                || PodReadings.terminated(pod)
                || pod.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        String name = pod.getMetadata().getName();
        String role = pod.getMetadata().getLabels() == null
                ? null
                : pod.getMetadata().getLabels().get(roleLabel);
        PodCondition scheduled = unscheduled(pod);
        if (scheduled != null) {
            String reason = scheduled.getReason() == null ? "Unschedulable" : scheduled.getReason();
            return Optional.of(new Stuck(name, role, reason, reason, PodReadings.cut(scheduled.getMessage())));
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
        return of(pod, "").map(Stuck::cause).orElse(null);
    }

    /**
     * Since when a stuck pod has not been running: when the scheduler last said it cannot place it,
     * else when the pod last turned not Ready (its start, or a crash of a pod that once ran), else
     * its creation. Empty when none of these is known.
     */
    public static Optional<Instant> notRunningSince(Pod pod) {
        PodCondition scheduled = unscheduled(pod);
        String at = scheduled != null ? scheduled.getLastTransitionTime() : null;
        if (at == null && pod.getStatus() != null && pod.getStatus().getConditions() != null) {
            at = pod.getStatus().getConditions().stream()
                    .filter(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus()))
                    .map(PodCondition::getLastTransitionTime)
                    .filter(Objects::nonNull)
                    .findFirst()
                    .orElse(null);
        }
        if (at == null) {
            at = pod.getMetadata().getCreationTimestamp();
        }
        try {
            return at == null ? Optional.empty() : Optional.of(Rfc3339.parse(at));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The stuck ones among these pods in one line, or empty when all start. */
    public static Optional<Summary> summarize(List<Pod> pods, Roles roles) {
        List<Stuck> stuck = pods.stream()
                .sorted(Comparator.comparing((Pod p) -> roles.rank(p))
                        .thenComparing(
                                p -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""))
                        .thenComparing(p -> p.getMetadata().getName()))
                .map(p -> of(p, roles.label()))
                .flatMap(Optional::stream)
                .toList();
        return stuck.isEmpty()
                ? Optional.empty()
                : Optional.of(new Summary(
                        stuck.get(0),
                        stuck.size(),
                        roles.words().apply(stuck.get(0).role())));
    }

    private static PodCondition unscheduled(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getConditions() == null
                ? null
                : pod.getStatus().getConditions().stream()
                        .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                        .findFirst()
                        .orElse(null);
    }

    private static Stuck stuck(String pod, String role, ContainerStateWaiting waiting) {
        String reason = waiting.getReason();
        return new Stuck(
                pod, role, SAME_CAUSE.getOrDefault(reason, reason), reason, PodReadings.cut(waiting.getMessage()));
    }

    private static Stream<ContainerStatus> statuses(List<ContainerStatus> list) {
        return list == null ? Stream.empty() : list.stream();
    }
}
