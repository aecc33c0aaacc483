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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A model server (vLLM behind uvicorn, whose keep-alive timeout is 5 s, or a gateway) that closes a connection just
 * as a POST is sent over it: it reads the request and closes without a byte of answer. The JDK's client sends a POST
 * only once ("HTTP/1.1 header parser received no bytes"); the worker's client sends it again like any failed
 * connection, counts it as one, and the document gets its answer: no refusal, no reject, no gate closed.
 */
class UnansweredRequestsTest {

    private final ObjectMapper json = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(ConnectionUse.class)
    void aRequestWhoseConnectionClosesUnansweredIsSentAgainAndAnswered(ConnectionUse use) throws Exception {
        List<String> gateWarnings = new CopyOnWriteArrayList<>();
        Handler gateLog = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    gateWarnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger(EndpointGate.class.getName()).addHandler(gateLog);
        int calls = 12;
        try (EverySecondRequestUnanswered server = new EverySecondRequestUnanswered();
                ModelClient client = new ModelClient(
                        ClientSettings.builder(URI.create(server.url()))
                                .connectionUse(use)
                                .requestTimeout(Duration.ofSeconds(10))
                                .backoffBase(Duration.ofMillis(20))
                                .backoffCap(Duration.ofMillis(100))
                                .build(),
                        json)) {
            // one after another, so that every call but the first meets one connection closed unanswered
            for (int i = 0; i < calls; i++) {
                assertEquals(
                        "answer " + i,
                        client.chat(body("answer " + i))
                                .get(30, TimeUnit.SECONDS)
                                .text());
            }

            assertEquals(2 * calls - 1, server.requests.get(), "every call but the first was sent twice");
            assertEquals(calls - 1, server.unanswered.get());
            if (use == ConnectionUse.KEPT) {
                assertTrue(
                        server.closedAfterAnAnswer.get() > 0,
                        "a kept connection that had served a request was closed as the next came over it");
            }
            ClientStats stats = client.stats();
            assertEquals(calls, stats.successes.sum());
            assertEquals(Map.of("connection", (long) (calls - 1)), sums(stats.retriesByReason));
            assertEquals(Map.of(), sums(stats.refusedByStatus), "no refusal");
            assertTrue(client.refusal().isEmpty());
            assertEquals(List.of(), gateWarnings, "a connection that fails once between answers closes no gate");
        } finally {
            Logger.getLogger(EndpointGate.class.getName()).removeHandler(gateLog);
        }
    }

    private static Map<String, Long> sums(Map<String, java.util.concurrent.atomic.LongAdder> counts) {
        return counts.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue()
                .sum()));
    }

    private ObjectNode body(String text) {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }

    /**
     * An HTTP/1.1 server that keeps connections alive and, of the POSTs it reads (in order, over all connections),
     * answers the first of each pair with a chat completion echoing the prompt, and closes the connection after
     * reading the second, cleanly (FIN) and without a byte of answer. A kept connection that served a POST is
     * thus closed as the next POST arrives over it, as a server does whose keep-alive timeout ran out just then.
     */
    private static final class EverySecondRequestUnanswered implements AutoCloseable {

        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger unanswered = new AtomicInteger();
        /** Connections closed unanswered after they had carried an answer (kept connections). */
        final AtomicInteger closedAfterAnAnswer = new AtomicInteger();

        EverySecondRequestUnanswered() throws IOException {
            Thread acceptor = new Thread(this::accept, "every-second-unanswered");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url() {
            return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    Thread serving = new Thread(() -> serve(connection), "every-second-unanswered-conn");
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
                boolean answeredHere = false;
                while (true) {
                    Request request = Request.read(in);
                    if (request == null) {
                        return; // the client closed it
                    }
                    if (request.method().equals("POST") && requests.incrementAndGet() % 2 == 0) {
                        unanswered.incrementAndGet();
                        if (answeredHere) {
                            closedAfterAnAnswer.incrementAndGet();
                        }
                        connection.shutdownOutput(); // FIN: no answer, no reset
                        in.readAllBytes();
                        return;
                    }
                    String text = request.method().equals("POST")
                            ? new ObjectMapper()
                                    .readTree(request.body())
                                    .path("messages")
                                    .path(0)
                                    .path("content")
                                    .asText()
                            : "";
                    byte[] answer = ("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
                                    + new ObjectMapper().writeValueAsString(text)
                                    + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
                                    + "\"completion_tokens\":2}}")
                            .getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                    + answer.length + "\r\n" + (request.closing() ? "Connection: close\r\n" : "")
                                    + "\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(answer);
                    out.flush();
                    answeredHere = true;
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
            int b;
            while (matched < 4) {
                b = in.read();
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
