package io.palimpsest.worker.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.SaysItCloses;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressLineTest {

    @ParameterizedTest(name = "{0}/{1} bytes after {2} s, shards {3}/{4} -> {5}, ETA {6}")
    @CsvSource({
        // read, planned, seconds, done, shards, shown share, eta seconds
        "0,      1000,    5,       0,    4,      '  -%',      -1",
        "250,    1000,    60,      0,    4,      ' 25%',      180",
        "500,    1000,    100,     2,    4,      ' 50%',      100",
        "2000,   1000,    100,     3,    4,      '100%',      0", // a second pass reads again: never past 100%
        "10,     0,       10,      0,    4,      '  -%',      -1", // nothing planned (empty input)
        "990,    1000,    99,      4,    4,      '100%',      0", // every shard done
    })
    void shareAndEta(long read, long planned, double seconds, int done, int shards, String share, long eta) {
        ProgressLine line = line(
                done,
                shards,
                100,
                90,
                10,
                5000,
                planned <= 0 ? Double.NaN : Math.min(1.0, read / (double) planned),
                seconds);
        assertTrue(line.text().startsWith(share), line.text());
        assertEquals(eta, line.etaSeconds());
    }

    @Test
    void estimatesTheDocumentTotalFromTheShareRead() {
        ProgressLine line = line(1, 4, 300, 290, 10, 0, 0.25, 3725);
        assertTrue(line.text().contains("docs 300 of ~1200"), line.text());
        assertTrue(line.text().contains("ETA 3:06:15"), line.text());
        assertTrue(line.text().contains("| 1:02:05 |"), line.text());
    }

    @Test
    void aResumedRunsEtaIsItsOwnRateOverWhatIsLeft() {
        // half of the plan done: 400 documents before this run (its first 40%), 100 by it in 100 s
        ProgressLine line = new ProgressLine(1, 4, 500, 90, 10, 0, 0.5, 100, Optional.empty(), 400, 0.4, null);
        assertTrue(
                line.text().contains("docs 500 of ~1000 (before this run 400, written 90, not written 10)"),
                line.text());
        assertEquals(500, line.etaSeconds(), "the other half at this run's 10% per 100 s");
        ProgressLine justResumed = new ProgressLine(1, 4, 400, 0, 0, 0, 0.4, 2, Optional.empty(), 400, 0.4, null);
        assertEquals(-1, justResumed.etaSeconds(), "no rate of this run yet");
        assertTrue(justResumed.text().contains("docs 400 of ~1000"), justResumed.text());
    }

    @Test
    void theShareCountsAnsweredDocumentsNotTheReadersLead() {
        RunProgress p = new RunProgress();
        assertTrue(Double.isNaN(p.inputFraction(0)));
        p.bytesRead.set(4000); // a small shard: the reader's buffer took it all at once
        p.itemsRead.set(60);
        p.itemsDone.set(15);
        assertEquals(0.25, p.inputFraction(4000), 1e-9);
        p.itemsResumed.set(30); // a resumed attempt: parts of an earlier attempt count as answered
        assertEquals(0.75, p.inputFraction(4000), 1e-9);
        p.bytesRead.set(9000); // a second pass reads again
        p.itemsRead.set(120);
        p.itemsDone.set(120);
        assertEquals(1.0, p.inputFraction(4000), 1e-9);
    }

    /**
     * A run resumed after a stop: one shard was committed before (skipped), the other resumes its checkpoint parts.
     * The estimated total is the plan's from the start of the resumed run, and the documents shown count those done
     * before it, so the two agree; the ETA is this run's rate over what is left.
     */
    @Test
    void aResumedRunEstimatesThePlansTotalFromItsStart(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        for (String file : List.of("a", "b", "c", "d")) {
            Corpus.writeJsonl(
                    in.resolve(file + ".jsonl"), file, 8000); // the reader's lead (its buffers) is little of it
        }
        List<Shard> shards = new ShardPlanner(new ShardingPolicy(2, null)).plan(new FileStorage(in).list(""));
        assertEquals(2, shards.size());
        long planned = shards.stream().mapToLong(Shard::bytes).sum();
        runner(in, out, dir, new UppercaseProcessor(), new RunProgress()).run(shards.get(0));
        // the first run is stopped part-way through the second shard: its first checkpoint parts are kept
        ShardRunner.Report stopped = runner(
                        in,
                        out,
                        dir,
                        new UppercaseProcessor(doc ->
                                doc.id().equals("c-4000") ? new ModelUnavailableException("model gone", null) : null),
                        new RunProgress())
                .run(shards.get(1));
        assertEquals(ExitCodes.MODEL_UNREACHABLE, stopped.exitCode());

        RunProgress progress = new RunProgress();
        List<String> seen = new ArrayList<>();
        AtomicReference<LocalCommand.ProgressTicker> ticking = new AtomicReference<>();
        UppercaseProcessor resumed = new UppercaseProcessor(doc -> {
            if (doc.id().equals("d-1000") || doc.id().equals("d-5000")) {
                seen.add(ticking.get().line().text());
            }
            return null;
        });
        try (LocalCommand.ProgressTicker ticker = new LocalCommand.ProgressTicker(
                progress,
                null,
                () -> 0,
                2,
                planned,
                System.nanoTime(),
                Optional::empty,
                false,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Duration.ofHours(1))) {
            ticking.set(ticker);
            assertEquals(
                    ShardSummary.Outcome.alreadyCommitted,
                    runner(in, out, dir, new UppercaseProcessor(), progress)
                            .run(shards.get(0))
                            .summary()
                            .getOutcome());
            ticker.shardDone();
            ShardRunner.Report again = runner(in, out, dir, resumed, progress).run(shards.get(1));
            assertTrue(again.resumed() >= 3000, "resumed from the first run's parts: " + again.resumed());
            ticker.shardDone();
            assertTrue(
                    ticker.line().text().contains("docs 32000 of 32000 (before this run " + (16000 + again.resumed())),
                    ticker.line().text());
        }
        assertEquals(2, seen.size(), seen.toString());
        for (String line : seen) {
            Matcher m = Pattern.compile("docs (\\d+) of ~(\\d+) \\(before this run (\\d+), ")
                    .matcher(line);
            assertTrue(m.find(), line);
            long total = Long.parseLong(m.group(2));
            assertTrue(Math.abs(total - 32000) <= 3200, "the plan's 32000 documents, within 10%: " + line);
            assertTrue(Long.parseLong(m.group(3)) >= 19000, "the committed shard and the resumed parts: " + line);
        }
    }

    private static ShardRunner runner(Path in, Path out, Path dir, UppercaseProcessor processor, RunProgress progress)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        return new ShardRunner(
                new FileStorage(in),
                new FileStorage(out),
                new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20),
                processor,
                TestRunSettings.of(0, "w", 1000, 35, Compression.ZSTD, Files.createTempDirectory(dir, "tmp")),
                json,
                progress);
    }

    @Test
    void plainLinesWhenNotOnATerminalRedrawnLineOnOne() throws Exception {
        RunProgress progress = new RunProgress();
        progress.bytesRead.set(1000);
        progress.itemsRead.set(100);
        progress.itemsDone.set(50); // read ahead: all of the input, half of it answered
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (LocalCommand.ProgressTicker ticker = new LocalCommand.ProgressTicker(
                progress,
                null,
                () -> 0,
                2,
                1000,
                System.nanoTime(),
                Optional::empty,
                false,
                new PrintStream(plain, true, StandardCharsets.UTF_8),
                Duration.ofMillis(50))) {
            // two ticks, however late a loaded machine runs them (a fixed pause saw none of them there)
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> plain.toString(StandardCharsets.UTF_8).lines().count() >= 2);
        }
        String log = plain.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("\r"), "no carriage returns in a log");
        assertTrue(log.lines().count() >= 2, log);
        assertTrue(log.lines().allMatch(l -> l.startsWith("progress:  50% docs")), log);

        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        try (LocalCommand.ProgressTicker ticker = new LocalCommand.ProgressTicker(
                progress,
                null,
                () -> 0,
                2,
                1000,
                System.nanoTime(),
                Optional::empty,
                true,
                new PrintStream(tty, true, StandardCharsets.UTF_8),
                Duration.ofMillis(50))) {
            // the first tick (1 s on a terminal) draws the line, however late it runs
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> tty.toString(StandardCharsets.UTF_8).contains("50% docs"));
        }
        String screen = tty.toString(StandardCharsets.UTF_8);
        assertTrue(screen.startsWith("\r   50% docs"), screen);
        assertEquals(screen.length() - 1, screen.indexOf('\n'), "one line, redrawn, ended when the run ends");
    }

    @Test
    void linesPrintedDuringTheRunNeverShareTheProgressLineAndTheLastStateStays() throws Exception {
        RunProgress progress = new RunProgress();
        progress.bytesRead.set(1000);
        progress.itemsRead.set(100);
        progress.itemsDone.set(50);
        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        PrintStream screen = new PrintStream(tty, true, StandardCharsets.UTF_8);
        try (LocalCommand.ProgressTicker ticker = new LocalCommand.ProgressTicker(
                progress,
                null,
                () -> 0,
                1,
                1000,
                System.nanoTime(),
                Optional::empty,
                true,
                screen,
                Duration.ofMillis(50))) {
            // one tick (1 s on a terminal) draws the line, however late it runs
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> tty.toString(StandardCharsets.UTF_8).contains("50% docs"));
            ticker.above(() -> screen.println("shard-00000 committed"));
            ticker.shardDone();
        }
        String text = tty.toString(StandardCharsets.UTF_8);
        // the drawn line is erased before the shard's line, which starts a line of its own
        assertTrue(text.contains("   \r\033[Kshard-00000 committed\n"), text);
        // the run's last state is drawn once more and kept: every shard done
        assertTrue(text.contains("\r\033[K  100% docs"), text);
        assertTrue(text.endsWith("\n"), text);
        assertTrue(text.lastIndexOf("100% docs") > text.indexOf("shard-00000 committed"), text);
    }

    /**
     * The tokens are the model's answers as they come, before any document is done (a long document's chunks, a
     * slow campaign's first minutes), once each whatever attempts they took; the documents' own counts are not
     * added to them.
     */
    @Test
    void theLineCountsTheTokensTheModelAnsweredBeforeAnyDocumentIsDone() throws Exception {
        RunProgress progress = new RunProgress();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (AnsweringModel model = new AnsweringModel()) {
            model.ask();
            assertEquals(2, model.attempts(), "answered on its second attempt");
            try (LocalCommand.ProgressTicker ticker = new LocalCommand.ProgressTicker(
                    progress,
                    model.client.stats(),
                    () -> 0,
                    1,
                    1000,
                    System.nanoTime(),
                    Optional::empty,
                    false,
                    new PrintStream(plain, true, StandardCharsets.UTF_8),
                    Duration.ofMillis(50))) {
                assertTrue(
                        ticker.line()
                                .text()
                                .contains("| " + AnsweringModel.COMPLETION + " completion tokens answered |"),
                        ticker.line().text());
                progress.completionTokens.set(AnsweringModel.COMPLETION); // its document is done: nothing more
                assertTrue(
                        ticker.line()
                                .text()
                                .contains("| " + AnsweringModel.COMPLETION + " completion tokens answered |"),
                        ticker.line().text());
            }
        }
    }

    @Test
    void whileTheModelIsNotAnsweringTheLineSaysSoInsteadOfAGrowingEta() {
        ProgressLine answering = line(1, 4, 300, 290, 10, 5000, 0.25, 60);
        assertTrue(answering.text().endsWith("| 1:00 | ETA 3:00"), answering.text());
        ProgressLine waiting =
                new ProgressLine(1, 4, 300, 290, 10, 5000, 0.25, 60, Optional.of(Duration.ofSeconds(45)), 0, 0, null);
        assertEquals(-1, waiting.etaSeconds());
        assertTrue(waiting.text().endsWith("| 1:00 | model not answering for 0:45"), waiting.text());
    }

    /**
     * Before the first document is done the line says what the run is waiting for, the model requests in flight
     * and answered, rather than a bare {@code docs 0}; once documents are done it is the same line as without them.
     */
    @ParameterizedTest(name = "in flight {0}, sent {1}, answered {2} -> {3}")
    @CsvSource({
        "8, 8,  0, '  -% docs 0 yet: 8 model requests in flight, none answered | shards 0/4 |'",
        "8, 11, 3, '  -% docs 0 yet: 8 model requests in flight, 3 answered | shards 0/4 |'",
        "1, 1,  0, '  -% docs 0 yet: 1 model request in flight, none answered | shards 0/4 |'",
        "0, 0,  0, '  -% docs 0 yet: no model request sent yet | shards 0/4 |'",
        "0, 5,  0, '  -% docs 0 yet: no model request in flight, 5 sent, none answered | shards 0/4 |'",
    })
    void beforeTheFirstDocumentTheLineSaysWhatIsAwaited(int inFlight, long sent, long answered, String start) {
        ProgressLine line = new ProgressLine(
                0,
                4,
                0,
                0,
                0,
                0,
                Double.NaN,
                3,
                Optional.empty(),
                0,
                0,
                new ProgressLine.Requests(inFlight, sent, answered));
        assertTrue(line.text().startsWith(start), line.text());
        ProgressLine done = new ProgressLine(
                1, 4, 300, 290, 10, 5000, 0.25, 60, Optional.empty(), 0, 0, new ProgressLine.Requests(8, 400, 392));
        assertEquals(line(1, 4, 300, 290, 10, 5000, 0.25, 60).text(), done.text());
    }

    /** A model that holds every request: the ticker's line counts those the client has in flight. */
    @Test
    void theTickerCountsTheRequestsTheModelHolds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        SaysItCloses.on(server.createContext("/", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        }));
        server.start();
        ModelClient client = new ModelClient(
                ClientSettings.builder(URI.create(
                                "http://127.0.0.1:" + server.getAddress().getPort()))
                        .initialConcurrency(2)
                        .concurrencyCap(2)
                        .requestTimeout(Duration.ofSeconds(20))
                        .maxOutage(Duration.ofSeconds(1))
                        .backoffBase(Duration.ofMillis(10))
                        .build(),
                new ObjectMapper());
        try (LocalCommand.ProgressTicker ticker = new LocalCommand.ProgressTicker(
                new RunProgress(),
                client.stats(),
                () -> client.concurrency().inFlight(),
                1,
                1000,
                System.nanoTime(),
                Optional::empty,
                false,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Duration.ofHours(1))) {
            ObjectMapper json = new ObjectMapper();
            for (int i = 0; i < 3; i++) {
                ObjectNode body = json.createObjectNode().put("model", "m");
                body.putArray("messages").addObject().put("role", "user").put("content", "hello " + i);
                client.chat(body);
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (client.stats().attempts.sum() < 2 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertTrue(
                    ticker.line().text().startsWith("  -% docs 0 yet: 2 model requests in flight, none answered |"),
                    ticker.line().text());
        } finally {
            release.countDown();
            client.close();
            server.stop(0);
        }
    }

    /** A line of a run that is not resumed and meets no outage, counting no model requests. */
    private static ProgressLine line(
            int shardsDone,
            int shards,
            long documents,
            long written,
            long notWritten,
            long tokens,
            double inputFraction,
            double seconds) {
        return new ProgressLine(
                shardsDone,
                shards,
                documents,
                written,
                notWritten,
                tokens,
                inputFraction,
                seconds,
                Optional.empty(),
                0,
                0,
                null);
    }
}
