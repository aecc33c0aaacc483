package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.SaysItCloses;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code palimpsest run} pod deleted while its count before the first document ({@code tokenizer.mode:
 * server}) waits for a slow {@code /tokenize}: the count is waited for no longer, and the process
 * writes its summary ({@code terminated}) and exits 143 within the grace period, as it does mid-shard.
 */
class PreflightSigtermTest {

    @TempDir
    Path dir;

    @Test
    void aSigtermDuringThePreflightCountIsAnsweredWithASummary() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 5);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger counts = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        SaysItCloses.on(server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/tokenize")) {
                counts.incrementAndGet();
                try {
                    release.await(60, TimeUnit.SECONDS); // a server too slow to count
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = "{\"count\": 1}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }));
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path job = JobFiles.write(dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), base, 4);
            Files.writeString(
                    job, Files.readString(job).replace("  recipe:\n", "  recipe:\n    tokenizer: {mode: server}\n"));
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "plan",
                            "-f",
                            job.toString(),
                            "--termination-log",
                            dir.resolve("plan.json").toString()));

            Process run = WorkerProcess.start(dir, job, 10, "summary.json", "--stop-within", "PT5S");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (counts.get() == 0 && run.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(counts.get() > 0, "the count before the first document was sent: " + log());
            run.destroy(); // SIGTERM, as the kubelet sends it
            assertTrue(run.waitFor(15, TimeUnit.SECONDS), "exits within the grace period");
            assertEquals(143, run.exitValue(), log());
            Path summaryFile = dir.resolve("summary.json");
            assertTrue(Files.exists(summaryFile) && Files.size(summaryFile) > 0, "the summary is written: " + log());
            JsonNode summary = new ObjectMapper().readTree(summaryFile.toFile());
            assertEquals("terminated", summary.path("reason").asText(), summary + "\n" + log());
        } finally {
            release.countDown();
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    private String log() throws Exception {
        Path log = dir.resolve("run.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
