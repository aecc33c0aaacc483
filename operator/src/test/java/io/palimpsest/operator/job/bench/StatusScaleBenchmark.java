package io.palimpsest.operator.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.JobPhaseMachine;
import io.palimpsest.operator.job.MutableClock;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.PodReadings;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.progress.ShardProgress;
import io.palimpsest.operator.job.ranges.CompactRanges;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.job.status.JobConditions;
import io.palimpsest.operator.job.status.JobStatusFolder;
import io.palimpsest.operator.status.ConditionAggregator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Scale benchmark for the RewriteJob status: a 100,000-shard campaign run to the end with
 * completions out of order (1,000 pods at once, each taking a random time) and 5% of the
 * shards failing for good, folded one reconcile per 500 finished shards from what an operator's
 * informers would hold (the worker Job, the 12,500 newest terminated pods: Kubernetes' default
 * terminated-pod GC threshold), through the same readers the reconciler uses (PodReadings memo
 * included), with the live-progress readings of the 1,000 running shards folded in (the in-progress
 * part). Prints the serialized status size, the reconcile time distribution, and the heap
 * held by 20 such jobs.
 *
 * <pre>
 * mvn -o -q -pl operator test-compile
 * mvn -o -q -pl operator exec:exec -Dexec.classpathScope=test -Dexec.executable=java \
 *   -Dexec.args="-Xmx512m -cp %classpath io.palimpsest.operator.job.bench.StatusScaleBenchmark"
 * </pre>
 */
