package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.Pod;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How long a worker pod takes from its creation to its first model request, as finished worker pods
 * showed it: the container's finishedAt, less the seconds its shard ran (the summary's, from the
 * shard's start, right before its first request), less the pod's creationTimestamp. That is
 * scheduling, image pull, the JVM and the job's loading: what ready replicas wait for when 'auto'
 * parallelism starts workers for them. Only pods that committed their shard count (an attempt that
 * found its shard done, or failed, did not run one). The median of the {@value #RECENT} latest.
 * <p>The {@value #RECENT} latest of each namespace are also kept here, as every job's reconcile
 * sees its pods finish, so a job previewed after earlier jobs were deleted still has their figure.
 */
public final class WorkerStarts {
    static final int RECENT = 20;

    /** Per namespace, the latest starts by when their pod finished (then uid): a pod seen again is not counted twice. */
    private final Map<String, TreeMap<String, Double>> kept = new ConcurrentHashMap<>();

    /** Keeps the starts of the job's finished worker pods among the latest of its namespace. */
    public void record(String namespace, Collection<Pod> pods, Function<Pod, Optional<FinishedPod>> read) {
        TreeMap<String, Double> latest = kept.computeIfAbsent(namespace, k -> new TreeMap<>());
        for (Pod pod : pods) {
            if (!isWorker(pod) || !ClusterReadings.podTerminated(pod)) {
                continue;
            }
            read.apply(pod).ifPresent(finished -> startSeconds(pod, finished).ifPresent(seconds -> {
                synchronized (latest) {
                    latest.put(finished.finishedAt() + "/" + pod.getMetadata().getUid(), seconds);
                    while (latest.size() > RECENT) {
                        latest.pollFirstEntry();
                    }
                }
            }));
        }
    }

    /** This job's finished worker pods when any committed its shard, else the latest kept for the namespace. */
    public Optional<Measured> forPreview(
            String namespace, Collection<Pod> thisJob, Function<Pod, Optional<FinishedPod>> read) {
        Optional<Measured> own = median(thisJob, read);
        if (own.isPresent()) {
            return own;
        }
        TreeMap<String, Double> latest = kept.get(namespace);
        List<Double> seconds;
        if (latest == null) {
            return Optional.empty();
        }
        synchronized (latest) {
            seconds = new ArrayList<>(latest.values());
        }
        return seconds.isEmpty()
                ? Optional.empty()
                : Optional.of(new Measured(
                        median(seconds),
                        seconds.size(),
                        String.format(
                                Locale.ROOT,
                                "measured: median of the namespace's last %d finished worker pod(s) of earlier jobs, creationTimestamp to the shard's first request",
                                seconds.size())));
    }

    /**
     * @param seconds the median start
     * @param pods    how many pods it is the median of
     * @param source  where they come from, for the preview's report
     */
    public record Measured(double seconds, int pods, String source) {}

    /** The median start of the latest of {@code pods} that committed their shard. */
    static Optional<Measured> median(Collection<Pod> pods, Function<Pod, Optional<FinishedPod>> read) {
        record Start(Instant finished, double seconds) {}
        List<Start> starts = new ArrayList<>();
        for (Pod pod : pods) {
            if (!isWorker(pod)) {
                continue;
            }
            read.apply(pod).ifPresent(finished -> startSeconds(pod, finished)
                    .ifPresent(s -> starts.add(new Start(finished.finishedAt(), s))));
        }
        if (starts.isEmpty()) {
            return Optional.empty();
        }
        List<Double> recent = starts.stream()
                .sorted(Comparator.comparing(Start::finished).reversed())
                .limit(RECENT)
                .map(Start::seconds)
                .toList();
        int n = recent.size();
        return Optional.of(new Measured(
                median(recent),
                n,
                String.format(
                        Locale.ROOT,
                        "measured: median of this job's last %d finished worker pod(s), creationTimestamp to the shard's first request",
                        n)));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static boolean isWorker(Pod pod) {
        return pod.getMetadata().getLabels() != null
                && RewriteJobNames.ROLE_WORK.equals(
                        pod.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL));
    }

    /** Creation to the shard's start, for a pod that committed its shard; empty otherwise. */
    static Optional<Double> startSeconds(Pod pod, FinishedPod finished) {
        ShardSummary summary = finished.summary();
        if (summary == null
                || summary.getOutcome() != ShardSummary.Outcome.committed
                || finished.finishedAt() == null
                || pod.getMetadata().getCreationTimestamp() == null) {
            return Optional.empty();
        }
        try {
            Instant created = Rfc3339.parse(pod.getMetadata().getCreationTimestamp());
            double seconds =
                    Duration.between(created, finished.finishedAt()).toMillis() / 1000.0 - summary.getSeconds();
            // timestamps are whole seconds: a start under one second can come out a little below zero
            return Optional.of(Math.max(0, seconds));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
