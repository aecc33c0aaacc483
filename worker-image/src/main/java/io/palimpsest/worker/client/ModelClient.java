package io.palimpsest.worker.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible client on {@code java.net.http}: asynchronous (thousands of requests in
 * flight on a handful of threads), in the JDK (no Netty/Vert.x in the worker image), HTTP/1.1. Each
 * request goes to the replica with the shorter queue when the model's replicas are listed by name
 * ({@link ReplicaRouter}), else on a connection of its own so that a Service places it on a ready
 * replica ({@link ConnectionUse}). One attempt = wait for the {@link EndpointGate}, take a permit from
 * {@link AdaptiveConcurrency}, send with a deadline; retryable failures are tried again after a
 * {@link Backoff}, up to {@code maxAttempts} per request. What a status means is {@link StatusPolicy}'s:
 * an outage (refused connection, 429, 502-504) closes the gate after a run of them, and a failure
 * the closed gate explains is not charged to the request's retries, so an outage is waited out up to
 * {@code maxOutage} rather than turned into failed documents. A refusal that is the same for every
 * document (401, 403, 404, ...) fails this and every later call with {@link ModelConfigException}.
 */
public final class ModelClient implements AutoCloseable {

    private final ClientSettings settings;
    private final ObjectMapper json;
    private final HttpClient http;
    /**
     * Sends a placed request again on a new connection after its kept one was closed unanswered
     * ({@link StaleConnection}): each such send asks its connection to close after the answer, so none waits in this
     * client's pool to go stale in turn.
     */
    private final HttpClient freshHttp;

    private final ExecutorService httpThreads;
    private final ScheduledExecutorService scheduler;
    private final AdaptiveConcurrency concurrency;
    private final EndpointGate gate;
    private final QueueDepthProbe probe;
    private final Backoff backoff;
    private final ConnectionUse connectionUse;
    /** Places requests on replicas by their queues, when the settings name an address listing them; else null. */
    private final ReplicaRouter router;

    private final RepeatedRefusal repeatedRefusal = new RepeatedRefusal(REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT);
    /** Set once the server refused the job's requests as a whole; every later call fails with it at once. */
    private volatile ModelConfigException refusedForAll;

    private final ClientStats stats = new ClientStats();

    /** The API key as sent (without surrounding whitespace), when the settings carry one. */
    private final Optional<String> apiKey;

    /** Identical per-document refusals in a row, before any success, that show a setting is wrong (see {@link RepeatedRefusal}). */
    static final int REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT = 8;

    public ModelClient(ClientSettings settings, ObjectMapper json) {
        this(settings, json, InetAddress::getAllByName);
    }

