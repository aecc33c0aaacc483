package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard against a server that fails 10% of requests (429 with Retry-After, 500, and hangs that
 * only the request deadline ends) and goes away for 30 seconds in the middle: the shard completes,
 * every document is written, none is rejected.
 */
class FaultToleranceTest {

    private static final int DOCUMENTS = 1500;

    @TempDir
    Path dir;

    @Test
    void faultsAndAnOutageLoseNothing() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", DOCUMENTS);
        FaultConfig faults = FaultConfig.builder()
                .rate(Fault.RATE_LIMIT, 0.04)
                .rate(Fault.SERVER_ERROR, 0.04)
                .rate(Fault.HANG, 0.02)
                .retryAfterSeconds(1)
                .seed(7)
                .build();
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .maxNumSeqs(64)
                .decodeStepBaseSeconds(0.002)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .faults(faults)
                .requestLogCapacity(50_000)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Path job = JobFiles.write(dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), sim.baseUrl(), 32);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            Path summary = dir.resolve("summary.json");
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> PalimpsestCli.execute(
                    "run",
                    "-f",
                    job.toString(),
                    "--shard",
                    "0",
                    "--checkpoint-every",
                    "100",
                    "--request-timeout",
                    "PT3S",
                    "--max-outage",
                    "PT2M",
                    "--termination-log",
                    summary.toString()));

            while (sim.requestLog().totalReceived() < 300 && !run.isDone()) {
                Thread.sleep(20);
            }
            sim.pauseFor(Duration.ofSeconds(30), OutageMode.REFUSE_CONNECTIONS);
            assertEquals(0, run.get(3, TimeUnit.MINUTES), "the shard commits");

            FileStorage out = new FileStorage(dir.resolve("out"));
            assertEquals(
                    ids.stream().sorted().toList(),
                    Outputs.ids(out, "plain/shard-00000.jsonl.zst").stream()
                            .sorted()
                            .toList(),
                    "every document written exactly once (in answer order)");
            assertTrue(
                    Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst")
                            .isEmpty(),
                    "nothing rejected");
            JsonNode report = new ObjectMapper().readTree(summary.toFile());
            assertEquals("committed", report.path("outcome").asText());
            assertEquals(DOCUMENTS, report.path("written").asLong());
            long faulted = sim.requestLog().completions().stream()
                    .filter(r -> r.outcome().flatMap(o -> o.fault()).isPresent())
                    .count();
            System.out.printf(
                    "fault test: %d requests, %d with injected faults, 30 s outage, %d documents written%n",
                    sim.requestLog().completions().size(), faulted, DOCUMENTS);
            assertTrue(faulted > 50, "faults were injected: " + faulted);
        }
    }
}
