package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.job.RewriteJobNames;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Pods that may still write to an output whose RewriteJob is gone. {@code kubectl delete rewritejob} deletes in the
 * background: the job vanishes at once, and the garbage collector deletes its Jobs and then their pods, which run
 * through their termination grace period (a worker that gets SIGTERM after its shard's last document commits the
 * shard). A job planned into that output meanwhile would have two jobs' workers writing it. So a job that has not
 * started waits ({@code OutputInUse}) while a planner, worker or preview pod still runs whose output lies on its own
 * (the same, inside or around it, as {@link SharedOutput} compares them) and whose RewriteJob is gone, being deleted,
 * or is another one of the same name made since.
 *
 * <p>Every pod the operator makes carries its output and its RewriteJob's uid ({@link RewriteJobNames#OUTPUT_ANNOTATION},
 * {@link RewriteJobNames#JOB_UID_ANNOTATION}). A pod of a Job made before the operator wrote them has neither: its
 * RewriteJob is told by its label and, for one of the same name made since, by its creation after the pod's; its
 * output is unknown, so it holds every job whose output it could reach, any s3:// one and any claim of its namespace,
 * and the message says so. Reading the output from the deleted job's ConfigMap would not do: the garbage collector
 * deletes it as it does the Jobs, and the pods outlive both.
 */
public final class OrphanWriters {
    /** The index of pods by their output ({@link #keys}). */
    public static final String BY_OUTPUT = "podsByOutput";
    /** The index of pods by every folder of their output ({@link #treeKeys}). */
    public static final String BY_OUTPUT_TREE = "podsByOutputTree";
    /** The index of pods that do not say their output: under {@link #ANY_NAMESPACE} and under their namespace. */
    public static final String BY_UNKNOWN_OUTPUT = "podsOfUnknownOutput";
    /** No namespace is named so. */
    static final String ANY_NAMESPACE = "*";

    /** How many pods a message names. */
    static final int NAMED = 5;

    /** Looks up an index of the pod informer: the index's name, a key. */
    @FunctionalInterface
    public interface PodIndex {
        List<Pod> byIndex(String index, String key);
    }

    private OrphanWriters() {}

    /** The output the pod says it writes, null when it does not. */
    static String output(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(RewriteJobNames.OUTPUT_ANNOTATION);
    }

    /** The {@link #BY_OUTPUT} keys of the pod: its output's, or none. */
    public static List<String> keys(Pod pod) {
        String output = output(pod);
        return output == null ? List.of() : List.of(output);
    }

    /** The {@link #BY_OUTPUT_TREE} keys of the pod: every folder of its output from the root. */
    public static List<String> treeKeys(Pod pod) {
        return FolderIndex.tree(output(pod));
    }

    /** The {@link #BY_UNKNOWN_OUTPUT} keys of the pod: none when it says its output. */
    public static List<String> unknownKeys(Pod pod) {
        return output(pod) != null
                ? List.of()
                : List.of(ANY_NAMESPACE, pod.getMetadata().getNamespace());
    }

    /**
     * Why the job waits for pods of a job that is gone, named; empty when none runs.
     *
     * @param pods the pod informer's indexes
     * @param jobs the RewriteJobs as the primary cache holds them
     */
    public static Optional<String> of(RewriteJob job, PodIndex pods, Function<ResourceID, Optional<RewriteJob>> jobs) {
        String key = SharedOutput.key(job);
        if (key == null) {
            return Optional.empty();
        }
        List<Pod> known =
                FolderIndex.overlapping(key, BY_OUTPUT_TREE, BY_OUTPUT, pods::byIndex, OrphanWriters::id).stream()
                        .filter(p -> SharedOutput.relation(key, output(p)) != null)
                        .filter(p -> mayWrite(p) && orphaned(p, jobs))
                        .sorted(ORDER)
                        .toList();
        String scope = FolderIndex.scope(key);
        List<Pod> unknown = pods
                .byIndex(BY_UNKNOWN_OUTPUT, scope.isEmpty() ? ANY_NAMESPACE : scope.substring(0, scope.length() - 1))
                .stream()
                .filter(p -> mayWrite(p) && orphaned(p, jobs))
                .sorted(ORDER)
                .toList();
        if (known.isEmpty() && unknown.isEmpty()) {
            return Optional.empty();
        }
        String uri = job.getSpec().getOutput().getUri();
        List<String> parts = new ArrayList<>();
        if (!known.isEmpty()) {
            // one relation per output the pods write: the same, inside it or around it
            Map<String, List<Pod>> byOutput = known.stream()
                    .collect(Collectors.groupingBy(OrphanWriters::output, LinkedHashMap::new, Collectors.toList()));
            byOutput.forEach(
                    (output, ps) -> parts.add("spec.output.uri " + uri + " " + SharedOutput.relation(key, output)
                            + " of " + describe(ps) + ", which still " + (ps.size() == 1 ? "runs" : "run")));
        }
        if (!unknown.isEmpty()) {
            parts.add(describe(unknown) + " still " + (unknown.size() == 1 ? "runs" : "run")
                    + ", made by a Job that does not say its output (an operator before "
                    + RewriteJobNames.OUTPUT_ANNOTATION + "): it may write to any s3:// output or claim of namespace "
                    + unknown.get(0).getMetadata().getNamespace() + ", this job's among them");
        }
        return Optional.of(String.join("; ", parts)
                + ": a pod stopping after its job was deleted in the background may still commit a shard there,"
                + " so this job waits until " + (known.size() + unknown.size() == 1 ? "it has" : "they have")
                + " terminated (" + listing(known, unknown) + ")");
    }

    /**
     * Not terminated, and of a role that writes: the planner, a worker, the preview, or one without a role. A pod
     * being deleted still runs until it has terminated; the tally only reads.
     */
    static boolean mayWrite(Pod pod) {
        var labels = pod.getMetadata().getLabels();
        String role = labels == null ? null : labels.get(RewriteJobNames.ROLE_LABEL);
        return !RewriteJobNames.ROLE_TALLY.equals(role) && !ClusterReadings.podTerminated(pod);
    }

    /**
     * The pod's RewriteJob is gone, being deleted, or the one of its name now is another: its uid is not the pod's,
     * or (for a pod that does not say its job's uid) it was made after the pod. A job being deleted in the foreground
     * holds the output itself ({@link SharedOutput}), and is named there first.
     */
    static boolean orphaned(Pod pod, Function<ResourceID, Optional<RewriteJob>> jobs) {
        var labels = pod.getMetadata().getLabels();
        String name = labels == null ? null : labels.get(RewriteJobNames.JOB_LABEL);
        if (name == null) {
            return true;
        }
        RewriteJob owner = jobs.apply(new ResourceID(name, pod.getMetadata().getNamespace()))
                .orElse(null);
        if (owner == null || owner.getMetadata().getDeletionTimestamp() != null) {
            return true;
        }
        var annotations = pod.getMetadata().getAnnotations();
        String uid = annotations == null ? null : annotations.get(RewriteJobNames.JOB_UID_ANNOTATION);
        if (uid != null) {
            return !uid.equals(owner.getMetadata().getUid());
        }
        Instant podMade = instant(pod.getMetadata().getCreationTimestamp());
        Instant jobMade = instant(owner.getMetadata().getCreationTimestamp());
        return podMade != null && jobMade != null && podMade.isBefore(jobMade);
    }

    private static Instant instant(String timestamp) {
        try {
            return timestamp == null ? null : Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * "pod ns/a of deleted RewriteJob ns/j", or "pods ns/a, ns/b and 3 more of deleted RewriteJobs ns/j, ns/k": a
     * RewriteJob of the name made since is another.
     */
    private static String describe(List<Pod> pods) {
        String names = pods.stream().limit(NAMED).map(OrphanWriters::id).collect(Collectors.joining(", "))
                + (pods.size() > NAMED ? " and " + (pods.size() - NAMED) + " more" : "");
        List<String> jobs = pods.stream()
                .map(p -> p.getMetadata().getNamespace() + "/"
                        + Objects.requireNonNullElse(
                                p.getMetadata().getLabels() == null
                                        ? null
                                        : p.getMetadata().getLabels().get(RewriteJobNames.JOB_LABEL),
                                "?"))
                .distinct()
                .toList();
        return (pods.size() == 1 ? "pod " : "pods ") + names + " of deleted "
                + (jobs.size() == 1 ? "RewriteJob " : "RewriteJobs ") + String.join(", ", jobs);
    }

    /** The kubectl command that lists the pods: of their one job, or of every job when they are of several. */
    private static String listing(List<Pod> known, List<Pod> unknown) {
        List<String> jobs = Stream.concat(known.stream(), unknown.stream())
                .map(p -> "-n " + p.getMetadata().getNamespace() + " -l " + RewriteJobNames.JOB_LABEL + "="
                        + p.getMetadata().getLabels().get(RewriteJobNames.JOB_LABEL))
                .distinct()
                .toList();
        return "kubectl get pods " + (jobs.size() == 1 ? jobs.get(0) : "-A -l " + RewriteJobNames.JOB_LABEL);
    }

    private static String id(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private static final Comparator<Pod> ORDER = Comparator.comparing(OrphanWriters::id);
}
