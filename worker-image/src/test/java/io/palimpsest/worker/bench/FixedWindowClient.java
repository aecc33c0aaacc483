package io.palimpsest.worker.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comparison client: what datatrove's inference runner does against vLLM. A fixed number of
 * requests in flight (500 by default there), each with a deadline; a request that fails or expires
 * is sent again after a short pause, and no signal from the server changes the window.
 */
final class FixedWindowClient implements AutoCloseable {
    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");

    final LongAdder completions = new LongAdder();
    final LongAdder completionTokens = new LongAdder();
    final LongAdder expiries = new LongAdder();
    final LongAdder errors = new LongAdder();

    private final URI chatUrl;
    private final int window;
    private final Duration deadline;
    private final LongFunction<String> bodies;
    private final ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fixed-window-http");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(threads)
            .build();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong nextDocument;

    /** @param bodies the JSON request of document {@code n} */
    FixedWindowClient(String baseUrl, int window, Duration deadline, long firstDocument, LongFunction<String> bodies) {
        this.chatUrl = URI.create(baseUrl + "/v1/chat/completions");
        this.window = window;
        this.deadline = deadline;
        this.bodies = bodies;
        this.nextDocument = new AtomicLong(firstDocument);
    }

    void start() {
        for (int i = 0; i < window; i++) {
            send(nextDocument.getAndIncrement());
        }
    }

    private void send(long document) {
        if (stopped.get()) {
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(chatUrl)
                .timeout(deadline)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(bodies.apply(document)))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            if (error == null && response.statusCode() == 200) {
                Matcher m = COMPLETION_TOKENS.matcher(response.body());
                completions.increment();
                completionTokens.add(m.find() ? Long.parseLong(m.group(1)) : 0);
                send(nextDocument.getAndIncrement());
                return;
            }
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof HttpTimeoutException) {
                expiries.increment();
            } else {
                errors.increment();
            }
            // the same document again, after a pause as datatrove's retry does
            CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> send(document));
        });
    }

    @Override
    public void close() {
        stopped.set(true);
        threads.shutdownNow();
    }
}
