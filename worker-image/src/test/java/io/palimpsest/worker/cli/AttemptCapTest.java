package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttemptCapTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void noLedgerChangesNothing(@TempDir Path dir) throws IOException {
        AttemptCap.Decision d = AttemptCap.decide(dir.resolve("job.yaml"), 3, 1, json);
        assertEquals(1, d.attempt());
        assertNull(d.refusal());
    }

    /** {@code --job} naming a folder of manifests: a ledger beside the folder is not the job's. */
    @Test
    void aFolderOfManifestsHasNoLedger(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("manifests"));
        Files.writeString(
                dir.resolve(AttemptLedger.CONFIG_KEY), "{\"shards\":{\"3\":{\"failures\":2,\"exhausted\":true}}}");
        assertNull(AttemptCap.decide(dir.resolve("manifests"), 3, 0, json).refusal());
    }

    /** The Job controller's count restarted at 0 after a suspend; the ledger's did not. */
    @Test
    void theLedgersCountWinsWhenHigher() {
        assertEquals(
                3,
                AttemptCap.decide(new AttemptLedger.Shard(2, 1, false), 3, 0).attempt(),
                "failures and outage exits, as the job counts: the runner takes the outages off");
        assertEquals(
                4,
                AttemptCap.decide(new AttemptLedger.Shard(2, 1, false), 3, 4).attempt(),
                "the job's count includes outages");
        assertEquals(
                0, AttemptCap.decide(new AttemptLedger.Shard(0, 0, false), 3, 0).attempt());
    }

    @Test
    void anExhaustedShardIsNotRun(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("job.yaml"), "name: j\n");
        Files.writeString(
                dir.resolve(AttemptLedger.CONFIG_KEY),
                "{\"shards\":{\"3\":{\"failures\":2,\"outages\":0,\"exhausted\":true},"
                        + "\"4\":{\"failures\":1,\"outages\":0,\"exhausted\":false}}}");
        AttemptCap.Decision d = AttemptCap.decide(dir.resolve("job.yaml"), 3, 0, json);
        ShardSummary refusal = d.refusal();
        assertEquals(ShardSummary.Outcome.error, refusal.getOutcome());
        assertEquals("attemptsExhausted", refusal.getReason(), "the wire string the operator reads");
        assertEquals(3, refusal.getShard());
        assertTrue(refusal.getMessage().contains("2 failed"), refusal.getMessage());
        assertNull(AttemptCap.decide(dir.resolve("job.yaml"), 4, 0, json).refusal());
        assertEquals(1, AttemptCap.decide(dir.resolve("job.yaml"), 4, 0, json).attempt());
        assertEquals(43, ExitCodes.ATTEMPTS_EXHAUSTED);
    }

    @Test
    void aBrokenLedgerIsAnErrorNamingTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("job.yaml"), "name: j\n");
        Files.writeString(dir.resolve(AttemptLedger.CONFIG_KEY), "{\"shards\":");
        IOException e = assertThrows(IOException.class, () -> AttemptCap.decide(dir.resolve("job.yaml"), 3, 0, json));
        assertTrue(e.getMessage().contains(AttemptLedger.CONFIG_KEY), e.getMessage());
    }
}
