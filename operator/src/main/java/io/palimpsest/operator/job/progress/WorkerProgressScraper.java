package io.palimpsest.operator.job.progress;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.LeaderDuty;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.metrics.JobMetrics;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Live progress, on its own schedule and never inside reconcile (as the model autoscaler reads
 * vLLM): every {@code palimpsest.progress.period} it reads the {@code /metrics} of each running
 * worker pod, keeps the last reading per running shard in {@link LiveProgress}, and triggers the
 * reconcile of each job whose readings changed. The reconciler folds them into the status as the
 * in-progress part; committed totals still come only from receipts (the pods' summaries).
 *
 * <p>Bounded at 1,000 running pods: pods come from the reconciler's informer cache (no list
 * call), at most {@code maxConcurrentScrapes} requests are in flight, each bounded by
 * {@code scrapeTimeout}; a running pod that does not answer keeps its last reading until it answers
 * again, or stops running (its shard ended, or the pod was deleted or replaced), so a missed round
 * only delays its own progress. Memory: one small record per running pod. Runs on the leading
 * replica only ({@link LeaderDuty}); a new leadership starts with no readings, and the status keeps
 * its recorded in-progress part until the first round has completed ({@link LiveProgress#current()}).
 */
@ApplicationScoped
public class WorkerProgressScraper implements LeaderDuty {
    private static final Logger LOG = Logger.getLogger(WorkerProgressScraper.class);
    /** The worker's metrics port when the pod spec names none (pods made by older operators). */
    public static final int DEFAULT_PORT = 9090;

    public static final String PORT_NAME = "metrics";

    private final LiveProgress live;
    private final PalimpsestConfig config;
    private final JobMetrics metrics;
    private volatile Supplier<Set<ResourceID>> jobs;
    /** Told the jobs that exist after each round, as the per-job series are: other per-job state goes with its job. */
    private volatile Consumer<Set<ResourceID>> retainJobs = existing -> {};

    private final SimpleInboundEventSource<RewriteJob> trigger = new SimpleInboundEventSource<>("worker-progress");
    private volatile Supplier<Collection<Pod>> pods;
    private volatile HttpClient http;
    private ScheduledExecutorService executor;
    private volatile Round lastRound = new Round(0, 0, 0);
    /** Each running pod's last answer, kept while the pod runs; written by {@link #round}, cleared on a new leadership. */
    private volatile Map<Target, ShardProgress> lastAnswers = Map.of();

    /** What the last round did: pods asked, pods that answered, its wall time. */
    public record Round(int pods, int answered, long millis) {}

    @Inject
    public WorkerProgressScraper(LiveProgress live, PalimpsestConfig config, JobMetrics metrics) {
        this.live = live;
        this.config = config;
        this.metrics = metrics;
    }

    /** The event source the RewriteJob reconciler registers; a round fires it for each job whose progress moved. */
    public SimpleInboundEventSource<RewriteJob> eventSource() {
        return trigger;
    }

    /** Called by the reconciler once its pod informer exists: the worker pods to read. */
    public void watch(Supplier<Collection<Pod>> pods, Supplier<Set<ResourceID>> jobs) {
        watch(pods, jobs, existing -> {});
    }

    /**
     * As {@link #watch(Supplier, Supplier)}; {@code retainJobs} is told the jobs that exist after each round
     * (live progress on or off), so that whatever the caller keeps per job is pruned with the job's series.
     */
    public void watch(
            Supplier<Collection<Pod>> pods, Supplier<Set<ResourceID>> jobs, Consumer<Set<ResourceID>> retainJobs) {
        this.pods = pods;
        this.jobs = jobs;
        this.retainJobs = retainJobs;
    }

    public Round lastRound() {
        return lastRound;
    }

    /** Only the leading replica reads the workers: it is the one that reconciles (and exports the series). */
    @Override
    public synchronized void startLeading() {
        if (!config.progress().enabled()) {
            LOG.info("live progress off (palimpsest.progress.enabled=false): status moves when shards commit");
        }
        if (executor != null) {
            return;
        }
        // Readings from an earlier leadership are stale; none are known until this one's first round.
        live.reset(config.progress().enabled());
        lastAnswers = Map.of();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "palimpsest-worker-progress");
            t.setDaemon(true);
            return t;
        });
        long period = config.progress().period().toMillis();
        executor.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stopLeading() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
            live.reset(config.progress().enabled());
        }
    }

    /** Rounds are scheduled (this replica leads). */
    public synchronized boolean running() {
        return executor != null;
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopLeading();
    }

    /** One pass over every running worker pod; never throws (the schedule must survive). */
    void round() {
        Supplier<Collection<Pod>> source = pods;
        if (source == null) {
            return;
        }
        if (!config.progress().enabled()) {
            live.roundCompleted();
            retainMetrics(); // the per-job series still go with their jobs
            return;
        }
        try {
            long start = System.nanoTime();
            List<Target> targets = targets(source.get());
            Map<Target, ShardProgress> answers = scrape(targets);
            // A running pod that did not answer keeps its last reading; a pod no longer running drops out.
            Map<Target, ShardProgress> kept = new HashMap<>();
            for (Target target : targets) {
                ShardProgress p = answers.getOrDefault(target, lastAnswers.get(target));
                if (p != null) {
                    kept.put(target, p);
                }
            }
            lastAnswers = kept;
            Map<ResourceID, Map<Integer, ShardProgress>> readings = new HashMap<>();
            for (Map.Entry<Target, ShardProgress> e : kept.entrySet()) {
                // two pods of one shard (a replacement before the old one is gone): the further one
                readings.computeIfAbsent(e.getKey().job(), j -> new HashMap<>())
                        .merge(e.getKey().shard(), e.getValue(), (a, b) -> a.documents() >= b.documents() ? a : b);
            }
            Set<ResourceID> jobs = new HashSet<>(readings.keySet());
            jobs.addAll(live.jobs());
            for (ResourceID job : jobs) {
                if (live.replace(job, readings.getOrDefault(job, Map.of()))) {
                    trigger.propagateEvent(job);
                }
            }
            lastRound = new Round(targets.size(), answers.size(), (System.nanoTime() - start) / 1_000_000);
            metrics.round(lastRound.pods(), lastRound.answered(), lastRound.millis() / 1000.0);
            retainMetrics();
        } catch (RuntimeException e) {
            LOG.warn("worker progress round failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // Also after a failed round: the status must not wait for readings forever.
        live.roundCompleted();
    }

    /** A deleted job's series go with it, and what the reconciler keeps for it ({@link #watch}'s retainJobs). */
    private void retainMetrics() {
        Supplier<Set<ResourceID>> existing = this.jobs;
        if (existing != null) {
            try {
                Set<ResourceID> jobs = existing.get();
                metrics.retain(jobs);
                retainJobs.accept(jobs);
            } catch (RuntimeException e) {
                LOG.debug("job list not ready", e);
            }
        }
    }

    /** A running worker pod: its job, shard, identity (uid, or name) and metrics address. */
    record Target(ResourceID job, int shard, String pod, URI metrics) {}

    /** Running worker pods with an address and a shard index, from the informer's cache. */
    static List<Target> targets(Collection<Pod> pods) {
        List<Target> out = new ArrayList<>();
        for (Pod pod : pods) {
            Map<String, String> labels = pod.getMetadata().getLabels();
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            if (labels == null
                    || !RewriteJobNames.ROLE_WORK.equals(labels.get(RewriteJobNames.ROLE_LABEL))
                    || labels.get(RewriteJobNames.JOB_LABEL) == null
                    || pod.getMetadata().getDeletionTimestamp() != null
                    || pod.getStatus() == null
                    || !"Running".equals(pod.getStatus().getPhase())
                    || pod.getStatus().getPodIP() == null
                    || annotations == null
                    || annotations.get(RewriteJobNames.COMPLETION_INDEX) == null) {
                continue;
            }
            int shard;
            try {
                shard = Integer.parseInt(annotations.get(RewriteJobNames.COMPLETION_INDEX));
            } catch (NumberFormatException e) {
                continue;
            }
            String ip = pod.getStatus().getPodIP();
            URI uri = URI.create("http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port(pod) + "/metrics");
            out.add(new Target(
                    new ResourceID(
                            labels.get(RewriteJobNames.JOB_LABEL),
                            pod.getMetadata().getNamespace()),
                    shard,
                    pod.getMetadata().getUid() != null
                            ? pod.getMetadata().getUid()
                            : pod.getMetadata().getName(),
                    uri));
        }
        return out;
    }

    static int port(Pod pod) {
        if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
            for (Container c : pod.getSpec().getContainers()) {
                if (c.getPorts() == null) {
                    continue;
                }
                for (ContainerPort p : c.getPorts()) {
                    if (PORT_NAME.equals(p.getName()) && p.getContainerPort() != null) {
                        return p.getContainerPort();
                    }
                }
            }
        }
        return DEFAULT_PORT;
    }

    /** The answers of this round, by pod. */
    private Map<Target, ShardProgress> scrape(List<Target> targets) throws InterruptedException {
        Duration timeout = config.progress().scrapeTimeout();
        HttpClient client = client(timeout);
        Semaphore slots = new Semaphore(Math.max(1, config.progress().maxConcurrentScrapes()));
        List<CompletableFuture<Void>> all = new ArrayList<>(targets.size());
        Map<Target, ShardProgress> answers = new HashMap<>();
        AtomicBoolean closed = new AtomicBoolean();
        for (Target target : targets) {
            slots.acquire();
            HttpRequest request = HttpRequest.newBuilder(target.metrics())
                    .timeout(timeout)
                    .GET()
                    .build();
            all.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenAccept(response -> {
                        if (response.statusCode() != 200) {
                            return;
                        }
                        ShardProgress p = WorkerMetricsText.parse(target.shard(), response.body());
                        synchronized (answers) {
                            if (closed.get()) {
                                return; // answered after the round ended: the next round reads it again
                            }
                            answers.put(target, p);
                        }
                    })
                    .exceptionally(e -> null)
                    .whenComplete((v, e) -> slots.release()));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // every request has its own timeout; what has not answered by now is left out of this round
        }
        synchronized (answers) {
            closed.set(true);
            return new HashMap<>(answers);
        }
    }

    private HttpClient client(Duration timeout) {
        HttpClient c = http;
        if (c == null) {
            c = HttpClient.newBuilder()
                    .connectTimeout(timeout)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
            http = c;
        }
        return c;
    }
}
