package io.palimpsest.operator.cluster;

import io.palimpsest.sim.ModelSimServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How full each model replica's batch was over time: every {@code every}, each running simulator's
 * {@code vllm:num_requests_running} read from its own /metrics (as a scraper reads a vLLM pod), kept
 * per pod as a step function. What a campaign's replica-seconds bought is then split into seconds
 * with the batch full and seconds with it part-empty.
 */
final class BatchUse implements AutoCloseable {

    private final ModelSimProgram models;
    private final Duration every;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    private final Map<String, NavigableMap<Instant, Integer>> running = new ConcurrentHashMap<>();
    private final Map<String, NavigableMap<Instant, Integer>> waiting = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stop;

    private BatchUse(ModelSimProgram models, Duration every) {
        this.models = models;
        this.every = every;
        this.thread = new Thread(this::loop, "batch-use");
        this.thread.setDaemon(true);
    }

    static BatchUse follow(ModelSimProgram models, Duration every) {
        BatchUse b = new BatchUse(models, every);
        b.thread.start();
        return b;
    }

    private void loop() {
        while (!stop) {
            for (Map.Entry<String, ModelSimServer> e : models.servers().entrySet()) {
                int[] queue = queueOf(e.getValue());
                if (queue != null) {
                    Instant now = Instant.now();
                    put(running, e.getKey(), now, queue[0]);
                    put(waiting, e.getKey(), now, queue[1]);
                }
            }
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException ex) {
                return;
            }
        }
    }

    private static void put(Map<String, NavigableMap<Instant, Integer>> to, String pod, Instant at, int value) {
        NavigableMap<Instant, Integer> series = to.computeIfAbsent(pod, k -> new TreeMap<>());
        synchronized (series) {
            series.put(at, value);
        }
    }

    /** The replica's running and waiting counts, or null while it refuses connections (loading) or does not answer. */
    private int[] queueOf(ModelSimServer server) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics"))
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            double[] sum = {-1, -1};
            for (String line : r.body().split("\n")) {
                int which = line.startsWith("vllm:num_requests_running")
                        ? 0
                        : line.startsWith("vllm:num_requests_waiting") ? 1 : -1;
                if (which >= 0) {
                    sum[which] =
                            Math.max(0, sum[which]) + Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum[0] < 0 || sum[1] < 0 ? null : new int[] {(int) sum[0], (int) sum[1]};
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
            return null;
        }
    }

    /**
     * The last reading at which any replica had a request waiting: from then on every request is
     * running, none is left to take a slot that frees, and the batches only empty (the campaign's end).
     */
    Instant lastWaiting() {
        Instant last = Instant.EPOCH;
        for (NavigableMap<Instant, Integer> series : waiting.values()) {
            synchronized (series) {
                for (Map.Entry<Instant, Integer> e : series.descendingMap().entrySet()) {
                    if (e.getValue() > 0) {
                        last = e.getKey().isAfter(last) ? e.getKey() : last;
                        break;
                    }
                }
            }
        }
        return last;
    }

    /**
     * Seconds of {@code [from, to)} during which pod {@code pod} ran at least {@code full} sequences,
     * and the sequence-seconds it ran in that span; before its first reading the pod counts as
     * running nothing (it was loading or had no request yet).
     */
    Use use(String pod, Instant from, Instant to, int full) {
        NavigableMap<Instant, Integer> series = running.getOrDefault(pod, new TreeMap<>());
        List<Map.Entry<Instant, Integer>> points;
        Map.Entry<Instant, Integer> before;
        synchronized (series) {
            before = series.floorEntry(from);
            points = List.copyOf(series.subMap(from, false, to, false).entrySet());
        }
        double fullSeconds = 0;
        double sequenceSeconds = 0;
        Instant at = from;
        int level = before == null ? 0 : before.getValue();
        for (Map.Entry<Instant, Integer> p : points) {
            double span = Scenario.seconds(at, p.getKey());
            fullSeconds += level >= full ? span : 0;
            sequenceSeconds += level * span;
            at = p.getKey();
            level = p.getValue();
        }
        double span = to.isAfter(at) ? Scenario.seconds(at, to) : 0;
        fullSeconds += level >= full ? span : 0;
        sequenceSeconds += level * span;
        return new Use(fullSeconds, sequenceSeconds);
    }

    /** The first reading of pod {@code pod} with at least {@code n} running, or null. */
    Instant firstAtLeast(String pod, int n) {
        NavigableMap<Instant, Integer> series = running.getOrDefault(pod, new TreeMap<>());
        synchronized (series) {
            return series.entrySet().stream()
                    .filter(e -> e.getValue() >= n)
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse(null);
        }
    }

    /**
     * Per pod, over its readings: how many, mean running, share of readings with the batch full
     * ({@code full}), mean waiting and share with requests waiting. A replica with a queue while
     * another has free slots shows requests unevenly spread (connections stay on the replica they
     * first reached).
     */
    String coverage(int full) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(running).forEach((pod, series) -> {
            List<Integer> r;
            List<Integer> w;
            synchronized (series) {
                r = List.copyOf(series.values());
            }
            NavigableMap<Instant, Integer> q = waiting.getOrDefault(pod, new TreeMap<>());
            synchronized (q) {
                w = List.copyOf(q.values());
            }
            out.append(String.format(
                    "%s %d readings: running mean %.0f, full %.2f, waiting mean %.1f, some waiting %.2f; ",
                    pod.substring(pod.lastIndexOf('-') + 1),
                    r.size(),
                    r.stream().mapToInt(Integer::intValue).average().orElse(0),
                    r.stream().filter(n -> n >= full).count() / (double) Math.max(1, r.size()),
                    w.stream().mapToInt(Integer::intValue).average().orElse(0),
                    w.stream().filter(n -> n > 0).count() / (double) Math.max(1, w.size())));
        });
        return out.toString();
    }

    /**
     * Per {@code bucket} from {@code from}: each replica's mean running and mean waiting over its readings
     * in that span ({@code running+waiting}, replicas by name), and their total running: where in the run
     * the part-empty seconds fall.
     */
    String timeline(Instant from, Duration bucket) {
        Map<String, NavigableMap<Instant, Integer>> r = new TreeMap<>(running);
        Instant end = r.values().stream()
                .map(s -> {
                    synchronized (s) {
                        return s.isEmpty() ? from : s.lastKey();
                    }
                })
                .max(Instant::compareTo)
                .orElse(from);
        StringBuilder out = new StringBuilder();
        for (Instant at = from; at.isBefore(end); at = at.plus(bucket)) {
            Instant to = at.plus(bucket);
            StringBuilder row = new StringBuilder();
            double total = 0;
            for (Map.Entry<String, NavigableMap<Instant, Integer>> e : r.entrySet()) {
                double run = meanOf(e.getValue(), at, to);
                double wait = meanOf(waiting.getOrDefault(e.getKey(), new TreeMap<>()), at, to);
                if (!Double.isNaN(run)) {
                    total += run;
                    row.append(String.format(" %.0f+%.0f", run, wait));
                } else {
                    row.append(" -");
                }
            }
            out.append(String.format("%n  %4.0fs %4.0f |%s", Scenario.seconds(from, at), total, row));
        }
        return out.toString();
    }

    private static double meanOf(NavigableMap<Instant, Integer> series, Instant from, Instant to) {
        synchronized (series) {
            return series.subMap(from, true, to, false).values().stream()
                    .mapToInt(Integer::intValue)
                    .average()
                    .orElse(Double.NaN);
        }
    }

    record Use(double fullSeconds, double sequenceSeconds) {}

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(5000);
    }
}
