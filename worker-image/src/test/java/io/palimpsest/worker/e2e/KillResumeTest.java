package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.run.CheckpointStore;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code palimpsest run} process is SIGKILLed at random moments, at least 20 times over one shard,
 * then allowed to finish. The committed output must hold the same records as an unkilled run, none
 * lost and none twice. Parts take answers in the order they arrive, so a kill throws away only the
 * answers of the part being filled (under one interval; half on average) and those that arrive while a
 * full part uploads; requests cut off in flight were never answered. Each kill's loss is measured
 * alone: the answers the killed process received minus the items its parts committed.
 */
class KillResumeTest {

    private static final int DOCUMENTS = 2500;
    private static final int CHECKPOINT_EVERY = 50;
    private static final int CONCURRENCY = 16;
    private static final int KILLS = 20;

    @TempDir
    Path dir;

    @Test
    void killedRunsResumeWithoutLossOrDuplicates() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", DOCUMENTS);
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .maxNumSeqs(64)
                .decodeStepBaseSeconds(0.001)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .requestLogCapacity(200_000)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Path killed = JobFiles.write(
                    dir.resolve("killed-job"),
                    dir.resolve("in"),
                    dir.resolve("out-killed"),
                    sim.baseUrl(),
                    CONCURRENCY);
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "plan",
                            "-f",
                            killed.toString(),
                            "--termination-log",
                            dir.resolve("plan.json").toString()));

            Random random = new Random(42);
            CheckpointStore checkpoints = new CheckpointStore(
                    new FileStorage(dir.resolve("out-killed")),
                    new ShardLayout(0, Compression.ZSTD),
                    new ObjectMapper());
            List<Long> lossPerKill = new ArrayList<>();
            long answeredBefore = 0;
            long committedBefore = 0;
            int kills = 0;
            while (kills < KILLS) {
                long before = sim.requestLog().totalReceived();
                Process run = WorkerProcess.start(dir, killed, CHECKPOINT_EVERY, "summary.json");
                // the JVM takes a while to start: kill at a random point of the work, not of the startup
                while (run.isAlive() && sim.requestLog().totalReceived() == before) {
                    Thread.sleep(10);
                }
                if (run.waitFor(random.nextInt(250), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("the shard finished after only " + kills
                            + " kills; make the corpus larger. exit " + run.exitValue());
                }
                run.destroyForcibly().waitFor();
                kills++;
                long answeredNow = sim.requestLog().completions().stream()
                        .filter(KillResumeTest::answered)
                        .count();
                long committedNow = checkpoints.read().done().size();
                lossPerKill.add((answeredNow - answeredBefore) - (committedNow - committedBefore));
                answeredBefore = answeredNow;
                committedBefore = committedNow;
            }
            Process last = WorkerProcess.start(dir, killed, CHECKPOINT_EVERY, "summary.json");
            assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the resumed run finishes");
            assertEquals(0, last.exitValue(), Files.readString(dir.resolve("run.log")));
            List<LoggedRequest> calls = sim.requestLog().completions();
            long answered = calls.stream().filter(KillResumeTest::answered).count();
            long aborted = calls.size() - answered;

            FileStorage killedOut = new FileStorage(dir.resolve("out-killed"));
            Map<String, String> withKills = texts(killedOut);
            assertEquals(
                    ids.stream().sorted().toList(),
                    withKills.keySet().stream().sorted().toList(),
                    "every document exactly once");
            assertEquals(
                    DOCUMENTS,
                    Outputs.read(killedOut, "plain/shard-00000.jsonl.zst").size(),
                    "no duplicates");

            Path clean = JobFiles.write(
                    dir.resolve("clean-job"), dir.resolve("in"), dir.resolve("out-clean"), sim.baseUrl(), CONCURRENCY);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", clean.toString(), "--termination-log", ""));
            assertEquals(
                    0, PalimpsestCli.execute("run", "-f", clean.toString(), "--shard", "0", "--termination-log", ""));
            assertEquals(
                    texts(new FileStorage(dir.resolve("out-clean"))), withKills, "same records as an unkilled run");

            // answered calls beyond one per document are finished work a kill threw away; calls cut off mid-generation
            // by the kill (in flight, at most the concurrency) are counted apart
            long redone = answered - DOCUMENTS;
            long worst = lossPerKill.stream().mapToLong(Long::longValue).max().orElse(0);
            System.out.printf(
                    "kill test: %d kills, %d documents, %d answered calls (%d redone = %.1f per kill, worst kill %d, "
                            + "checkpoint interval %d), %d calls cut off in flight (%.1f per kill); per kill: %s%n",
                    kills,
                    DOCUMENTS,
                    answered,
                    redone,
                    redone / (double) kills,
                    worst,
                    CHECKPOINT_EVERY,
                    aborted,
                    aborted / (double) kills,
                    lossPerKill);
            assertEquals(
                    redone,
                    lossPerKill.stream().mapToLong(Long::longValue).sum(),
                    "every redone call is some kill's loss");
            // the part being filled holds under one interval; answers that arrive while a full part uploads
            // (milliseconds on a quiet machine, much longer on a loaded one) join the next part, so a single
            // kill mid-upload can lose up to the part being uploaded too: the bound that matters is the average
            assertTrue(
                    redone <= (long) kills * CHECKPOINT_EVERY,
                    "redone work " + redone + " exceeds one checkpoint interval per kill");
            assertTrue(worst <= 2L * CHECKPOINT_EVERY + CONCURRENCY, "a kill threw away " + worst + " answered calls");
        }
    }

    private static boolean answered(LoggedRequest call) {
        return call.outcome()
                .map(o -> o.status() == 200 && !"abort".equals(o.finishReason()))
                .orElse(false);
    }

    private static Map<String, String> texts(FileStorage output) throws Exception {
        Map<String, String> byId = new LinkedHashMap<>();
        for (JsonNode record : Outputs.read(output, "plain/shard-00000.jsonl.zst")) {
            byId.put(record.path("id").asText(), record.path("text").asText());
        }
        return byId;
    }
}
