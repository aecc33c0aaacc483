package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConnectionUseTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void perRequestClosesEveryConnectionAndKeptSendsTheRequestAsItIs() {
        var request = HttpRequest.newBuilder(URI.create("http://model:8000/v1/completions"))
                .build();
        assertEquals(
                List.of("close"),
                ConnectionUse.PER_REQUEST.apply(request).headers().allValues("Connection"));
        assertSame(request, ConnectionUse.KEPT.apply(request));
    }

    @Test
    void theClosingRequestCarriesTheHeaderAndTheRest() {
        var request = HttpRequest.newBuilder(URI.create("http://model:8000/v1/completions"))
                .header("Authorization", "Bearer k")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        var closing = ConnectionUse.closing(request);
        assertEquals(List.of("close"), closing.headers().allValues("Connection"));
        assertEquals(List.of("Bearer k"), closing.headers().allValues("Authorization"));
        assertEquals(request.uri(), closing.uri());
        assertEquals("POST", closing.method());
    }

    /**
     * Behind a Service that balances connections (round robin here), a replica added while the
     * client is busy gets its share of requests only from connections opened after it joined: with a
     * connection per request, about half at once; with kept connections, only what the client's pool
     * happens to open beyond its first ones.
     */
    @Test
    void requestsReachAReplicaAddedAfterTheClientConnected() throws Exception {
        double without;
        try (ModelSimServer first = sim();
                ModelSimServer second = sim();
                RoundRobinProxy service = new RoundRobinProxy(first.port())) {
            without = shareOfTheAddedReplica(service, first, second, ConnectionUse.KEPT);
        }
        try (ModelSimServer first = sim();
                ModelSimServer second = sim();
                RoundRobinProxy service = new RoundRobinProxy(first.port())) {
            double with = shareOfTheAddedReplica(service, first, second, ConnectionUse.PER_REQUEST);
            // round robin per request: half; kept connections reach it only as the pool happens to open new ones
            // (0.22 and 0.40 seen), so the kept share is the contrast printed, not a bound
            assertTrue(
                    with >= 0.4 && with <= 0.6,
                    "with a connection per request the added replica served " + with
                            + " of the last second's requests (kept: " + without + ")");
        }
    }

    /** The added replica's share of the requests answered in the last of the 3 s after it joined the Service. */
    private double shareOfTheAddedReplica(
            RoundRobinProxy service, ModelSimServer first, ModelSimServer second, ConnectionUse use) throws Exception {
        ClientSettings settings = ClientSettings.builder(URI.create("http://127.0.0.1:" + service.port()))
                .initialConcurrency(8)
                .concurrencyCap(8)
                .requestTimeout(Duration.ofSeconds(5))
                .maxOutage(Duration.ofSeconds(30))
                .connectionUse(use)
                .build();
        try (ModelClient client = new ModelClient(settings, json)) {
            BusyLanes.keepBusy(client, json, 8, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            service.add(second.port());
            BusyLanes.keepBusy(client, json, 8, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            int firstBefore = first.requestLog().completions().size();
            int secondBefore = second.requestLog().completions().size();
            BusyLanes.keepBusy(client, json, 8, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            double toFirst = first.requestLog().completions().size() - firstBefore;
            double toSecond = second.requestLog().completions().size() - secondBefore;
            System.out.printf(
                    "connections %s: the added replica served %.0f of %.0f requests in the last second%n",
                    use, toSecond, toFirst + toSecond);
            return toSecond / Math.max(1, toFirst + toSecond);
        }
    }

    private static ModelSimServer sim() {
        return ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .decodeStepBaseSeconds(0.005)
                        .decodeStepPerSeqSeconds(0)
                        .prefillSecondsPerToken(0)
                        .build(),
                "127.0.0.1",
                0);
    }

    /** A Service's proxy: each accepted connection is spliced to the next backend, round robin. */
    private static final class RoundRobinProxy implements AutoCloseable {
        final ServerSocket server;
        final List<Integer> backends = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        final List<Socket> open = new CopyOnWriteArrayList<>();

        RoundRobinProxy(int firstBackend) throws IOException {
            backends.add(firstBackend);
            server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "service-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        void add(int backend) {
            backends.add(backend);
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    accepted.incrementAndGet();
                    Socket backend = new Socket(
                            InetAddress.getLoopbackAddress(),
                            backends.get(Math.floorMod(next.getAndIncrement(), backends.size())));
                    open.add(client);
                    open.add(backend);
                    pump(client, backend);
                    pump(backend, client);
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private static void pump(Socket from, Socket to) {
            Thread t = new Thread(
                    () -> {
                        try (InputStream in = from.getInputStream();
                                OutputStream out = to.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // one side closed
                        } finally {
                            try {
                                to.close();
                                from.close();
                            } catch (IOException ignored) {
                                // already closed
                            }
                        }
                    },
                    "service-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
