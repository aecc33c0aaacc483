package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker of one plan still running after its output folder was deleted and the job planned again, with another
 * file as shard 0 (a {@code local} run left running, a pod still terminating): it must not commit its shard into the
 * new plan, whose own run of shard 0 then commits that shard's documents, and the totals are the new plan's.
 */
class ReplannedOutputFileTest {

    private static final String RECEIPT = "_palimpsest/receipts/shard-00000.json";

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path in;
    private Path out;
    private Path job;
    private ModelSimServer sim;

    @BeforeEach
    void planned() throws IOException {
        in = tmp.resolve("in");
        out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("b.jsonl"), "beta", 30);
        Corpus.writeJsonl(in.resolve("c.jsonl"), "gamma", 4);
        // slow enough that the plan is replaced while the first plan's worker of shard 0 is half-way
        sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .decodeStepBaseSeconds(0.004)
                        .build(),
                "127.0.0.1",
                0);
        job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 1);
        CliRun plan = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");
        assertEquals(0, plan.exit(), plan.err());
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWorkerOfAReplacedPlanCommitsNothingIntoTheNewPlan() throws Exception {
        String first = PlanIdentity.inForce(new FileStorage(out));
        Path staleTermination = tmp.resolve("stale-termination");
        CompletableFuture<Integer> stale = CompletableFuture.supplyAsync(() -> PalimpsestCli.execute(
                "run",
                "-f",
                job.toString(),
                "--shard",
                "0",
                "--checkpoint-every",
                "1000",
                "--termination-log",
                staleTermination.toString()));
        while (sim.requestLog().completions().isEmpty() && !stale.isDone()) {
            Thread.sleep(5);
        }
        assertFalse(stale.isDone(), "the first plan's worker is still running when the output is planned again");

        // the output folder deleted and planned again: a new file, the largest, is shard 0 now (largest first)
        deleteTree(out);
        Corpus.writeJsonl(in.resolve("a.jsonl"), "alpha", 60);
        assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
        String second = PlanIdentity.inForce(new FileStorage(out));
        assertNotEquals(first, second);
        assertFalse(stale.isDone(), "re-planned before the first plan's worker finished its shard");

        int staleExit = stale.get(100, TimeUnit.SECONDS);

        assertEquals(ExitCodes.BAD_DATA, staleExit);
        String staleSummary = Files.readString(staleTermination);
        assertTrue(staleSummary.contains("\"reason\":\"plan_replaced\""), staleSummary);
        assertTrue(staleSummary.contains("this attempt ran under plan " + first), staleSummary);
        assertTrue(staleSummary.contains("the plan in force is " + second), staleSummary);
        assertTrue(staleSummary.contains(new FileStorage(out).describe("_palimpsest/manifest.jsonl")), staleSummary);
        assertFalse(new FileStorage(out).exists(RECEIPT), "no receipt of the first plan in the second plan's output");

        Path termination = tmp.resolve("termination");
        CliRun run =
                CliRun.of("run", "-f", job.toString(), "--shard", "0", "--termination-log", termination.toString());

        assertEquals(ExitCodes.DONE, run.exit(), run.err());
        JsonNode summary = json.readTree(Files.readString(termination));
        assertEquals("committed", summary.path("outcome").asText(), summary.toString());
        assertEquals(60, summary.path("read").asLong(), summary.toString());
        List<String> ids = Outputs.ids(new FileStorage(out), "plain/shard-00000.jsonl.zst");
        assertEquals(60, ids.size(), ids.toString());
        assertTrue(ids.stream().allMatch(id -> id.startsWith("alpha-")), ids.toString());
        JsonNode receipt = json.readTree(new FileStorage(out).readAll(RECEIPT));
        assertEquals(second, receipt.path("planSha256").asText());
        for (int shard = 1; shard <= 2; shard++) {
            CliRun other =
                    CliRun.of("run", "-f", job.toString(), "--shard", String.valueOf(shard), "--termination-log", "");
            assertEquals(ExitCodes.DONE, other.exit(), other.err());
        }
        CliRun tally = CliRun.of("tally", "-f", job.toString(), "--termination-log", "");
        assertEquals(0, tally.exit(), tally.err());
        JsonNode totals = json.readTree(tally.out());
        assertEquals(60 + 30 + 4, totals.path("read").asLong(), tally.out());
        assertEquals(60 + 30 + 4, totals.path("written").asLong(), tally.out());
        assertEquals(3, totals.path("receipts").asLong(), tally.out());
    }

    /**
     * A receipt of the first plan that lands in the second plan's output (created in the one request between a stale
     * worker's last check and its create): a run of the shard, a local rerun, {@code tally} and {@code show} each
     * refuse it by name rather than take it as the second plan's commit, count it or show its records.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aReceiptOfAnotherPlanIsRefusedByNameByRunLocalTallyAndShow() throws Exception {
        CliRun firstRun = CliRun.of("run", "-f", job.toString(), "--shard", "0", "--termination-log", "");
        assertEquals(ExitCodes.DONE, firstRun.exit(), firstRun.err());
        byte[] staleReceipt = Files.readAllBytes(out.resolve(RECEIPT));
        String first = json.readTree(staleReceipt).path("planSha256").asText();
        assertEquals(PlanIdentity.inForce(new FileStorage(out)), first);

        deleteTree(out);
        Corpus.writeJsonl(in.resolve("a.jsonl"), "alpha", 60);
        assertEquals(
                0,
                CliRun.of("plan", "-f", job.toString(), "--termination-log", "").exit());
        String second = PlanIdentity.inForce(new FileStorage(out));
        Files.createDirectories(out.resolve(RECEIPT).getParent());
        Files.write(out.resolve(RECEIPT), staleReceipt);
        String named =
                new FileStorage(out).describe(RECEIPT) + " names plan " + first + ", the plan in force is " + second;

        Path termination = tmp.resolve("termination");
        CliRun run =
                CliRun.of("run", "-f", job.toString(), "--shard", "0", "--termination-log", termination.toString());
        assertEquals(ExitCodes.BAD_DATA, run.exit(), run.err());
        String summary = Files.readString(termination);
        assertTrue(summary.contains("\"reason\":\"plan_replaced\""), summary);
        assertTrue(summary.contains(named), summary);
        assertTrue(summary.contains("\"read\":0"), summary);

        CliRun local = CliRun.of("local", "-f", job.toString());
        assertNotEquals(0, local.exit(), local.text());
        assertTrue(local.text().contains(named), local.text());

        CliRun tally = CliRun.of("tally", "-f", job.toString(), "--termination-log", "");
        assertNotEquals(0, tally.exit(), tally.text());
        assertTrue(tally.text().contains(named), tally.text());

        CliRun show = CliRun.of("show", out.toString());
        assertNotEquals(0, show.exit(), show.text());
        assertTrue(show.text().contains(named), show.text());
        assertArrayEquals(staleReceipt, Files.readAllBytes(out.resolve(RECEIPT)), "left as it is");
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
