package io.palimpsest.worker.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * An OpenAI-compatible gateway in front of a model server (model-sim), as real ones differ from vLLM: one without
 * {@code /health} or {@code /v1/models} (404 there, completions passed on), or one that answers {@code /v1/models}
 * itself with a list of its own, without asking for a key (as some list their routes publicly), and passes the rest
 * on. Requests are passed on with their method, body and {@code Authorization}.
 */
public final class ModelGateway implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI upstream;
    /** Null: no model list and no health check here. */
    private final List<String> listed;

    /** The paths this gateway answered 404 itself. */
    public final Set<String> notFound = ConcurrentHashMap.newKeySet();

    /** A gateway that has neither {@code /health} nor {@code /v1/models}. */
    public static ModelGateway withoutModelList(String upstream) throws IOException {
        return new ModelGateway(URI.create(upstream), null);
    }

    /** A gateway whose {@code /v1/models} lists {@code names}, whatever its upstream serves. */
    public static ModelGateway listing(String upstream, List<String> names) throws IOException {
        return new ModelGateway(URI.create(upstream), List.copyOf(names));
    }

    private ModelGateway(URI upstream, List<String> listed) throws IOException {
        this.upstream = upstream;
        this.listed = listed;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        SaysItCloses.on(server.createContext("/", this::handle));
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] sent = exchange.getRequestBody().readAllBytes();
        if (path.equals("/v1/models") && listed != null) {
            answer(
                    exchange,
                    200,
                    ("{\"object\":\"list\",\"data\":["
                                    + listed.stream()
                                            .map(id -> "{\"id\":\"" + id + "\",\"object\":\"model\"}")
                                            .collect(Collectors.joining(","))
                                    + "]}")
                            .getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (listed == null && (path.equals("/v1/models") || path.equals("/health"))) {
            notFound.add(path);
            answer(exchange, 404, "<html><body>no such route</body></html>".getBytes(StandardCharsets.UTF_8));
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(sent));
        for (String header : List.of("Authorization", "Content-Type")) {
            String value = exchange.getRequestHeaders().getFirst(header);
            if (value != null) {
                request.header(header, value);
            }
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            answer(exchange, response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer(exchange, 502, new byte[0]);
        } catch (IOException e) {
            answer(exchange, 502, new byte[0]);
        }
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    /** The gateway's base URL. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
