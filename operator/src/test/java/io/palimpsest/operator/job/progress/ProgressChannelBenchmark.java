package io.palimpsest.operator.job.progress;

import com.sun.management.OperatingSystemMXBean;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.metrics.JobMetrics;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * The live-progress channel's cost at 1,000 running worker pods: one round of the real scraper
 * (informer-cache pods -> bounded parallel HTTP GET /metrics -> parse -> {@link LiveProgress}) and
 * the part of each reconcile it adds (summing a job's 1,000 readings). The pods are 1,000 targets
 * on one local HTTP server answering a worker's full metrics page (histogram buckets included), so
 * the process CPU figure includes serving the pages: an upper bound on the operator's share.
 * Heap: what {@link LiveProgress} holds for 1,000 running shards, measured over 100 such jobs.
 *
 * <pre>
 * mvn -o -q -pl operator test-compile
 * mvn -o -q -pl operator exec:exec -Dexec.classpathScope=test -Dexec.executable=java \
 *   -Dexec.args="-Xmx512m -cp %classpath io.palimpsest.operator.job.progress.ProgressChannelBenchmark"
 * </pre>
 */
public final class ProgressChannelBenchmark {
    static final int PODS = 1_000;
    static final int ROUNDS = 12;
    static final int JOBS_FOR_HEAP = 100;

    public static void main(String[] args) throws Exception {
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = ManagementFactory.getThreadMXBean();
        System.out.printf(
                "java %s, %d cores, load average %.1f, max heap %d MiB%n",
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                os.getSystemLoadAverage(),
                Runtime.getRuntime().maxMemory() >> 20);
        byte[] page = workerPage().getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/metrics", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            try (var out = exchange.getResponseBody()) {
                out.write(page);
            }
        });
        server.start();
        int port = server.getAddress().getPort();
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < PODS; i++) {
            pods.add(pod("campaign", i, port));
        }
        LiveProgress live = new LiveProgress();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerProgressScraper scraper = new WorkerProgressScraper(
                live, TestConfig.progress(true, 15, 2, 32), new JobMetrics(registry, Clock.systemUTC()));
        scraper.watch(() -> pods, () -> Set.of(new ResourceID("campaign", "corpus")));

        long[] wall = new long[ROUNDS];
        long[] cpu = new long[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            scraper.round();
            wall[r] = System.nanoTime() - t0;
            cpu[r] = os.getProcessCpuTime() - c0;
            if (scraper.lastRound().answered() != PODS) {
                throw new IllegalStateException("round " + r + ": " + scraper.lastRound());
            }
        }
        server.stop(0);
        // the first rounds open connections and warm the JIT: report the steady ones
        long[] w = Arrays.copyOfRange(wall, 2, ROUNDS);
        long[] c = Arrays.copyOfRange(cpu, 2, ROUNDS);
        Arrays.sort(w);
        Arrays.sort(c);
        System.out.printf(
                "scrape round, %d pods, %d requests in flight at most, page %d bytes: wall p50 %.0f ms, max %.0f ms; "
                        + "process CPU (scraper + the local server) p50 %.0f ms, max %.0f ms%n",
                PODS,
                32,
                page.length,
                w[w.length / 2] / 1e6,
                w[w.length - 1] / 1e6,
                c[c.length / 2] / 1e6,
                c[c.length - 1] / 1e6);
        System.out.printf(
                "  at the default period of 15 s: %.1f%% of one core at most%n", c[c.length - 1] / 1e6 / 15_000 * 100);

        // What each reconcile adds: summing the job's readings.
        Map<Integer, ShardProgress> readings = live.of(new ResourceID("campaign", "corpus"));
        RangeSet counted = RangeSet.parse("100000-199999");
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += InProgressTotals.of(readings, counted, RangeSet.empty(), RangeSet.empty())
                    .documents();
        }
        long t0 = threads.getCurrentThreadCpuTime();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            sink += InProgressTotals.of(readings, counted, RangeSet.empty(), RangeSet.empty())
                    .documents();
        }
        double perReconcileUs = (threads.getCurrentThreadCpuTime() - t0) / 1e3 / n;
        System.out.printf(
                "per reconcile: summing %d readings %.1f us thread CPU (sink %d)%n",
                readings.size(), perReconcileUs, sink % 7);

        // Heap: 100 jobs of 1,000 running shards each.
        System.gc();
        long before = usedHeap();
        LiveProgress many = new LiveProgress();
        for (int j = 0; j < JOBS_FOR_HEAP; j++) {
            Map<Integer, ShardProgress> m = new HashMap<>();
            for (int s = 0; s < PODS; s++) {
                int shard = j * 100_000 + s;
                m.put(
                        shard,
                        new ShardProgress(
                                shard, 1_000_000L + s, 1000, 100, 700_000_000L, 650_000_000L, 1L << 30, 1L << 31));
            }
            many.replace(new ResourceID("job-" + j, "corpus"), m);
        }
        System.gc();
        long after = usedHeap();
        System.out.printf(
                "heap: LiveProgress holds %.1f KiB per 1,000 running shards (%.1f MiB for %d jobs x %d)%n",
                (after - before) / 1024.0 / JOBS_FOR_HEAP, (after - before) / 1048576.0, JOBS_FOR_HEAP, PODS);
        if (many.jobs().size() != JOBS_FOR_HEAP) {
            throw new IllegalStateException();
        }
        System.exit(0);
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static Pod pod(String job, int shard, int port) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(job + "-work-" + shard)
                .withNamespace("corpus")
                .addToLabels(RewriteJobNames.JOB_LABEL, job)
                .addToLabels(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_WORK)
                .addToAnnotations(RewriteJobNames.COMPLETION_INDEX, Integer.toString(shard))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("palimpsest")
                .addNewPort()
                .withName(WorkerProgressScraper.PORT_NAME)
                .withContainerPort(port)
                .endPort()
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("127.0.0.1")
                .endStatus()
                .build();
    }

    /** A worker's page as its Prometheus client writes it mid-shard: every family, 13 latency buckets, 6 reasons, 4 causes. */
    static String workerPage() {
        StringBuilder b = new StringBuilder();
        b.append("# HELP palimpsest_concurrency_limit The adaptive limit on model requests in flight.\n")
                .append("# TYPE palimpsest_concurrency_limit gauge\npalimpsest_concurrency_limit 64.0\n");
        b.append(
                        "# HELP palimpsest_documents_not_written_total Documents rejected or skipped, by outcome and reason.\n")
                .append("# TYPE palimpsest_documents_not_written_total counter\n");
        for (String r : List.of(
                "malformed_json", "truncated", "empty_output", "model_rejected", "wrong_language", "too_short")) {
            b.append("palimpsest_documents_not_written_total{outcome=\"rejected\",reason=\"")
                    .append(r)
                    .append("\"} 17.0\n");
        }
        b.append("# HELP palimpsest_documents_total Documents this worker finished (not yet committed), by outcome.\n")
                .append("# TYPE palimpsest_documents_total counter\n")
                .append("palimpsest_documents_total{outcome=\"rejected\"} 102.0\n")
                .append("palimpsest_documents_total{outcome=\"skipped\"} 4.0\n")
                .append("palimpsest_documents_total{outcome=\"written\"} 48213.0\n");
        b.append("# TYPE palimpsest_input_read_bytes_total counter\npalimpsest_input_read_bytes_total 1.23456789E8\n");
        b.append("# TYPE palimpsest_request_attempts_total counter\npalimpsest_request_attempts_total 48400.0\n");
        b.append("# HELP palimpsest_request_duration_seconds Latency of successful model requests.\n")
                .append("# TYPE palimpsest_request_duration_seconds histogram\n");
        long cumulative = 0;
        for (String le : List.of(
                "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "20.0", "30.0", "60.0", "120.0", "300.0", "600.0",
                "+Inf")) {
            cumulative += 3700;
            b.append("palimpsest_request_duration_seconds_bucket{le=\"")
                    .append(le)
                    .append("\"} ")
                    .append(cumulative)
                    .append('\n');
        }
        b.append("palimpsest_request_duration_seconds_count ")
                .append(cumulative)
                .append('\n')
                .append("palimpsest_request_duration_seconds_sum 812345.25\n");
        b.append("# TYPE palimpsest_request_retries_total counter\n");
        for (String c : List.of("timeout", "connection", "http_503", "bad_response")) {
            b.append("palimpsest_request_retries_total{cause=\"").append(c).append("\"} 3.0\n");
        }
        b.append("# TYPE palimpsest_requests_in_flight gauge\npalimpsest_requests_in_flight 61.0\n");
        b.append("# TYPE palimpsest_shard_input_bytes gauge\npalimpsest_shard_input_bytes 2.68435456E8\n");
        b.append("# TYPE palimpsest_shard_progress_ratio gauge\npalimpsest_shard_progress_ratio 0.4597\n");
        b.append("# TYPE palimpsest_tokens_total counter\npalimpsest_tokens_total{kind=\"completion\"} 3.1338E7\n")
                .append("palimpsest_tokens_total{kind=\"prompt\"} 3.3749E7\n");
        return b.toString();
    }
}
