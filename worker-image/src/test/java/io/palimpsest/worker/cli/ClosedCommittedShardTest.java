package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed (SIGKILL: out of memory, a node lost) after it committed its shard's receipt and before it wrote
 * its summary leaves a failed pod that says nothing of the commit: the operator's attempt ledger charges it, and when
 * that was the shard's last attempt the ledger closes the shard. The Job controller still runs the index again (its
 * own budget holds the outage retries too), and that pod reads the closed ledger: it reports the shard committed, as
 * any attempt that finds the receipt does, so the index completes, where a refusal (exit 43, which fails the index)
 * left a committed shard failed and the job failed or short of it. A shard closed without a receipt is still refused.
 */
class ClosedCommittedShardTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path out;
    private Path termination;
    private ModelSimServer sim;
    private Path job;

    @BeforeEach
    void planned() throws IOException {
        Path in = tmp.resolve("in");
        out = tmp.resolve("out");
        termination = tmp.resolve("termination");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "alpha", 10);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "beta", 6);
        sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0);
        job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 8);
        CliRun plan = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");
        assertEquals(0, plan.exit(), plan.err());
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void aCommittedShardWhoseAttemptsAreSpentIsReportedCommittedNotRefused() throws IOException {
        CliRun first = runShard(0);
        assertEquals(ExitCodes.DONE, first.exit(), first.text());
        ShardSummary committed = summary();
        assertEquals(ShardSummary.Outcome.committed, committed.getOutcome());
        // the attempt that committed was killed before its summary: charged, and it was the last one
        closeShards(0);
        int sent = sim.requestLog().completions().size();

        CliRun again = runShard(0);

        assertEquals(ExitCodes.DONE, again.exit(), again.text());
        ShardSummary s = summary();
        assertEquals(ShardSummary.Outcome.alreadyCommitted, s.getOutcome(), again.text());
        assertEquals(committed.getRead(), s.getRead(), "the receipt's counts");
        assertEquals(s.getRead(), s.getWritten() + s.getRejected() + s.getSkipped());
        assertEquals(sent, sim.requestLog().completions().size(), "nothing sent to the model");
    }

    @Test
    void aShardClosedWithoutAReceiptIsStillRefused() throws IOException {
        closeShards(1);

        CliRun refused = runShard(1);

        assertEquals(ExitCodes.ATTEMPTS_EXHAUSTED, refused.exit(), refused.text());
        ShardSummary s = summary();
        assertEquals(ShardSummary.Outcome.error, s.getOutcome());
        assertEquals("attemptsExhausted", s.getReason());
        assertEquals(0, sim.requestLog().completions().size(), "nothing sent to the model");
        assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00001.json")), "nothing committed");
        assertTrue(s.getMessage().contains("3 failed"), s.getMessage());
    }

    /** The ledger the operator writes beside job.yaml, the shard closed after 3 charged failures. */
    private void closeShards(int shard) throws IOException {
        AttemptLedger ledger = new AttemptLedger();
        ledger.getShards().put(shard, new AttemptLedger.Shard(3, 0, true));
        json.writeValue(job.resolveSibling(AttemptLedger.CONFIG_KEY).toFile(), ledger);
    }

    private CliRun runShard(int shard) {
        return CliRun.of(
                "run",
                "-f",
                job.toString(),
                "--shard",
                String.valueOf(shard),
                "--termination-log",
                termination.toString());
    }

    private ShardSummary summary() throws IOException {
        return json.readValue(Files.readString(termination), ShardSummary.class);
    }
}
