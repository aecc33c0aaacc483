package io.palimpsest.worker.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Placement by queue over real HTTP: model simulators on loopback addresses of their own (one port,
 * as pods behind a headless Service), a name that resolves to them, and the client placing requests.
 */
class ReplicaPlacementTest {

    private final ObjectMapper json = new ObjectMapper();
    private final List<String> listed = new CopyOnWriteArrayList<>();

    private InetAddress[] resolve(String host) throws UnknownHostException {
        if (listed.isEmpty()) {
            throw new UnknownHostException(host);
        }
        List<InetAddress> out = new ArrayList<>();
        for (String ip : listed) {
            out.add(InetAddress.getByName(ip));
        }
        return out.toArray(InetAddress[]::new);
    }

    /**
     * One replica holds a queue of 36 behind its batch of 4 when the client starts (each of them
     * generates for minutes, so the queue stays however slow the machine): a Service would give it a
     * third of the new requests, where they wait behind the queue; placed by queue, it gets almost none
     * until the queue is gone.
     */
    @Test
    void aReplicaWithAQueueGetsFewOfTheNewRequests() throws Exception {
        int port = freePort("127.0.0.31");
        try (ModelSimServer queued = sim("127.0.0.31", port, 1.0);
                ModelSimServer a = sim("127.0.0.32", port);
                ModelSimServer b = sim("127.0.0.33", port)) {
            listed.addAll(List.of("127.0.0.31", "127.0.0.32", "127.0.0.33"));
            List<CompletableFuture<HttpResponse<String>>> backlog = new ArrayList<>();
            HttpClient plain = HttpClient.newHttpClient();
            for (int i = 0; i < 40; i++) {
                backlog.add(plain.sendAsync(
                        HttpRequest.newBuilder(URI.create(queued.baseUrl() + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(
                                        BusyLanes.chat(json, "backlog " + i + " " + "word ".repeat(200), 200))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> queued.requestLog().completions().size() == 40);
            int before = 40;
            try (ModelClient client = new ModelClient(settings(port), json, this::resolve)) {
                // the queued replica's page has been read, however late a loaded machine scrapes it (a fixed pause
                // could place the first requests before the client knew of the queue)
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> client.replicaLoads().values().stream().anyMatch(load -> load >= 30));
                BusyLanes.send(client, json, 8, 120);
                double toQueued = queued.requestLog().completions().size() - before;
                double total = toQueued
                        + a.requestLog().completions().size()
                        + b.requestLog().completions().size();
                System.out.printf(
                        "placement by queue: the queued replica got %.0f of %.0f new requests (loads %s)%n",
                        toQueued, total, client.replicaLoads());
                assertTrue(
                        toQueued / total < 0.1,
                        "the queued replica got " + toQueued + " of " + total + " (a third behind a Service)");
                assertEquals(120, total, "each new request placed once");
                assertEquals(
                        0, client.stats().retriesByReason.size(), "nothing retried: " + client.stats().retriesByReason);
            }
            backlog.forEach(f -> f.cancel(true));
        }
    }

    /**
     * A replica that goes away while still listed (removed from the fleet, DNS not updated yet): the
     * requests it refuses are placed again on the other, none fails, and the model is not taken for
     * down (no outage retries, which would close the gate after a run of them).
     */
    @Test
    void aReplicaThatGoesAwayWhileListedCostsNoRequest() throws Exception {
        int port = freePort("127.0.0.41");
        try (ModelSimServer stays = sim("127.0.0.41", port)) {
            ModelSimServer leaves = sim("127.0.0.42", port);
            listed.addAll(List.of("127.0.0.41", "127.0.0.42"));
            try (ModelClient client = new ModelClient(settings(port), json, this::resolve)) {
                BusyLanes.send(client, json, 8, 40);
                leaves.drain(Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                leaves.close();
                // the two replicas' loads tie or the gone one's is the lower as soon as 8 are in flight on the
                // other: it is picked within a few requests
                BusyLanes.send(client, json, 8, 80);
                var retries = client.stats().retriesByReason;
                System.out.println("a replica gone while listed: retries " + retries);
                assertTrue(retries.containsKey("replica_gone"), "the gone replica was met: " + retries);
                assertTrue(
                        !retries.containsKey("connection") && !retries.containsKey("http_503"),
                        "no outage counted: " + retries);
            }
        }
    }

    /** With nothing listed (no replica ready yet, or no such name) requests go to the endpoint itself. */
    @Test
    void withNoReplicaListedRequestsGoThroughTheEndpoint() throws Exception {
        int port = freePort("127.0.0.51");
        try (ModelSimServer service = sim("127.0.0.51", port)) {
            ClientSettings settings = settings(port);
            try (ModelClient client = new ModelClient(settings, json, this::resolve)) {
                BusyLanes.send(client, json, 4, 20);
            }
            assertEquals(20, service.requestLog().completions().size());
        }
    }

    private ClientSettings settings(int port) {
        return ClientSettings.builder(URI.create("http://127.0.0.51:" + port))
                .initialConcurrency(8)
                .concurrencyCap(8)
                .requestTimeout(Duration.ofSeconds(10))
                .maxOutage(Duration.ofSeconds(30))
                .metricsPeriod(Duration.ofMillis(100))
                .replicas(Optional.of(URI.create("http://replicas.test.svc:" + port)))
                .build();
    }

    private static int freePort(String host) throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return probe.getLocalPort();
        }
    }

    private static ModelSimServer sim(String host, int port) {
        return sim(host, port, 0.01);
    }

    /** A replica taking {@code stepSeconds} a decode step. */
    private static ModelSimServer sim(String host, int port, double stepSeconds) {
        return ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .maxNumSeqs(4)
                        .decodeStepBaseSeconds(stepSeconds)
                        .decodeStepPerSeqSeconds(0)
                        .prefillSecondsPerToken(0)
                        .build(),
                host,
                port);
    }
}
