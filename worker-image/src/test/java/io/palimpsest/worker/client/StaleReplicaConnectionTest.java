package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Requests placed on a model's replicas over kept-alive connections, which a replica closes when they idle (uvicorn,
 * in front of vLLM, after 5 s): a POST sent over one just as it closes fails before a byte of answer. Real HTTP
 * servers on loopback addresses of their own (one port, as pods behind a headless Service), which close such a
 * connection after reading the request, without a byte of answer, as the race leaves it.
 */
class StaleReplicaConnectionTest {

    private static final String A = "127.0.0.61";
    private static final String B = "127.0.0.62";

    private final ObjectMapper json = new ObjectMapper();

    /**
     * Each replica closes the first kept connection the client reuses for a POST: the request is sent again to the
     * same replica on a new connection and answered there, where the replica was set aside for 5 s and the request
     * placed on the other ({@code replica_gone}), though nothing was wrong with it. Each request is answered, and
     * counted as answered, once.
     */
    @Test
    void aKeptConnectionTheReplicaClosesAsARequestGoesOutIsSentAgainToTheSameReplica() throws Exception {
        int port = freePort(A);
        int calls = 8;
        try (Replica a = new Replica(A, port, Behaviour.CLOSES_THE_FIRST_REUSED_CONNECTION);
                Replica b = new Replica(B, port, Behaviour.CLOSES_THE_FIRST_REUSED_CONNECTION);
                ModelClient client = new ModelClient(settings(port), json, StaleReplicaConnectionTest::bothListed)) {
            // one after another: of 8 requests on 2 replicas, one replica gets a second one, over its kept connection
            for (int i = 0; i < calls; i++) {
                assertEquals(
                        "answer " + i,
                        client.chat(body("answer " + i))
                                .get(30, TimeUnit.SECONDS)
                                .text());
            }

            int closed = a.unanswered().size() + b.unanswered().size();
            assertTrue(closed >= 1, "a kept connection was reused and closed: " + a.log + " " + b.log);
            for (Replica replica : List.of(a, b)) {
                for (String text : replica.unanswered()) {
                    assertEquals(
                            List.of(new Served(text, true, true)),
                            replica.answered().stream()
                                    .filter(s -> s.text().equals(text))
                                    .toList(),
                            "the replica that closed the connection answered it on a new one that asked to close: "
                                    + replica.log);
                }
            }
            assertEquals(
                    calls,
                    a.answered().size() + b.answered().size(),
                    "every request answered once: " + a.log + " " + b.log);
            ClientStats stats = client.stats();
            assertEquals(
                    Map.of("stale_connection", (long) closed), sums(stats.retriesByReason), "no replica set aside");
            assertEquals(calls, stats.successes.sum(), "each counted answered once");
            assertEquals(calls + closed, stats.attempts.sum());
            assertTrue(client.refusal().isEmpty());
        }
    }

    /**
     * A replica that closes the new connection unanswered as well: the second failure sets it aside as every such
     * failure did, and the request goes to the other replica. The replica got the request twice, never a third time.
     */
    @Test
    void aSecondFailureOnTheNewConnectionSetsTheReplicaAside() throws Exception {
        int port = freePort(A);
        try (Replica a = new Replica(A, port, Behaviour.CLOSES_EVERY_CONNECTION);
                Replica b = new Replica(B, port, Behaviour.ANSWERS);
                ModelClient client = new ModelClient(settings(port), json, StaleReplicaConnectionTest::bothListed)) {
            int calls = 0;
            while (a.log.isEmpty() && calls < 40) {
                assertEquals(
                        "answer " + calls,
                        client.chat(body("answer " + calls))
                                .get(30, TimeUnit.SECONDS)
                                .text());
                calls++;
            }

            assertEquals(2, a.log.size(), "the first request placed on it, sent twice: " + a.log);
            assertEquals(a.log.get(0).text(), a.log.get(1).text());
            assertTrue(a.log.get(1).askedToClose(), "the second time on a new connection that asked to close");
            assertEquals(List.of(), a.answered());
            assertEquals(calls, b.answered().size(), "the other replica answered every request: " + b.log);
            assertEquals(
                    Map.of("stale_connection", 1L, "replica_gone", 1L),
                    sums(client.stats().retriesByReason),
                    "set aside after the second failure, as before");
        }
    }

    /**
     * An answer that breaks off after its first bytes (part of the status line) may have been taken from the
     * server: the request is not sent to that replica again, which is set aside as before.
     */
    @Test
    void anAnswerCutAfterItsFirstBytesIsNotSentAgain() throws Exception {
        int port = freePort(A);
        try (Replica a = new Replica(A, port, Behaviour.CUTS_ITS_STATUS_LINE);
                Replica b = new Replica(B, port, Behaviour.ANSWERS);
                ModelClient client = new ModelClient(settings(port), json, StaleReplicaConnectionTest::bothListed)) {
            int calls = 0;
            while (a.log.isEmpty() && calls < 40) {
                assertEquals(
                        "answer " + calls,
                        client.chat(body("answer " + calls))
                                .get(30, TimeUnit.SECONDS)
                                .text());
                calls++;
            }

            assertEquals(1, a.log.size(), "sent to it once: " + a.log);
            assertEquals(calls, b.answered().size());
            assertEquals(Map.of("replica_gone", 1L), sums(client.stats().retriesByReason));
        }
    }