    /** @param resolver how {@code settings.replicas()}'s host is resolved to the replicas' addresses */
    ModelClient(ClientSettings settings, ObjectMapper json, ReplicaRouter.Resolver resolver) {
        ConnectionUse.allowConnectionHeader(); // takes effect if no HTTP client was built in this JVM yet
        settings.connectionUse().requireAllowed();
        this.settings = settings;
        this.json = json;
        this.apiKey = settings.apiKey().map(String::strip).filter(key -> !key.isEmpty());
        this.refusedForAll = apiKey.flatMap(ModelClient::unsendable).orElse(null);
        // Java 17's HttpClient cannot be closed; owning its executor lets close() release the threads
        this.httpThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "model-client-http");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(httpThreads)
                .build();
        // a pool of its own, which the kept connections to the replicas never enter
        this.freshHttp = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(httpThreads)
                .build();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "model-client-timer");
            t.setDaemon(true);
            return t;
        });
        this.concurrency =
                new AdaptiveConcurrency(settings.initialConcurrency(), settings.concurrencyCap(), System::nanoTime);
        this.gate = new EndpointGate(
                http,
                settings.baseUrl(),
                scheduler,
                settings.gateThreshold(),
                settings.probeEvery(),
                settings.maxOutage(),
                System::nanoTime);
        this.router = settings.replicas()
                .map(base -> new ReplicaRouter(base, resolver, System::nanoTime, bound -> ThreadLocalRandom.current()
                        .nextInt(bound)))
                .orElse(null);
        if (router != null) {
            router.refresh(); // the first requests are placed too, not only those after the probe's first round
        }
        this.probe =
                new QueueDepthProbe(http, settings.baseUrl(), concurrency, scheduler, settings.metricsPeriod(), router);
        this.backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), () -> ThreadLocalRandom.current()
                .nextDouble());
        this.connectionUse = settings.connectionUse();
    }

    /**
     * Why {@code key} cannot be sent as a bearer token, if it cannot: a character other than visible
     * ASCII (a line break or other control character inside it, a space, a non-ASCII letter). The
     * message says where and what, never the key: the JDK's own refusal of such a header quotes it.
     */
    static Optional<ModelConfigException> unsendable(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return Optional.of(new ModelConfigException(
                        0,
                        "the model's API key cannot be sent: its character " + (i + 1) + " of " + key.length()
                                + " is "
                                + (c == ' ' ? "a space" : c < 0x20 || c == 0x7f ? "a control character" : "not ASCII")
                                + String.format(" (U+%04X)", (int) c)
                                + ", which an HTTP header cannot carry (the key is not shown): check the Secret"
                                + " named by the RewriterModel's spec.endpoint.apiKeySecretRef (locally: "
                                + JobResolver.MODEL_API_KEY_ENV + ")",
                        List.of(StatusPolicy.API_KEY)));
            }
        }
        return Optional.empty();
    }

    /** The job-wide refusal that stopped this client, if one did. */
    public Optional<ModelConfigException> refusal() {
        return Optional.ofNullable(refusedForAll);
    }

    public ClientStats stats() {
        return stats;
    }

    /** Each replica's load as this client estimates it, by address; empty when the Service places requests. */
    Map<String, Double> replicaLoads() {
        return router == null ? Map.of() : router.loads();
    }

    public AdaptiveConcurrency concurrency() {
        return concurrency;
    }

    /** POST /v1/chat/completions; the reply text is the first choice's message content. */
    public CompletableFuture<ModelReply> chat(ObjectNode body) {
        return chat(body, Map.of());
    }

    /**
     * POST /v1/chat/completions, naming where the request's settings come from.
     *
     * @param setBy the manifest field that set each of the request's parameters ({@code max_tokens} to
     *              {@code spec.recipe.prompts[0].sampling.maxTokens}): a refusal the same for every document whose
     *              words name one of them is placed at that field
     */
    public CompletableFuture<ModelReply> chat(ObjectNode body, Map<String, ManifestField> setBy) {
        return call("/v1/chat/completions", body, chatCompletion, setBy);
    }

    /** POST /v1/completions (raw prompt); the reply text is the first choice's text. */
    public CompletableFuture<ModelReply> complete(ObjectNode body) {
        return complete(body, Map.of());
    }

    /** POST /v1/completions, naming where the request's settings come from, as {@link #chat(ObjectNode, Map)}. */
    public CompletableFuture<ModelReply> complete(ObjectNode body, Map<String, ManifestField> setBy) {
        return call("/v1/completions", body, rawCompletion, setBy);
    }

    /**
     * POST /tokenize (vLLM's), for a recipe with {@code tokenizer.mode: server}: the number of tokens
     * the server's own tokenizer makes of {@code body}'s prompt. Sent like a model call (the same API
     * key, the same gate, retries, outage limit and refusal rules) but without a concurrency permit and
     * not placed by the replicas' queues: a count is not a generation and says nothing about the
     * server's load. Its attempts and failures are counted apart ({@link ClientStats#counts}). An
     * answer that would be the same for every document (401, 403, 404 no /tokenize here or an unknown
     * model, 400) fails this and every later call with {@link ModelConfigException}, naming the
     * endpoint and {@code tokenizer.mode}, and placed at the recipe's {@code tokenizer.mode} (the setting
     * that asks for /tokenize) unless it is about the model's name or key.
     */
    public CompletableFuture<Integer> tokenize(ObjectNode body) {
        return call("/tokenize", body, tokenCount, Map.of());
    }

    /**
     * What differs between the kinds of call; sending, the gate, retries, the reading of a status and
     * the refusal rules are the same for all ({@link #call}, {@link #send}, {@link #interpret}).
     *
     * @param generates    a generation: holds a concurrency permit while in flight and goes to the replica
     *                     with the shortest queue
     * @param figures      the figures this kind of call feeds
     * @param reader       the answer of a 200; a failure is thrown as a {@link CompletionException}
     * @param hint         what to check when the server refuses this kind of call whatever the document
     * @param fields       the manifest fields such a refusal is about, the first one a file writes named with its line
     * @param repeatedHint the same as hint, when a per-document refusal came for documents in a row
     *                     ({@link RepeatedRefusal})
     */
    private record Kind<T>(
            boolean generates,
            ClientStats.Requests figures,
            Reader<T> reader,
            Answered<String> hint,
            Answered<List<ManifestField>> fields,
            Repeated repeatedHint) {}

    private interface Reader<T> {
        T read(HttpRequest request, HttpResponse<byte[]> response, long nanos);
    }

    /** What a refusal says, from its status and the server's words. */
    private interface Answered<T> {
        T of(int status, String body);
    }

    /** What a refusal repeated for documents in a row says, from the server's words and the request's settings. */
    private interface Repeated {
        String of(int status, String body, Map<String, ManifestField> setBy);
    }

    private final Kind<ModelReply> chatCompletion = new Kind<>(
            true,
            stats.completions,
            (request, response, nanos) -> completion(response, true, nanos),
            StatusPolicy::hint,
            StatusPolicy::fields,
            ModelClient::repeatedHint);
    private final Kind<ModelReply> rawCompletion = new Kind<>(
            true,
            stats.completions,
            (request, response, nanos) -> completion(response, false, nanos),
            StatusPolicy::hint,
            StatusPolicy::fields,
            ModelClient::repeatedHint);
    private final Kind<Integer> tokenCount = new Kind<>(
            false,
            stats.counts,
            (request, response, nanos) -> count(request, response),
            ModelClient::countHint,
            ModelClient::countFields,
            (status, body, setBy) -> countHint(status, body));

    /** A completion's reply text, finish reason and usage (the caller takes it as a success of its settings). */
    private ModelReply completion(HttpResponse<byte[]> response, boolean chat, long nanos) {
        ModelReply reply;
        try {
            reply = parse(response.body(), chat);
        } catch (IOException | RuntimeException e) {
            concurrency.release(AdaptiveConcurrency.Signal.FAILURE, 0);
            stats.retry("bad_response");
            throw new CompletionException(
                    new RetryableStatusException(200, Optional.empty(), "unreadable completion: " + e.getMessage()));
        }
        concurrency.release(AdaptiveConcurrency.Signal.SUCCESS, nanos / (double) Math.max(1, reply.completionTokens()));
        stats.successes.increment();
        stats.completionTokens.add(reply.completionTokens());
        stats.promptTokens.add(reply.promptTokens());
        stats.latency(nanos);
        return reply;
    }

    /** The count or the tokens of vLLM's /tokenize answer; an answer without either is the same for every count. */
    private int count(HttpRequest request, HttpResponse<byte[]> response) {
        try {
            var reply = json.readTree(response.body());
            // (a count answered says nothing of the model calls' settings: RepeatedRefusal counts each request's apart)
            if (reply != null
                    && (reply.path("count").isInt() || reply.path("tokens").isArray())) {
                stats.counts.answered.increment();
                return reply.path("count").isInt()
                        ? reply.get("count").asInt()
                        : reply.get("tokens").size();
            }
            throw new IOException("neither count nor tokens in the reply");
        } catch (IOException e) {
            throw new CompletionException(refuseAll(
                    200,
                    request,
                    snippet(redact(new String(response.body(), StandardCharsets.UTF_8))),
                    "its /tokenize answer holds no count or tokens (" + e.getMessage() + "): it is not vLLM's"
                            + " /tokenize; set tokenizer.mode: estimate",
                    List.of(TOKENIZER_MODE)));
        }
    }

    private static String repeatedHint(int status, String body, Map<String, ManifestField> setBy) {
        return "the same refusal came for " + REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT
                + " documents in a row and no request succeeded, so it is not about one document: "
                + namedSetting(body, setBy)
                        .map(setting -> "the server's words name " + setting.getKey() + ", which "
                                + setting.getValue().path() + " sets: check it against the model (its context"
                                + " length, the values it accepts)")
                        .orElseGet(() -> StatusPolicy.hint(400, body)
                                + (setBy.isEmpty()
                                        ? ""
                                        : " (the recipe's settings this request sent: "
                                                + String.join(
                                                        ", ",
                                                        setBy.entrySet().stream()
                                                                .map(e -> e.getValue()
                                                                                .path() + " as " + e.getKey())
                                                                .toList())
                                                + "; or the model's context length, if every first document is"
                                                + " too long for it)"));
    }

    /**
     * The request parameter a refusal names, with the manifest field that set it: the error's {@code param} when
     * the server gives one, else the first parameter of the request its message names as a word
     * ({@code 'max_tokens' or 'max_completion_tokens' is too large}); empty when it names none this request set.
     */
    private static final ObjectMapper ERRORS = new ObjectMapper();

    static Optional<Map.Entry<String, ManifestField>> namedSetting(String body, Map<String, ManifestField> setBy) {
        if (setBy.isEmpty()) {
            return Optional.empty();
        }
        String param = "";
        try {
            var error = ERRORS.readTree(body).path("error");
            param = error.path("param").asText("");
        } catch (IOException e) {
            // not JSON: its words alone
        }
        if (setBy.containsKey(param)) {
            return Optional.of(Map.entry(param, setBy.get(param)));
        }
        return setBy.entrySet().stream()
                .filter(setting -> Pattern.compile("(?<![A-Za-z_])" + Pattern.quote(setting.getKey()) + "(?![A-Za-z_])")
                        .matcher(body)
                        .find())
                .findFirst();
    }

    /** Tells the concurrency limit how an attempt ended, when its kind holds a permit. */
    private void release(Kind<?> kind, AdaptiveConcurrency.Signal signal) {
        if (kind.generates()) {
            concurrency.release(signal, 0);
        }
    }

    private <T> CompletableFuture<T> call(
            String path, ObjectNode body, Kind<T> kind, Map<String, ManifestField> setBy) {
        ModelConfigException refused = refusedForAll;
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(ModelUrls.at(settings.baseUrl(), path))
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        HttpRequest request = builder.build();
        CompletableFuture<T> result = new CompletableFuture<>();
        tryOnce(request, new Sent(settingsOf(path, body), setBy), kind, 0, result);
        return result;
    }

    /**
     * What a request was sent with besides its document: its settings, as {@link RepeatedRefusal} counts them apart,
     * and the manifest field that set each of them.
     */
    private record Sent(String settings, Map<String, ManifestField> setBy) {}

    /** The request's path and body without its document (the messages or prompt): what every document's shares. */
    private static String settingsOf(String path, ObjectNode body) {
        ObjectNode settings = body.deepCopy();
        settings.remove("messages");
        settings.remove("prompt");
        return path + " " + settings;
    }

    /**
     * One attempt, then another after a backoff while the failure is retryable and the request has
     * retries left. {@code charged} counts the failures charged to this request: a failure of the
     * outage kind that the gate closed for (or was closed at) is the server's outage, not this
     * request's, and the gate's own limit bounds how long it is waited for.
     */
    private <T> void tryOnce(HttpRequest request, Sent setBy, Kind<T> kind, int charged, CompletableFuture<T> result) {
        long[] sentAt = {Long.MAX_VALUE};
        attempt(request, setBy, kind, sentAt).whenComplete((reply, error) -> {
            if (error == null) {
                result.complete(reply);
                return;
            }
            Throwable cause = unwrap(error);
            if (cause instanceof ReplicaRefusedException) {
                // another replica is there to take it: placed again at once, nothing charged
                tryOnce(request, setBy, kind, charged, result);
                return;
            }
            if (!retryable(cause)) {
                result.completeExceptionally(cause);
                return;
            }
            boolean outage = cause instanceof RetryableStatusException status
                    ? status.outage()
                    : !(cause instanceof HttpTimeoutException) || cause instanceof HttpConnectTimeoutException;
            int spent = outage && gate.explains(sentAt[0]) ? charged : charged + 1;
            if (spent >= settings.maxAttempts()) {
                result.completeExceptionally(cause);
                return;
            }
            Optional<Duration> retryAfter =
                    cause instanceof RetryableStatusException status ? status.retryAfter() : Optional.empty();
            long waitMillis = backoff.delay(Math.max(1, spent), retryAfter).toMillis();
            try {
                scheduler.schedule(
                        () -> tryOnce(request, setBy, kind, spent, result), waitMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                result.completeExceptionally(cause);
            }
        });
    }

    /** One try of a request: waits for the gate (and a concurrency permit, for a generation), sends, reads the answer. */
    private <T> CompletionStage<T> attempt(HttpRequest request, Sent setBy, Kind<T> kind, long[] sentAt) {
        ModelConfigException refused = refusedForAll;
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<Void> ready = gate.whenOpen();
        if (kind.generates()) {
            ready = ready.thenCompose(open -> concurrency.acquire());
        }
        return ready.thenCompose(permit -> {
            sentAt[0] = System.nanoTime();
            return send(request, setBy, kind);
        });
    }

    /** The setting that asks the model server for counts: a count's refusal not about the model's name or key is its. */
    static final ManifestField TOKENIZER_MODE = ManifestField.job("spec.recipe.tokenizer.mode");

    /** The fields a count's refusal whatever the document is about: the model's name or key, else tokenizer.mode. */
    static List<ManifestField> countFields(int status, String body) {
        return switch (status) {
            case 401, 403, 407 -> StatusPolicy.fields(status, body);
            case 404 -> StatusPolicy.namesTheModel(body) ? StatusPolicy.MODEL_NAME : List.of(TOKENIZER_MODE);
            default -> List.of(TOKENIZER_MODE);
        };
    }

    /** What to check when the server refuses a count whatever the document. */
    static String countHint(int status, String body) {
        String why =
                switch (status) {
                    case 401, 403, 407 -> StatusPolicy.hint(status, body);
                    case 404 ->
                        StatusPolicy.namesTheModel(body)
                                ? StatusPolicy.hint(status, body)
                                : "this server has no /tokenize (vLLM serves it; a gateway or another engine may not),"
                                        + " or the endpoint URL carries a path it does not serve";
                    case 405, 501 ->
                        "this server has no /tokenize (vLLM serves it; a gateway or another engine may not)";
                    default ->
                        "a count request holds only the model name and the text, so the same answer would come"
                                + " for every document: check the RewriterModel's servedModelName";
                };
        return why + "; the recipe's tokenizer.mode: server asks this endpoint for exact token counts,"
                + " tokenizer.mode: estimate counts locally instead";
    }

    private <T> CompletionStage<T> send(HttpRequest request, Sent setBy, Kind<T> kind) {
        ReplicaRouter.Replica replica =
                router == null || !kind.generates() ? null : router.pick().orElse(null);
        return send(request, setBy, kind, replica, false);
    }

    /**
     * One send of a try, on {@code replica} when it was placed on one. A placed request whose kept connection the
     * replica closed before a byte of answer ({@link StaleConnection}) is sent once more to the same replica on a new
     * connection, within the same try: its permit and its place in the replica's count are kept, nothing is charged and
     * no outage recorded, and only a failure of that send sets the replica aside (or counts, as before).
     *
     * @param fresh whether this is that second send, on a connection of {@link #freshHttp}
     */
    private <T> CompletionStage<T> send(
            HttpRequest request, Sent setBy, Kind<T> kind, ReplicaRouter.Replica replica, boolean fresh) {
        long start = System.nanoTime();
        ClientStats.Requests figures = kind.figures();
        figures.attempts.increment();
        HttpRequest sent = replica == null ? connectionUse.apply(request) : replica.place(request);
        AnswerBegun answer = new AnswerBegun();
        HttpClient client = fresh ? freshHttp : http;
        return client.sendAsync(fresh ? ConnectionUse.closingWhereAllowed(sent) : sent, answer)
                .<CompletionStage<T>>handle((response, error) -> {
                    if (error != null
                            && replica != null
                            && !fresh
                            && StaleConnection.met(unwrap(error), answer.begun)) {
                        // the replica closed a kept connection as the request went out: nothing was answered, so
                        // nothing of it can have been taken; sent again at once, where it was placed
                        figures.retry("stale_connection");
                        return send(request, setBy, kind, replica, true);
                    }
                    if (replica != null) {
                        replica.done();
                    }
                    if (error != null) {
                        Throwable cause = unwrap(error);
                        release(kind, AdaptiveConcurrency.Signal.FAILURE);
                        if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                            figures.retry("timeout");
                        } else if (replica != null && router.refused(replica)) {
                            figures.retry("replica_gone");
                            throw new CompletionException(new ReplicaRefusedException(replica + ": " + cause));
                        } else {
                            figures.retry("connection");
                            gate.recordOutage(String.valueOf(cause), Optional.empty());
                        }
                        throw new CompletionException(cause);
                    }
                    if (replica != null
                            && (response.statusCode() == 502 || response.statusCode() == 503)
                            && router.refused(replica)) {
                        release(kind, AdaptiveConcurrency.Signal.FAILURE);
                        figures.retry("replica_gone");
                        throw new CompletionException(
                                new ReplicaRefusedException(replica + " answered HTTP " + response.statusCode()));
                    }
                    return CompletableFuture.completedFuture(
                            interpret(request, setBy, response, kind, System.nanoTime() - start));
                })
                .thenCompose(Function.identity());
    }

    /** The answer's body as bytes, noting whether its status line and headers came (the JDK asks for a body then). */
    private static final class AnswerBegun implements HttpResponse.BodyHandler<byte[]> {
        private volatile boolean begun;

        @Override
        public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
            begun = true;
            return HttpResponse.BodySubscribers.ofByteArray();
        }
    }

    /** A replica the request was placed on refused it (draining, or gone) while others remain: place it again. */
    static final class ReplicaRefusedException extends IOException {
        ReplicaRefusedException(String message) {
            super(message);
        }
    }

    private <T> T interpret(HttpRequest request, Sent sent, HttpResponse<byte[]> response, Kind<T> kind, long nanos) {
        int status = response.statusCode();
        StatusPolicy.Meaning meaning = status == 200 ? StatusPolicy.Meaning.RETRY : StatusPolicy.of(status);
        if (meaning != StatusPolicy.Meaning.OUTAGE) {
            gate.recordSuccess(); // the server answered: it is up, whatever it said
        }
        if (status == 200) {
            T read = kind.reader().read(request, response, nanos);
            // a success shows these settings work, and only these: a count answered says nothing of a generation's
            repeatedRefusal.succeeded(sent.settings());
            return read;
        }
        // redacted before it is cut: a cut through the key would leave its first characters
        String body = snippet(redact(new String(response.body(), StandardCharsets.UTF_8)));
        if (meaning == StatusPolicy.Meaning.RETRY || meaning == StatusPolicy.Meaning.OUTAGE) {
            RetryableStatusException failure = new RetryableStatusException(
                    status, RetryAfter.parse(response.headers().firstValue("Retry-After"), Instant.now()), body);
            release(
                    kind,
                    failure.overload() ? AdaptiveConcurrency.Signal.OVERLOAD : AdaptiveConcurrency.Signal.FAILURE);
            kind.figures().retry("http_" + status);
            if (meaning == StatusPolicy.Meaning.OUTAGE) {
                gate.recordOutage("HTTP " + status, failure.retryAfter());
            }
            throw new CompletionException(failure);
        }
        release(kind, AdaptiveConcurrency.Signal.FAILURE);
        kind.figures().refused(status);
        if (meaning == StatusPolicy.Meaning.JOB) {
            String hint = (status == 401 || status == 407) && apiKey.isEmpty()
                    ? noKeySent()
                    : kind.hint().of(status, body);
            throw new CompletionException(
                    refuseAll(status, request, body, hint, kind.fields().of(status, body)));
        }
        // a refusal of this request (a prompt too long, 413 past a body-size limit): this document's,
        // unless the same one comes for every document in a row
        if (repeatedRefusal.refused(sent.settings(), status, body)) {
            // placed at the recipe's setting the server's words name, when they name one this request sent
            List<ManifestField> about = kind.generates()
                    ? namedSetting(body, sent.setBy())
                            .map(setting -> List.of(setting.getValue()))
                            .orElse(List.of())
                    : kind.fields().of(status, body);
            throw new CompletionException(
                    refuseAll(status, request, body, kind.repeatedHint().of(status, body, sent.setBy()), about));
        }
        throw new CompletionException(new RejectedByModelException(status, body));
    }

    /**
     * Why no key went with a request the server refused for want of one: the model asks for a key and the variable
     * it is read from is not set, or the model names no key at all (then a variable set here is not read either).
     */
    private String noKeySent() {
        return noKeySent(settings.apiKeyVariable());
    }

    /** Why no key went with a request, for a model whose key is read from {@code apiKeyVariable} (or none). */
    static String noKeySent(Optional<String> apiKeyVariable) {
        return apiKeyVariable
                .map(variable -> "no API key was sent: the RewriterModel asks for one (its"
                        + " spec.endpoint.apiKeySecretRef, or for a model the operator runs its Secret"
                        + " <model>-vllm-api-key), read from the environment variable " + variable
                        + ", which is not set here: set it to the key (on a cluster the operator sets it from the"
                        + " Secret)")
                .orElse("no API key was sent: the RewriterModel names no spec.endpoint.apiKeySecretRef, so no key is"
                        + " read: name the Secret that holds the server's key there (locally, then set "
                        + JobResolver.MODEL_API_KEY_ENV + " to the key)");
    }

    private ModelConfigException refuseAll(
            int status, HttpRequest request, String body, String hint, List<ManifestField> about) {
        ModelConfigException refused = new ModelConfigException(
                status,
                "the model server refused the job's requests: "
                        + request.method() + " " + request.uri() + " answered HTTP " + status
                        + (body.isBlank() ? "" : " " + body) + " (" + hint + ")",
                about);
        synchronized (this) {
            if (refusedForAll == null) {
                refusedForAll = refused;
            }
            return refusedForAll;
        }
    }

    /** A server may echo what it was sent; the key is never repeated in a message or a status. */
    private String redact(String text) {
        return apiKey.filter(key -> key.length() >= 4)
                .map(key -> text.replace(key, "***"))
                .orElse(text);
    }

    /**
     * Reads the reply with the streaming parser, keeping only the first choice's text, its
     * finish_reason and the usage: no tree of the whole (text-sized) response is built.
     */
    private ModelReply parse(byte[] body, boolean chat) throws IOException {
        String text = null;
        String finishReason = null;
        int promptTokens = 0;
        int completionTokens = 0;
        boolean sawChoice = false;
        try (JsonParser parser = json.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the reply is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("choices".equals(field) && parser.currentToken() == JsonToken.START_ARRAY) {
                    if (parser.nextToken() == JsonToken.START_OBJECT) {
                        sawChoice = true;
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String choiceField = parser.currentName();
                            parser.nextToken();
                            if ("finish_reason".equals(choiceField)) {
                                finishReason = parser.currentToken() == JsonToken.VALUE_NULL ? null : parser.getText();
                            } else if (!chat && "text".equals(choiceField)) {
                                text = parser.getValueAsString("");
                            } else if (chat
                                    && "message".equals(choiceField)
                                    && parser.currentToken() == JsonToken.START_OBJECT) {
                                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                                    String messageField = parser.currentName();
                                    parser.nextToken();
                                    if ("content".equals(messageField)) {
                                        text = parser.getValueAsString("");
                                    } else {
                                        parser.skipChildren();
                                    }
                                }
                            } else {
                                parser.skipChildren();
                            }
                        }
                    }
                    // further choices (n > 1) are not used
                    while (parser.currentToken() != JsonToken.END_ARRAY && parser.nextToken() != null) {
                        parser.skipChildren();
                    }
                } else if ("usage".equals(field) && parser.currentToken() == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String usageField = parser.currentName();
                        parser.nextToken();
                        if ("prompt_tokens".equals(usageField)) {
                            promptTokens = parser.getValueAsInt(0);
                        } else if ("completion_tokens".equals(usageField)) {
                            completionTokens = parser.getValueAsInt(0);
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else {
                    parser.skipChildren();
                }
            }
        }
        if (!sawChoice) {
            throw new IOException("no choices in the reply");
        }
        return new ModelReply(text, finishReason, promptTokens, completionTokens);
    }

    private static boolean retryable(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof ModelUnavailableException
                || cause instanceof RejectedByModelException
                || cause instanceof ModelConfigException) {
            return false;
        }
        return cause instanceof RetryableStatusException || cause instanceof IOException;
    }

    static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    static String snippet(String body) {
        String text = body.replace('\n', ' ');
        return text.length() > 500 ? text.substring(0, 500) : text;
    }

    @Override
    public void close() {
        probe.close();
        scheduler.shutdownNow();
        httpThreads.shutdownNow();
    }

    /** How long requests have waited for the model in the current outage, while they wait. */
    public Optional<Duration> outage() {
        return gate.waiting();
    }
}
