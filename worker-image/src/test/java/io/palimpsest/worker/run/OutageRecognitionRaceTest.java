package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.runtime.RecipeProcessors;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.SaysItCloses;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answer that comes back between the fifth document in a row whose tries ran out (the outage recognised) and
 * the runner hearing of that failure, on a shard's last attempt, against a real model server over HTTP. The order is
 * forced: the server answers document 5 only once the outage was recognised, and the failure that shows it reaches
 * the runner only after that answer did. The rejects of documents 0 to 4 taken before the outage must not be
 * released into a part by that answer.
 */
class OutageRecognitionRaceTest {

    private static final int DOCUMENTS = 6;
    /** The document the server answers, once the outage was recognised; every other one is answered 500. */
    private static final String ANSWERED = "record number 5.";

    private final ObjectMapper json = new ObjectMapper();
    /** Released by the processor once it recognised the outage: only then is document 5 answered. */
    private final CountDownLatch outageRecognised = new CountDownLatch(1);
    /** Once set, every request is answered (the server is back). */
    private final AtomicBoolean healthy = new AtomicBoolean();

    private final ExecutorService handlers = Executors.newCachedThreadPool();

    @TempDir
    Path dir;

    private HttpServer server;
    private Shard shard;

    @BeforeEach
    void modelAndCorpus() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        SaysItCloses.on(server.createContext("/", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean answer = healthy.get();
            if (!answer && request.contains(ANSWERED)) {
                try {
                    answer = outageRecognised.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (answer) {
                byte[] body = ("{\"choices\":[{\"message\":{\"content\":\"A rewritten account of the record.\"},"
                                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":8}}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } else {
                exchange.sendResponseHeaders(500, -1);
            }
            exchange.close();
        }));
        server.start();
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", DOCUMENTS);
        shard = new ShardPlanner(new ShardingPolicy(1, null))
                .plan(new FileStorage(dir.resolve("in")).list(""))
                .get(0);
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    @Test
    void anAnswerThatArrivesBeforeTheOutagesFailureReleasesNoRejectOfTheOutage() throws Exception {
        ShardRunner.Report outage;
        try (ModelClient client = client()) {
            outage = runner(0, new AnswerBeforeTheOutagesFailure(processor(client)))
                    .run(shard);
        }

        assertEquals(
                ExitCodes.MODEL_UNREACHABLE, outage.exitCode(), outage.summary().getMessage());
        FileStorage out = new FileStorage(dir.resolve("out"));
        ItemCounts committed = new ItemCounts();
        for (PartMarker part : new CheckpointStore(out, new ShardLayout(0, Compression.ZSTD), json)
                .read()
                .parts()) {
            committed.add(part.counts());
        }
        assertEquals(0, committed.rejected, "no model_error reject of the outage is committed: " + committed);
        assertEquals(1, committed.written, "document 5, answered, is kept: " + committed);
        // the attempt's summary says what is committed, and that the held rejects went to the next attempt
        ShardSummary summary = outage.summary();
        assertEquals(DOCUMENTS, summary.getRead());
        assertEquals(1, summary.getWritten());
        assertEquals(0, summary.getRejected());
        assertTrue(
                summary.getMessage()
                        .contains("; 4 documents whose tries ran out before the outage was recognised are not"
                                + " rejected: in no checkpoint part, left to the next attempt, which does them again"),
                summary.getMessage());

        healthy.set(true);
        ShardRunner.Report back;
        try (ModelClient client = client()) {
            back = runner(1, processor(client)).run(shard);
        }
        assertEquals(
                ShardSummary.Outcome.committed,
                back.summary().getOutcome(),
                back.summary().getMessage());
        String said = json.writeValueAsString(back.summary());
        assertEquals(DOCUMENTS, back.summary().getWritten(), said);
        assertEquals(0, back.summary().getRejected(), said);
        List<String> ids = new ArrayList<>(Outputs.ids(out, "plain/shard-00000.jsonl.zst"));
        Collections.sort(ids);
        assertEquals(List.of("doc-0", "doc-1", "doc-2", "doc-3", "doc-4", "doc-5"), ids, "each once");
    }

    /**
     * The real processor, whose results reach the runner in a forced order: the four failures before the outage,
     * then document 5's answer (which the server sends only once the outage was recognised), then the outage's
     * failure. What thread scheduling can do between the processor and the runner, done every time.
     */
    private final class AnswerBeforeTheOutagesFailure implements DocumentProcessor {
        private final DocumentProcessor model;
        private final AtomicInteger failuresPassedOn = new AtomicInteger();
        private final CompletableFuture<Void> fourFailuresPassedOn = new CompletableFuture<>();
        private final CompletableFuture<Void> answerPassedOn = new CompletableFuture<>();

        AnswerBeforeTheOutagesFailure(DocumentProcessor model) {
            this.model = model;
        }

        @Override
        public CompletionStage<ProcessedDocument> process(Document document) {
            CompletableFuture<ProcessedDocument> result = new CompletableFuture<>();
            model.process(document).whenComplete((answered, error) -> {
                Throwable cause =
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof ModelUnavailableException) {
                    outageRecognised.countDown();
                    answerPassedOn.whenComplete((v, e) -> result.completeExceptionally(cause));
                } else if (cause != null) {
                    result.completeExceptionally(cause);
                    if (failuresPassedOn.incrementAndGet() == 4) {
                        fourFailuresPassedOn.complete(null);
                    }
                } else {
                    fourFailuresPassedOn.whenComplete((v, e) -> {
                        result.complete(answered);
                        answerPassedOn.complete(null);
                    });
                }
            });
            return result;
        }

        @Override
        public List<String> variants() {
            return model.variants();
        }

        @Override
        public boolean outageRecognised() {
            return model.outageRecognised();
        }
    }

    private DocumentProcessor processor(ModelClient client) {
        Recipe recipe = RecipeYaml.parse(
                "prompts:\n  - name: plain\n    user: \"Rewrite the document. <document>{{ text }}</document>\"\n");
        return RecipeProcessors.create(recipe, client, "m", "sha256:x", false, json, () -> false, null);
    }

    private ModelClient client() {
        return new ModelClient(
                ClientSettings.builder(URI.create(
                                "http://127.0.0.1:" + server.getAddress().getPort()))
                        .initialConcurrency(DOCUMENTS + 2)
                        .concurrencyCap(DOCUMENTS + 2)
                        .maxAttempts(3) // a 500 every time: three quick tries run out; a stray refusal is retried
                        .requestTimeout(Duration.ofSeconds(30))
                        .maxOutage(Duration.ofSeconds(30))
                        .backoffBase(Duration.ofMillis(5))
                        .backoffCap(Duration.ofMillis(20))
                        .build(),
                json);
    }

    /** Attempt {@code attempt} of a shard allowed one (every attempt is its last, outage exits not counted). */
    private ShardRunner runner(int attempt, DocumentProcessor processor) throws IOException {
        RunSettings settings = new RunSettings(
                attempt,
                "w" + attempt,
                100,
                100,
                Compression.ZSTD,
                "job",
                "uid",
                "sha256:x",
                "m",
                Files.createTempDirectory(dir, "tmp"),
                1,
                false,
                null,
                RunSettings.defaultWindowBytes(),
                null);
        return new ShardRunner(
                new FileStorage(dir.resolve("in")),
                new FileStorage(dir.resolve("out")),
                new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20),
                processor,
                settings,
                json,
                new RunProgress());
    }
}
