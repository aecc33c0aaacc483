package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code palimpsest run} process gets a real SIGTERM mid-shard, as the kubelet sends it when a pod
 * is deleted (suspend, scale-in, preemption): it takes no more documents, waits for the requests in
 * flight, commits every complete checkpoint part, writes its summary and exits 143 within the
 * grace period. The next attempt resumes after those parts: every document once, none twice.
 */
class SigtermTest {

    private static final int DOCUMENTS = 600;
    private static final int CHECKPOINT_EVERY = 20;
    private static final int CONCURRENCY = 8;
    /** Well under the kubelet's default 30 s grace, as a deployment would set it. */
    private static final String STOP_WITHIN = "PT5S";

    @TempDir
    Path dir;

    @Test
    void sigtermCommitsWhatIsAnsweredAndExitsInTheGracePeriod() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", DOCUMENTS);
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .maxNumSeqs(64)
                .decodeStepBaseSeconds(0.004)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .requestLogCapacity(100_000)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Path job = JobFiles.write(
                    dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), sim.baseUrl(), CONCURRENCY);
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "plan",
                            "-f",
                            job.toString(),
                            "--termination-log",
                            dir.resolve("plan.json").toString()));

            Process run =
                    WorkerProcess.start(dir, job, CHECKPOINT_EVERY, "summary-1.json", "--stop-within", STOP_WITHIN);
            // Wait until a few parts are committed, then SIGTERM (Process.destroy sends SIGTERM on Linux).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sim.requestLog().totalReceived() < 3L * CHECKPOINT_EVERY && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long sentAt = System.nanoTime();
            run.destroy();
            assertTrue(run.waitFor(10, TimeUnit.SECONDS), "exits within the grace period");
            double took = (System.nanoTime() - sentAt) / 1e9;
            assertEquals(143, run.exitValue(), Files.readString(dir.resolve("run.log")));
            JsonNode summary =
                    new ObjectMapper().readTree(dir.resolve("summary-1.json").toFile());
            assertEquals(
                    "terminated",
                    summary.path("reason").asText(),
                    summary + "\n" + Files.readString(dir.resolve("run.log")));
            long committed = committedParts();
            assertTrue(committed >= 1, "the answered documents were committed as parts: " + committed);
            assertTrue(committed * CHECKPOINT_EVERY < DOCUMENTS, "it stopped before the end");
            long callsAtStop = sim.requestLog().totalReceived();

            Process resumed =
                    WorkerProcess.start(dir, job, CHECKPOINT_EVERY, "summary-2.json", "--stop-within", STOP_WITHIN);
            assertTrue(resumed.waitFor(120, TimeUnit.SECONDS), "the next attempt finishes");
            assertEquals(0, resumed.exitValue(), Files.readString(dir.resolve("run.log")));
            FileStorage out = new FileStorage(dir.resolve("out"));
            List<String> written = new ArrayList<>();
            for (JsonNode record : Outputs.read(out, "plain/shard-00000.jsonl.zst")) {
                written.add(record.path("id").asText());
            }
            // parts hold documents in the order they were answered: compare sorted, so a duplicate still shows
            List<String> expected = new ArrayList<>(ids);
            Collections.sort(expected);
            Collections.sort(written);
            assertEquals(expected, written, "every document exactly once");
            long redone = sim.requestLog().totalReceived() - DOCUMENTS;
            System.out.printf(
                    "sigterm test: exit 143 after %.2f s, %d parts committed before exiting, %d calls by then, "
                            + "%d calls redone by the next attempt (at most the in-flight window plus one part)%n",
                    took, committed, callsAtStop, redone);
            assertTrue(redone <= CONCURRENCY + CHECKPOINT_EVERY, "redone " + redone);
        }
    }

    private long committedParts() throws Exception {
        try (var files = Files.walk(dir.resolve("out"))) {
            return files.filter(p -> p.toString().contains("shard-00000")
                            && p.getFileName().toString().startsWith("part-")
                            && p.getFileName().toString().endsWith(".json"))
                    .count();
        }
    }
}