public final class StatusScaleBenchmark {
    static final int SHARDS = 100_000;
    static final int PARALLELISM = 1_000;
    static final double FAILURE_RATE = 0.05;
    static final int SHARDS_PER_RECONCILE = 500;
    static final int POD_CACHE = 12_500;
    static final int JOBS_FOR_HEAP = 20;
    static final ObjectMapper JSON = new ObjectMapper();
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        System.out.printf(
                "java %s, max heap %d MiB%n",
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
        Campaign warmup = new Campaign(1, new PodReadings(50_000));
        warmup.runToEnd(null);
        Campaign measured = new Campaign(2, new PodReadings(50_000));
        long[] nanos = new long[SHARDS / SHARDS_PER_RECONCILE + 10];
        long[] cpuNanos = new long[nanos.length];
        int[] reconciles = {0};
        int maxBytes = measured.runToEnd((ns, cpu, bytes) -> {
            cpuNanos[reconciles[0]] = cpu;
            nanos[reconciles[0]++] = ns;
        });
        long[] times = Arrays.copyOf(nanos, reconciles[0]);
        long[] cpu = Arrays.copyOf(cpuNanos, reconciles[0]);
        Arrays.sort(times);
        Arrays.sort(cpu);
        RewriteJobStatus last = measured.status;
        System.out.printf(
                "campaign: %d shards, %d failed for good, completed ranges in the Job status: %d, reconciles: %d%n",
                SHARDS, last.getShards().getFailed(), measured.completed.rangeCount(), times.length);
        System.out.printf(
                "status: max %.1f KiB serialized (final %.1f KiB; countedShards %.1f KiB, completedShards %.1f KiB, failedShards %.1f KiB)%n",
                maxBytes / 1024.0,
                JSON.writeValueAsBytes(last).length / 1024.0,
                len(last.getCountedShards()) / 1024.0,
                len(last.getCompletedShards()) / 1024.0,
                len(last.getFailedShards()) / 1024.0);
        System.out.printf(
                "reconcile (read Job + %d pods, fold, conditions, compare, serialize): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                POD_CACHE, pct(times, 0.50), pct(times, 0.99), times[times.length - 1] / 1e6);
        System.out.printf(
                "  same, thread CPU time (what the reconcile costs without the machine's other load): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                pct(cpu, 0.50), pct(cpu, 0.99), cpu[cpu.length - 1] / 1e6);
        System.out.printf(
                "  machine: %d cores, load average %.1f%n",
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(
                "totals exact: written %d == expected %d%n",
                last.getDocuments().getWritten(), measured.expectedWritten);

        // Heap: 20 such jobs as an operator's caches hold them at their worst (the end of the run):
        // the worker Job with its range strings, the recorded status, and an even share of the
        // 12,500 terminated pods the cluster keeps.
        System.gc();
        long before = usedHeap();
        List<Object> held = new ArrayList<>();
        PodReadings operatorWide = new PodReadings(50_000);
        held.add(operatorWide);
        for (int j = 0; j < JOBS_FOR_HEAP; j++) {
            Campaign c = new Campaign(100 + j, operatorWide);
            c.podCacheLimit = POD_CACHE / JOBS_FOR_HEAP;
            c.runToEnd(null);
            held.add(c.retained());
        }
        System.gc();
        long after = usedHeap();
        System.out.printf(
                "heap: %d jobs hold %.1f MiB (used heap after GC %.1f MiB, max %d MiB)%n",
                JOBS_FOR_HEAP,
                (after - before) / 1048576.0,
                after / 1048576.0,
                Runtime.getRuntime().maxMemory() >> 20);
    }

    interface Sample {
        void record(long nanos, long cpuNanos, int bytes);
    }

    /** One campaign, replayed as the Job controller and the kubelet would report it. */
    static final class Campaign {
        final Random random;
        final BitSet failing = new BitSet(SHARDS);
        final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        final JobStatusFolder folder = new JobStatusFolder(clock);
        final ConditionAggregator conditions = new ConditionAggregator(clock);
        final Deque<Pod> podCache = new ArrayDeque<>();
        int podCacheLimit = POD_CACHE;
        RangeSet completed = RangeSet.empty();
        RangeSet failed = RangeSet.empty();
        RewriteJobStatus status;
        Job workerJob;
        long expectedWritten;

        final PodReadings readings;
        int podSerial;
        /** The running shards' last readings, as the live-progress scraper keeps them: one per running pod. */
        Map<Integer, ShardProgress> live = Map.of();

        /** Readings of every running shard with the largest numbers a shard reaches (widest status numbers). */
        Map<Integer, ShardProgress> liveReadings(List<Integer> running) {
            Map<Integer, ShardProgress> m = new HashMap<>();
            for (int shard : running) {
                long docs = written(shard) / 2 + random.nextInt(400);
                m.put(
                        shard,
                        new ShardProgress(
                                shard, docs, 35, 5, docs * 700, docs * 650, docs * 3_000, written(shard) * 6_000));
            }
            return m;
        }

        Campaign(long seed, PodReadings readings) {
            this.readings = readings;
            random = new Random(seed);
            for (int i = 0; i < SHARDS; i++) {
                if (random.nextDouble() < FAILURE_RATE) {
                    failing.set(i);
                }
            }
        }

        /** Runs the campaign; returns the largest serialized status. */
        int runToEnd(Sample sample) throws Exception {
            // Pods start in index order, PARALLELISM at a time, and finish after a random time:
            // a window of in-flight indexes, completions out of order within it.
            int nextToStart = 0;
            List<Integer> inFlight = new ArrayList<>();
            int maxBytes = 0;
            int finished = 0;
            RangeSet.Builder completedB = new RangeSet.Builder();
            while (finished < SHARDS) {
                while (inFlight.size() < PARALLELISM && nextToStart < SHARDS) {
                    inFlight.add(nextToStart++);
                }
                List<Integer> done = new ArrayList<>();
                for (int k = 0; k < SHARDS_PER_RECONCILE && !inFlight.isEmpty(); k++) {
                    done.add(inFlight.remove(random.nextInt(inFlight.size())));
                }
                RangeSet.Builder newlyCompleted = new RangeSet.Builder();
                RangeSet.Builder newlyFailed = new RangeSet.Builder();
                for (int shard : done) {
                    if (failing.get(shard)) {
                        newlyFailed.add(shard);
                        addPod(failedPod(shard));
                    } else {
                        newlyCompleted.add(shard);
                        addPod(committedPod(shard));
                        expectedWritten += written(shard);
                    }
                }
                finished += done.size();
                completed = completed.union(newlyCompleted.build());
                failed = failed.union(newlyFailed.build());
                workerJob = workerJob(completed, failed, inFlight.size(), finished == SHARDS);
                live = liveReadings(inFlight);
                clock.advance(Duration.ofSeconds(30));

                long c0 = THREADS.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                byte[] written = reconcile();
                long elapsed = System.nanoTime() - t0;
                long cpu = THREADS.getCurrentThreadCpuTime() - c0;
                maxBytes = Math.max(maxBytes, written.length);
                if (sample != null) {
                    sample.record(elapsed, cpu, written.length);
                }
            }
            return maxBytes;
        }

        /** What RewriteJobReconciler does with the caches, minus the API calls. */
        byte[] reconcile() throws Exception {
            WorkerJobView view = ClusterReadings.workerJob(workerJob);
            RangeSet counted = status == null ? RangeSet.empty() : CompactRanges.decode(status.getCountedShards());
            List<FinishedPod> pods = new ArrayList<>();
            for (Pod p : podCache) {
                readings.finishedPod(p, counted).ifPresent(pods::add);
            }
            JobStatusFolder.Result r = folder.fold(status, SHARDS, view, pods, live);
            RewriteJobStatus next = r.status();
            JobPhaseMachine.Decision d = JobPhaseMachine.settle(new JobPhaseMachine.Inputs(
                    JobPhase.Running,
                    JobReason.Running,
                    JobPhaseMachine.SpecState.VALID,
                    JobPhaseMachine.ModelState.USABLE,
                    JobPhaseMachine.PlannerState.SUCCEEDED,
                    (long) SHARDS,
                    view.state(),
                    false,
                    JobPhaseMachine.TallyState.NOT_NEEDED));
            next.setPhase(d.phase());
            next.setRecipeHash("sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
            next.setObservedGeneration(3L);
            next.setConditions(JobConditions.build(conditions, next, 3L, d, null, false));
            byte[] json = next.equals(status) ? JSON.writeValueAsBytes(status) : JSON.writeValueAsBytes(next);
            status = next;
            return json;
        }

        void addPod(Pod pod) {
            podCache.addLast(pod);
            while (podCache.size() > podCacheLimit) {
                podCache.removeFirst(); // terminated-pod GC, oldest first
            }
        }

        Object retained() {
            return new Object[] {workerJob, status, new ArrayList<>(podCache)};
        }

        long written(int shard) {
            return 900 + shard % 200;
        }

        Pod committedPod(int shard) throws Exception {
            ShardSummary s = new ShardSummary();
            s.setShard(shard);
            s.setOutcome(ShardSummary.Outcome.committed);
            s.setRead(written(shard) + 40);
            s.setWritten(written(shard));
            s.setRejected(35);
            s.setSkipped(5);
            s.setPromptTokens(written(shard) * 700);
            s.setCompletionTokens(written(shard) * 650);
            s.setSeconds(1800 + random.nextInt(600));
            return pod(shard, 0, "Succeeded", 0, JSON.writeValueAsString(s));
        }

        Pod failedPod(int shard) throws Exception {
            ShardSummary s = new ShardSummary();
            s.setShard(shard);
            s.setAttempt(0);
            s.setOutcome(ShardSummary.Outcome.badData);
            s.setReason("BadData");
            s.setMessage("s3://corpus/en/part-" + shard + ".jsonl.zst: zstd frame corrupted at byte "
                    + random.nextInt(1 << 30) + "; the shard cannot be read and retrying will not help ".repeat(4));
            return pod(shard, 0, "Failed", 42, JSON.writeValueAsString(s));
        }

        Pod pod(int shard, int failures, String phase, int exit, String message) {
            return new PodBuilder()
                    .withNewMetadata()
                    .withName("campaign-work-" + shard + "-" + Integer.toString(random.nextInt(1 << 20), 36))
                    .withNamespace("corpus")
                    .withUid(java.util
                            .UUID
                            .nameUUIDFromBytes((random.nextLong() + "/" + shard).getBytes())
                            .toString())
                    .withResourceVersion(Integer.toString(++podSerial))
                    .addToLabels(RewriteJobNames.JOB_LABEL, "campaign")
                    .addToLabels(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_WORK)
                    .addToLabels("batch.kubernetes.io/job-name", "campaign-work")
                    .addToLabels("batch.kubernetes.io/controller-uid", "3f1c0b8e-1111-2222-3333-444455556666")
                    .addToAnnotations(RewriteJobNames.COMPLETION_INDEX, Integer.toString(shard))
                    .addToAnnotations(RewriteJobNames.INDEX_FAILURE_COUNT, Integer.toString(failures))
                    .endMetadata()
                    .withNewStatus()
                    .withPhase(phase)
                    .withContainerStatuses(new ContainerStatusBuilder()
                            .withName(RewriteJobNames.CONTAINER)
                            .withNewState()
                            .withNewTerminated()
                            .withExitCode(exit)
                            .withReason(exit == 0 ? "Completed" : "Error")
                            .withMessage(message)
                            .withFinishedAt(clock.instant().toString())
                            .endTerminated()
                            .endState()
                            .build())
                    .endStatus()
                    .build();
        }

        Job workerJob(RangeSet completed, RangeSet failed, int active, boolean finished) {
            JobBuilder b = new JobBuilder()
                    .withNewMetadata()
                    .withName("campaign-work")
                    .withNamespace("corpus")
                    .endMetadata()
                    .withNewStatus()
                    .withCompletedIndexes(completed.format())
                    .withFailedIndexes(failed.format())
                    .withActive(active)
                    .withSucceeded((int) completed.cardinality())
                    .withFailed((int) failed.cardinality())
                    .endStatus();
            if (finished) {
                b.editStatus()
                        .addNewCondition()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason("FailedIndexes")
                        .withLastTransitionTime(clock.instant().toString())
                        .endCondition()
                        .endStatus();
            }
            return b.build();
        }
    }

    static int len(String s) {
        return s == null ? 0 : s.length();
    }

    static double pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
