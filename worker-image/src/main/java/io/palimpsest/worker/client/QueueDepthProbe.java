package io.palimpsest.worker.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Samples the server's queue from its Prometheus endpoint ({@code vllm:num_requests_waiting},
 * {@code vllm:num_requests_running}, summed over label sets), its KV cache usage and its preemptions,
 * and feeds them to the concurrency control. When /metrics is missing the samples simply stop and the
 * control falls back to latency; a server without the KV series is steered by its queue alone.
 *
 * <p>Behind a Service each connection reaches one replica, so one scrape sees one replica while our
 * requests spread over all of them: a limit steered by whichever replica the scrape reached grows on
 * an idle one and piles queues past the deadline on the busy ones. So each round sends
 * {@link #SCRAPES_PER_ROUND} scrapes, each on a connection of its own that is closed after the reply
 * (so the Service places every scrape anew), replicas are told apart by
 * {@code process_start_time_seconds} (which vLLM's Prometheus client exports; a page without it
 * counts as one replica), and the control gets the sum over every replica seen in the last
 * {@link #REMEMBERED_ROUNDS} rounds: the fleet's queue as our requests meet it, or for a large fleet
 * a random part of it, whose ratio of waiting to running is what the control steers by. The scrapes
 * per round do not grow with the fleet: a worker's /metrics traffic stays a few pages a second
 * however many replicas there are and however many workers share them (an earlier probe sent twice
 * as many scrapes as replicas every half second, which with 100 workers on 4 replicas was 20 pages
 * rendered and parsed for every completion). Preemption counters are differenced per replica. A page
 * is read once, when it arrives ({@link EnginePage}), and the fleet view keeps what was read.
 *
 * <p>When the model's replicas are listed by name ({@link ReplicaRouter}), the round's scrapes go to
 * the replicas whose page is oldest, each at its own address, and each page also tells the router
 * that replica's load; the pages are folded into the fleet view as above.
 */
public final class QueueDepthProbe implements AutoCloseable {

    private final HttpClient http;
    private final URI metrics;
    private final AdaptiveConcurrency concurrency;
    private final ScheduledFuture<?> task;
    private final PreemptionCounter preemptions = new PreemptionCounter();
    static final int SCRAPES_PER_ROUND = 2;
    /** Rounds a replica's page stays in the fleet view after it was scraped (under the control's 5 s freshness). */
    static final int REMEMBERED_ROUNDS = 4;

    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(2);
    private final RecentPages recent;
    /** When set, the replicas are scraped one by one at their own addresses, and their pages place requests too. */
    private final ReplicaRouter router;
    /** Held while a round runs: close() waits on it so that no scrape is still connecting afterwards. */
    private final ReentrantLock round = new ReentrantLock();

    private volatile boolean closed;

    /** @param router places requests by the replicas' pages; null when the Service places them */
    public QueueDepthProbe(
            HttpClient http,
            URI baseUrl,
            AdaptiveConcurrency concurrency,
            ScheduledExecutorService scheduler,
            Duration period,
            ReplicaRouter router) {
        this.http = http;
        this.router = router;
        this.metrics = ModelUrls.at(baseUrl, "/metrics");
        this.concurrency = concurrency;
        this.recent = new RecentPages(period.multipliedBy(REMEMBERED_ROUNDS).toNanos());
        this.task = scheduler.scheduleWithFixedDelay(this::sample, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sample() {
        round.lock();
        try {
            if (!closed) {
                sampleRound();
            }
        } finally {
            round.unlock();
        }
    }

    private void sampleRound() {
        List<ReplicaRouter.Replica> direct = List.of();
        if (router != null) {
            router.refresh();
            direct = router.toScrape(SCRAPES_PER_ROUND);
        }
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        if (direct.isEmpty()) {
            HttpRequest request = ConnectionUse.closing(HttpRequest.newBuilder(metrics)
                    .timeout(SCRAPE_TIMEOUT)
                    .GET()
                    .build());
            for (int i = 0; i < SCRAPES_PER_ROUND; i++) {
                pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
        } else {
            // a replica's own address reaches that replica: its connection may stay open
            for (ReplicaRouter.Replica replica : direct) {
                HttpRequest request = HttpRequest.newBuilder(replica.base().resolve("/metrics"))
                        .timeout(SCRAPE_TIMEOUT)
                        .GET()
                        .build();
                pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
        }
        List<EnginePage> pages = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            CompletableFuture<HttpResponse<String>> f = pending.get(i);
            ReplicaRouter.Replica replica = direct.isEmpty() ? null : direct.get(i);
            try {
                HttpResponse<String> response = f.get(SCRAPE_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
                if (response.statusCode() == 200) {
                    EnginePage page = EnginePage.parse(response.body());
                    pages.add(page);
                    if (replica != null) {
                        router.onPage(replica, page.waiting(), page.running());
                    }
                }
            } catch (ExecutionException | TimeoutException | RuntimeException unreachable) {
                f.cancel(true); // no page from this one; latency-based control covers a round with none
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                if (replica != null) {
                    router.scraped(replica);
                }
            }
        }
        FleetSample fleet = FleetSample.of(recent.update(pages, System.nanoTime()), preemptions);
        if (fleet != null && !pages.isEmpty()) {
            concurrency.onEngineSample(
                    fleet.shortestQueue(), fleet.running(), fleet.kvUsage(), fleet.newPreemptions(), fleet.replicas());
        }
    }

    /**
     * The latest page of each replica scraped within {@code keepNanos}: what a round adds replaces its
     * replica's older page; replicas not reached since are forgotten (scaled down, or simply missed
     * long enough that their page no longer says how they are now).
     */
    static final class RecentPages {
        private final long keepNanos;
        private final Map<String, EnginePage> pages = new LinkedHashMap<>();
        private final Map<String, Long> seenAt = new LinkedHashMap<>();

        RecentPages(long keepNanos) {
            this.keepNanos = keepNanos;
        }

        /** Adds a round's pages seen at {@code now} and returns every remembered page, one per replica. */
        List<EnginePage> update(List<EnginePage> round, long now) {
            for (EnginePage page : round) {
                String replica = page.replica();
                pages.put(replica, page);
                seenAt.put(replica, now);
            }
            seenAt.entrySet().removeIf(e -> {
                boolean old = now - e.getValue() > keepNanos;
                if (old) {
                    pages.remove(e.getKey());
                }
                return old;
            });
            return new ArrayList<>(pages.values());
        }
    }

    /**
     * One round of scrapes folded into the fleet as far as they reached: waiting and running summed
     * over the distinct replicas, their mean KV usage (NaN when none reports it), their new
     * preemptions summed (NaN when none is known yet).
     *
     * <p>{@code shortestQueue} is the queue the control steers by: the requests beyond a full batch at
     * the replica that has fewest of them, counted for each replica (0 while any replica has a free
     * slot). A full batch is the most any replica with a queue runs (a replica that queues runs all it
     * can). Requests are placed one by one, by the replicas' queues ({@link ReplicaRouter}) or by the
     * Service ({@link ConnectionUse#PER_REQUEST}), so a queue left on one replica drains by itself,
     * and steering by the fleet's total would hold the other replicas part-empty meanwhile.
     */
    record FleetSample(double running, double kvUsage, double newPreemptions, int replicas, double shortestQueue) {

        /** Null when no page had the queue gauges. */
        static FleetSample of(List<EnginePage> pages, PreemptionCounter preemptions) {
            Map<String, EnginePage> byReplica = new LinkedHashMap<>();
            for (EnginePage page : pages) {
                if (page.hasQueue()) {
                    byReplica.putIfAbsent(page.replica(), page);
                }
            }
            if (byReplica.isEmpty()) {
                return null;
            }
            boolean anyWaiting = false;
            double running = 0;
            double kvSum = 0;
            int kvReplicas = 0;
            double newPreemptions = Double.NaN;
            double fullBatch = 0;
            double fewestInSystem = Double.MAX_VALUE;
            for (EnginePage page : byReplica.values()) {
                double queued = page.waiting();
                double runs = page.running();
                anyWaiting |= queued > 0;
                running += runs;
                if (queued > 0) {
                    fullBatch = Math.max(fullBatch, runs);
                }
                fewestInSystem = Math.min(fewestInSystem, queued + runs);
                double kv = page.kvUsage();
                if (!Double.isNaN(kv)) {
                    kvSum += kv;
                    kvReplicas++;
                }
                double fresh = preemptions.newSince(page);
                if (!Double.isNaN(fresh)) {
                    newPreemptions = (Double.isNaN(newPreemptions) ? 0 : newPreemptions) + fresh;
                }
            }
            double shortest = !anyWaiting ? 0 : Math.max(0, fewestInSystem - fullBatch) * byReplica.size();
            return new FleetSample(
                    running,
                    kvReplicas == 0 ? Double.NaN : kvSum / kvReplicas,
                    newPreemptions,
                    byReplica.size(),
                    shortest);
        }
    }

    /**
     * Stops the rounds and waits (up to one scrape's timeout) for the one under way to end, so that
     * none of its requests is still connecting to the server once this returns: the caller may stop
     * the server next (an in-process simulator), and a connection it accepts while closing is
     * reported by its HTTP server as a failure.
     */
    @Override
    public void close() {
        closed = true;
        task.cancel(false);
        try {
            if (round.tryLock(SCRAPE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                round.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
