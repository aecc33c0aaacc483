package io.palimpsest.worker.recipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.text.ChatMessage;
import io.palimpsest.sim.text.ChatTemplate;
import io.palimpsest.sim.text.Tokenizer;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.recipe.ModelCallRejected;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounters;
import io.palimpsest.worker.testing.SaysItCloses;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HttpTokenCounterTest {
    private static final String KEY = "sk-live-0123456789abcdefghijklmnopqrstuvwxyz";
    private static final String TEXT =
            "The keeper wound the clockwork that turned the lens, twice a night, for forty years.";

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void serverModeCountsWithTheServersTokenizer() {
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder().modelName("m").zeroLatency().build(), "127.0.0.1", 0);
                ModelClient client =
                        new ModelClient(settings(URI.create(sim.baseUrl())).build(), json)) {
            TokenCounter server = new HttpTokenCounter(client, "m", json);
            Recipe exact = RecipeYaml.parse("tokenizer: {mode: server}\nprompts: [{name: a, user: x}]\n");
            Recipe estimated = RecipeYaml.parse("prompts: [{name: a, user: x}]\n");
            TokenCounter chosen = TokenCounters.forRecipe(exact, Optional.of(server));
            assertEquals(Tokenizer.ids(TEXT).length, chosen.count(TEXT));
            assertSame(BpeTokenCounter.instance(), TokenCounters.forRecipe(estimated, Optional.of(server)));
            assertThrows(RecipeException.class, () -> TokenCounters.forRecipe(exact, Optional.empty()));
        }
    }

    @Test
    void theChatTemplatesTokensAreMeasuredAtTheServerOncePerShapeOfRequest() {
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder().modelName("m").zeroLatency().build(), "127.0.0.1", 0);
                ModelClient client =
                        new ModelClient(settings(URI.create(sim.baseUrl())).build(), json)) {
            HttpTokenCounter counter = new HttpTokenCounter(client, "m", json);
            List<String> roles = List.of("system", "user");
            String probe = HttpTokenCounter.TEMPLATE_PROBE;
            int expected = Tokenizer.count(ChatTemplate.render(
                            List.of(new ChatMessage("system", probe), new ChatMessage("user", probe)), true))
                    - Tokenizer.count(probe + "\n\n" + probe);
            assertTrue(expected > 0, "the simulator's template adds tokens: " + expected);
            assertEquals(expected, counter.chatTemplateTokens(roles));
            int asked = sim.requestLog().size();
            assertEquals(expected, counter.chatTemplateTokens(List.of("system", "user")));
            assertEquals(asked, sim.requestLog().size(), "measured once for the shape");
            int userOnly = counter.chatTemplateTokens(List.of("user"));
            assertTrue(userOnly > 0 && userOnly < expected, userOnly + " for one message, " + expected + " for two");
            assertEquals(0, counter.chatTemplateTokens(List.of()), "a raw prompt has no template");
        }
    }

    @Test
    void aServerWhoseTokenizeTakesNoMessagesStopsTheJobNamingTheTokenizerModeNotEachDocument() throws Exception {
        // the template's measurement holds nothing of a document: its refusal is the same for every one
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {400}, "{\"error\": \"'prompt' is required\"}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            HttpTokenCounter counter = new HttpTokenCounter(client, "m", json);
            ModelConfigException refused =
                    assertThrows(ModelConfigException.class, () -> counter.chatTemplateTokens(List.of("user")));
            assertTrue(refused.getMessage().contains("/tokenize"), refused.getMessage());
            assertTrue(refused.getMessage().contains("tokenizer.mode: estimate"), refused.getMessage());
            assertEquals(
                    List.of(ManifestField.job("spec.recipe.tokenizer.mode")), refused.about(), refused.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void countsSendTheModelsApiKeyAsTheModelCallsDo() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {200}, "{\"count\": 7, \"tokens\": [1,2,3,4,5,6,7]}");
        try (ModelClient client = new ModelClient(
                settings(base(server)).apiKey(Optional.of(" " + KEY + "\n")).build(), json)) {
            assertEquals(7, new HttpTokenCounter(client, "m", json).count(TEXT));
            assertEquals(List.of("Bearer " + KEY), auth, "the key as the chat calls send it: trimmed");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aKeyTheTokenizeEndpointRefusesStopsTheJobNamingEndpointAndModeNotTheKey() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {401}, "{\"error\": \"invalid key " + KEY + "\"}");
        try (ModelClient client =
                new ModelClient(settings(base(server)).apiKey(Optional.of(KEY)).build(), json)) {
            HttpTokenCounter counter = new HttpTokenCounter(client, "m", json);
            ModelConfigException refused = assertThrows(ModelConfigException.class, () -> counter.count(TEXT));
            assertTrue(
                    refused.getMessage().contains(base(server) + "/tokenize answered HTTP 401"), refused.getMessage());
            assertTrue(refused.getMessage().contains("tokenizer.mode: server"), refused.getMessage());
            assertTrue(refused.getMessage().contains("apiKeySecretRef"), refused.getMessage());
            assertFalse(refused.getMessage().contains(KEY), "never the key: " + refused.getMessage());
            assertEquals(Optional.of(refused), client.refusal(), "the job stops (exit 78)");
            assertThrows(ModelConfigException.class, () -> counter.count("another document"));
            assertEquals(1, auth.size(), "no further request after the refusal");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aServerWithoutTokenizeOrThatRefusesTheModelNameStopsTheJob() throws Exception {
        for (int status : new int[] {404, 405}) {
            List<String> auth = Collections.synchronizedList(new ArrayList<>());
            HttpServer server = server(auth, new int[] {status}, "{\"detail\": \"Not Found\"}");
            try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
                ModelConfigException refused = assertThrows(
                        ModelConfigException.class, () -> new HttpTokenCounter(client, "m", json).count(TEXT));
                assertTrue(refused.getMessage().contains("/tokenize answered HTTP " + status), refused.getMessage());
                assertTrue(refused.getMessage().contains("tokenizer.mode: estimate"), refused.getMessage());
                // the recipe's setting that asks for /tokenize: a server without it is answered by estimating
                assertEquals(List.of(ManifestField.job("spec.recipe.tokenizer.mode")), refused.about());
            } finally {
                server.stop(0);
            }
        }
    }

    /** A 404 whose words name the model is the model's name, whether a count or a completion met it. */
    @Test
    void aCountRefusedForTheModelsNameIsPlacedAtTheModelsName() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(
                auth,
                new int[] {404},
                "{\"error\": {\"message\": \"The model `m` does not exist.\", \"type\": \"NotFoundError\"}}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            ModelConfigException refused =
                    assertThrows(ModelConfigException.class, () -> new HttpTokenCounter(client, "m", json).count(TEXT));
            assertEquals(
                    List.of(ManifestField.model("spec.servedModelName"), ManifestField.model("metadata.name")),
                    refused.about());
            assertTrue(refused.getMessage().contains("servedModelName"), refused.getMessage());
        } finally {
            server.stop(0);
        }
    }

    /** A 400 or 413 is about this text: that document is rejected; the same refusal for every document stops the job. */
    @Test
    void aCountRefusedForOneTextRejectsThatDocumentAndOnlyARefusalOfEveryOneStopsTheJob() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {413, 400}, "{\"detail\": \"refused\"}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            HttpTokenCounter counter = new HttpTokenCounter(client, "m", json);
            ModelCallRejected tooLarge = assertThrows(ModelCallRejected.class, () -> counter.count(TEXT));
            assertTrue(tooLarge.getMessage().contains("413"), tooLarge.getMessage());
            for (int i = 1; i < 8; i++) {
                assertThrows(ModelCallRejected.class, () -> counter.count("a refused document"));
            }
            ModelConfigException refused = assertThrows(ModelConfigException.class, () -> counter.count("another"));
            assertTrue(refused.getMessage().contains("/tokenize answered HTTP 400"), refused.getMessage());
            assertEquals(List.of(ManifestField.job("spec.recipe.tokenizer.mode")), refused.about());
        } finally {
            server.stop(0);
        }
    }

    /** An answer without count or tokens comes for every document: the job stops, naming tokenizer.mode. */
    @Test
    void aTokenizeAnswerWithoutACountStopsTheJob() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {200}, "{\"html\": \"<p>gateway</p>\"}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            ModelConfigException refused =
                    assertThrows(ModelConfigException.class, () -> new HttpTokenCounter(client, "m", json).count(TEXT));
            assertTrue(refused.getMessage().contains("tokenizer.mode: estimate"), refused.getMessage());
            assertEquals(List.of(ManifestField.job("spec.recipe.tokenizer.mode")), refused.about());
            assertEquals(1, auth.size(), "not retried");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aServerErrorIsRetriedLikeAModelCall() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {500, 503, 200}, "{\"count\": 3}");
        try (ModelClient client =
                new ModelClient(settings(base(server)).maxAttempts(4).build(), json)) {
            assertEquals(3, new HttpTokenCounter(client, "m", json).count(TEXT));
            assertEquals(3, auth.size());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRefusedCountFailsTheDocumentsProcessingAsJobWideNotAsARejectOfThisDocument() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {403}, "{\"error\": \"forbidden\"}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            Recipe recipe = RecipeYaml.parse("tokenizer: {mode: server}\n"
                    + "chunking: {minDocumentTokens: 2}\n"
                    + "prompts: [{name: a, user: 'Rewrite: {{document}}'}]\n");
            RecipeProcessor processor =
                    RecipeProcessors.create(recipe, client, "m", "hash", false, json, () -> false, null);
            ExecutionException failure = assertThrows(ExecutionException.class, () -> processor
                    .process(new Document("d1", TEXT, json.createObjectNode(), null))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS));
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, failure.getCause());
            assertTrue(refused.getMessage().contains("tokenizer.mode"), refused.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aCountRefusedForThisTextRejectsTheDocument() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {413}, "{\"error\": \"body too large\"}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            Recipe recipe = RecipeYaml.parse("tokenizer: {mode: server}\n"
                    + "chunking: {minDocumentTokens: 2}\n"
                    + "prompts: [{name: a, user: 'Rewrite: {{document}}'}]\n");
            RecipeProcessor processor =
                    RecipeProcessors.create(recipe, client, "m", "hash", false, json, () -> false, null);
            var processed = processor
                    .process(new Document("d1", TEXT, json.createObjectNode(), null))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            assertTrue(processed.outputs().isEmpty(), processed.toString());
            assertEquals(1, processed.rejections().size(), processed.toString());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aServerWithoutTokenizeIsFoundBeforeTheFirstDocument() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {404}, "{\"detail\": \"Not Found\"}");
        try (ModelClient client = new ModelClient(settings(base(server)).build(), json)) {
            Recipe recipe = RecipeYaml.parse(
                    "tokenizer: {mode: server}\nprompts: [{name: a, user: 'Rewrite: {{document}}'}]\n");
            RecipeProcessors.create(recipe, client, "m", "hash", false, json, () -> false, null);
            assertEquals(1, auth.size(), "one count before any document");
            ModelConfigException refused = client.refusal().orElseThrow();
            assertTrue(refused.getMessage().contains("/tokenize answered HTTP 404"), refused.getMessage());
            assertTrue(refused.getMessage().contains("tokenizer.mode"), refused.getMessage());
        } finally {
            server.stop(0);
        }
    }

    /** A count goes through the model calls' path: its attempts and failures are in the client's figures, apart. */
    @Test
    void countsAndTheirFailuresReachTheClientsFiguresApartFromTheModelCalls() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = server(auth, new int[] {503, 500, 200}, "{\"count\": 3}");
        try (ModelClient client =
                new ModelClient(settings(base(server)).maxAttempts(4).build(), json)) {
            assertEquals(3, new HttpTokenCounter(client, "m", json).count(TEXT));
            ClientStats stats = client.stats();
            assertEquals(3, stats.counts.attempts.sum(), "every attempt, retries included");
            assertEquals(1, stats.counts.answered.sum());
            assertEquals(2, stats.counts.totalRetries());
            assertEquals(1, stats.counts.retriesByReason.get("http_503").sum());
            assertEquals(1, stats.counts.retriesByReason.get("http_500").sum());
            assertEquals(0, stats.attempts.sum(), "the model calls' figures are the completions' alone");
            assertEquals(0, stats.totalRetries());
            assertEquals(0, stats.successes.sum());
        } finally {
            server.stop(0);
        }
    }

    /** A count refused 401 is refused as a completion is: the job stops, and no call of either kind is sent after. */
    @Test
    void aCountRefused401StopsEveryCallAsACompletionRefused401Does() throws Exception {
        for (boolean countFirst : new boolean[] {true, false}) {
            List<String> paths = Collections.synchronizedList(new ArrayList<>());
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            SaysItCloses.on(server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                int status = 200;
                if (path.equals("/tokenize") || path.startsWith("/v1/")) {
                    paths.add(path);
                    status = 401;
                }
                byte[] bytes = "{\"error\": \"invalid key\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            }));
            server.start();
            try (ModelClient client =
                    new ModelClient(settings(base(server)).maxAttempts(4).build(), json)) {
                HttpTokenCounter counter = new HttpTokenCounter(client, "m", json);
                var chat = json.createObjectNode().put("model", "m");
                ModelConfigException first = countFirst
                        ? assertThrows(ModelConfigException.class, () -> counter.count(TEXT))
                        : assertInstanceOf(
                                ModelConfigException.class,
                                assertThrows(ExecutionException.class, () -> client.chat(chat)
                                                .get(10, TimeUnit.SECONDS))
                                        .getCause());
                assertEquals(401, first.status());
                assertEquals(Optional.of(first), client.refusal());
                assertSame(first, assertThrows(ModelConfigException.class, () -> counter.count("another")));
                assertSame(
                        first,
                        assertThrows(ExecutionException.class, () -> client.chat(chat)
                                        .get(10, TimeUnit.SECONDS))
                                .getCause());
                assertEquals(1, paths.size(), "one request, not retried, none after: " + paths);
                ClientStats stats = client.stats();
                assertEquals(countFirst ? 1 : 0, stats.counts.attempts.sum());
                assertEquals(countFirst ? 0 : 1, stats.attempts.sum());
                assertEquals(0, stats.counts.totalRetries() + stats.totalRetries(), "a refusal is no retry");
            } finally {
                server.stop(0);
            }
        }
    }

    /**
     * The count before the first document waits up to 30 s for a slow server; once the process is told
     * to stop (SIGTERM) it waits no longer, so the shard's runner starts, is stopped at once and the
     * command reports within the time the signal leaves.
     */
    @Test
    void thePreflightCountWaitsNoLongerOnceTheProcessIsToldToStop() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        SaysItCloses.on(server.createContext("/", exchange -> {
            String reply = "{}";
            if (exchange.getRequestURI().getPath().equals("/tokenize")) {
                try {
                    answer.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reply = "{\"count\": 1}";
            }
            byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }));
        server.start();
        AtomicBoolean stopping = new AtomicBoolean();
        ScheduledExecutorService signal = Executors.newSingleThreadScheduledExecutor();
        try (ModelClient client = new ModelClient(
                settings(base(server)).requestTimeout(Duration.ofSeconds(60)).build(), json)) {
            Recipe recipe = RecipeYaml.parse(
                    "tokenizer: {mode: server}\nprompts: [{name: a, user: 'Rewrite: {{document}}'}]\n");
            signal.schedule(() -> stopping.set(true), 300, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            RecipeProcessors.create(recipe, client, "m", "hash", false, json, stopping::get, null);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(
                    took.compareTo(Duration.ofSeconds(5)) < 0,
                    "the count was waited for " + took + " after the stop signal (" + RecipeProcessors.PREFLIGHT_WAIT
                            + " at most without it)");
        } finally {
            answer.countDown();
            signal.shutdownNow();
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    /** Answers POST /tokenize with the statuses in turn (the last one from then on), recording each Authorization. */
    private static HttpServer server(List<String> auth, int[] statuses, String reply) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SaysItCloses.on(server.createContext("/", exchange -> {
            // read the request to its end, as a real server does: a body left unread may make this server close
            // the kept-alive connection the client then sends the next count on
            exchange.getRequestBody().readAllBytes();
            int status = 200;
            String answer = "{}";
            if (exchange.getRequestURI().getPath().equals("/tokenize")) {
                auth.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                status = statuses[Math.min(calls.getAndIncrement(), statuses.length - 1)];
                answer = status == 200 ? reply : status >= 500 ? "{\"error\": \"busy\"}" : reply;
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }));
        server.start();
        return server;
    }

    private static URI base(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static ClientSettings.Builder settings(URI base) {
        return ClientSettings.builder(base)
                .initialConcurrency(2)
                .concurrencyCap(4)
                .maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(5))
                .maxOutage(Duration.ofSeconds(10))
                .backoffBase(Duration.ofMillis(10))
                .backoffCap(Duration.ofMillis(50))
                .probeEvery(Duration.ofMillis(200));
    }
}