    private static InetAddress[] bothListed(String host) throws UnknownHostException {
        return new InetAddress[] {InetAddress.getByName(A), InetAddress.getByName(B)};
    }

    private static ClientSettings settings(int port) {
        return ClientSettings.builder(URI.create("http://" + A + ":" + port))
                .initialConcurrency(4)
                .concurrencyCap(4)
                .requestTimeout(Duration.ofSeconds(10))
                .backoffBase(Duration.ofMillis(20))
                .backoffCap(Duration.ofMillis(100))
                .maxOutage(Duration.ofSeconds(30))
                .metricsPeriod(Duration.ofHours(1))
                .replicas(Optional.of(URI.create("http://replicas.test.svc:" + port)))
                .build();
    }

    private ObjectNode body(String text) {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }

    private static Map<String, Long> sums(Map<String, LongAdder> counts) {
        return counts.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum()));
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return probe.getLocalPort();
        }
    }

    private enum Behaviour {
        /** Answers every request and keeps its connections. */
        ANSWERS,
        /** Closes, unanswered, the first connection a POST comes over after it carried a request; answers the rest. */
        CLOSES_THE_FIRST_REUSED_CONNECTION,
        /** Closes every connection a POST comes over, unanswered. */
        CLOSES_EVERY_CONNECTION,
        /** Writes the first bytes of an answer's status line to a POST and closes the connection. */
        CUTS_ITS_STATUS_LINE
    }

    /**
     * A POST as the replica met it: its prompt, whether it answered it, and whether it was the first request over its
     * connection and asked to close it.
     */
    private record Served(String text, boolean answered, boolean firstOnItsConnection, boolean askedToClose) {
        Served(String text, boolean firstOnItsConnection, boolean askedToClose) {
            this(text, true, firstOnItsConnection, askedToClose);
        }
    }

    /** An HTTP/1.1 model replica on its own address that keeps connections alive unless asked to close them. */
    private static final class Replica implements AutoCloseable {
        private final ServerSocket server;
        private final Behaviour behaviour;
        private final AtomicBoolean closedOne = new AtomicBoolean();
        final List<Served> log = new CopyOnWriteArrayList<>();

        Replica(String host, int port, Behaviour behaviour) throws IOException {
            this.server = new ServerSocket(port, 50, InetAddress.getByName(host));
            this.behaviour = behaviour;
            Thread acceptor = new Thread(this::accept, "replica-" + host);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        List<String> unanswered() {
            return log.stream().filter(s -> !s.answered()).map(Served::text).toList();
        }

        List<Served> answered() {
            return log.stream()
                    .filter(Served::answered)
                    .map(s -> new Served(s.text(), s.firstOnItsConnection(), s.askedToClose()))
                    .toList();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    Thread serving = new Thread(() -> serve(connection), "replica-conn");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection) {
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream();
                int carried = 0;
                while (true) {
                    Request request = Request.read(in);
                    if (request == null) {
                        return; // the client closed it
                    }
                    boolean first = carried++ == 0;
                    if (!request.method().equals("POST")) {
                        answer(out, "vllm:num_requests_waiting 0\nvllm:num_requests_running 0\n", request.closing());
                        continue;
                    }
                    String text = new ObjectMapper()
                            .readTree(request.body())
                            .path("messages")
                            .path(0)
                            .path("content")
                            .asText();
                    boolean unanswered =
                            switch (behaviour) {
                                case ANSWERS -> false;
                                case CLOSES_THE_FIRST_REUSED_CONNECTION ->
                                    !first && closedOne.compareAndSet(false, true);
                                case CLOSES_EVERY_CONNECTION -> true;
                                case CUTS_ITS_STATUS_LINE -> {
                                    out.write("HTTP/1.1 20".getBytes(StandardCharsets.ISO_8859_1));
                                    out.flush();
                                    yield true;
                                }
                            };
                    if (unanswered) {
                        log.add(new Served(text, false, first, request.closing()));
                        connection.shutdownOutput(); // FIN, after reading the request: what the client meets
                        in.readAllBytes();
                        return;
                    }
                    log.add(new Served(text, true, first, request.closing()));
                    answer(
                            out,
                            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
                                    + new ObjectMapper().writeValueAsString(text)
                                    + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
                                    + "\"completion_tokens\":2}}",
                            request.closing());
                    if (request.closing()) {
                        connection.shutdownOutput();
                        in.readAllBytes();
                        return;
                    }
                }
            } catch (IOException clientWentAway) {
                // the client closed a connection it no longer needed
            }
        }

        private static void answer(OutputStream out, String text, boolean closing) throws IOException {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                            + (closing ? "Connection: close\r\n" : "") + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** One request as read off a connection: its method, whether it asked to close the connection, its body. */
    private record Request(String method, boolean closing, byte[] body) {

        /** The next request on {@code in}, or null when the client closed the connection. */
        static Request read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            int length = 0;
            boolean closing = false;
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i].toLowerCase(Locale.ROOT);
                if (line.startsWith("content-length:")) {
                    length = Integer.parseInt(
                            line.substring("content-length:".length()).trim());
                } else if (line.startsWith("connection:")) {
                    closing = line.contains("close");
                }
            }
            return new Request(lines[0].split(" ")[0], closing, in.readNBytes(length));
        }
    }
}
