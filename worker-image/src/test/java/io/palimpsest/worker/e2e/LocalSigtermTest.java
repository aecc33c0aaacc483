package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.HeldHealthServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code palimpsest local} gets a real SIGTERM mid-run (Ctrl-C, {@code kill}): like {@code run}, each
 * shard takes no more documents, lets the answers in flight come back, checkpoints every document it
 * finished, and the command prints each shard's line and the summary before exiting 143. The next
 * run resumes after what was kept.
 */
class LocalSigtermTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path QUICKSTART = Path.of("../examples/quickstart");
    private static final int FILES = 3;
    private static final int PER_FILE = 150;
    private static final int CHECKPOINT_EVERY = 10;

    @TempDir
    Path dir;

    @Test
    void sigtermKeepsWhatWasAnsweredPrintsEveryShardAndExits143() throws Exception {
        stopMidRunThenResume("TERM", 143);
    }

    /** Ctrl-C stops the same way; the JVM exits 130 (the shell's code for SIGINT) and the shards name SIGINT. */
    @Test
    void ctrlCStopsTheSameWayAndIsNamedAsSuch() throws Exception {
        stopMidRunThenResume("INT", 130);
    }

    private void stopMidRunThenResume(String signal, int exit) throws Exception {
        Files.copy(QUICKSTART.resolve("job.yaml"), dir.resolve("job.yaml"));
        Files.copy(QUICKSTART.resolve("model.yaml"), dir.resolve("model.yaml"));
        for (int f = 0; f < FILES; f++) {
            Corpus.writeJsonl(dir.resolve("data/part-00" + f + ".jsonl"), "doc-" + f, PER_FILE);
        }
        SimConfig config = SimConfig.builder()
                .modelName("qwen-small")
                .maxNumSeqs(8)
                .decodeStepBaseSeconds(0.004)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .requestLogCapacity(100_000)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Process local = start(sim.baseUrl());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (sim.requestLog().totalReceived() < 120 && System.nanoTime() < deadline && local.isAlive()) {
                Thread.sleep(20);
            }
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(local.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            assertTrue(local.waitFor(30, TimeUnit.SECONDS), "exits within --stop-within and its summary");
            String log = Files.readString(dir.resolve("local.log"));
            assertEquals(exit, local.exitValue(), log);
            assertTrue(log.contains("stopped on SIG" + signal + ": took no more documents"), log);
            assertFalse(log.contains("stopped on SIG" + (signal.equals("TERM") ? "INT" : "TERM")), log);

            // every shard says it did not commit, with its own documents, and the exit the process ends with
            Matcher line = Pattern.compile("shard-0000(\\d) error exit=" + exit
                            + " read=(\\d+) written=(\\d+) rejected=(\\d+) skipped=(\\d+)[^\\n]* signal=SIG" + signal
                            + " ")
                    .matcher(log);
            long finished = 0;
            int shards = 0;
            while (line.find()) {
                shards++;
                long read = Long.parseLong(line.group(2));
                long done =
                        Long.parseLong(line.group(3)) + Long.parseLong(line.group(4)) + Long.parseLong(line.group(5));
                assertTrue(read <= PER_FILE && done <= read, line.group());
                finished += done;
            }
            assertEquals(FILES, shards, log);
            assertTrue(log.contains("\ndocuments  read "), "the summary is printed:\n" + log);
            assertTrue(log.contains("(terminated)"), log);
            assertTrue(
                    log.contains("stopped    by SIG" + signal + ": 0 of 3 shards committed; run the same command again"
                            + " to resume the rest (exit " + exit + ")"),
                    log);
            assertTrue(finished > 0, log);
            assertEquals(finished, checkpointedItems(), "every finished document is in a checkpoint part:\n" + log);
            long before = sim.requestLog().totalReceived();

            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "local",
                            "-f",
                            dir.toString(),
                            "--endpoint",
                            sim.baseUrl(),
                            "--out",
                            dir.resolve("out").toString(),
                            "--checkpoint-every",
                            String.valueOf(CHECKPOINT_EVERY)));
            long again = sim.requestLog().totalReceived() - before;
            assertTrue(
                    again <= 2L * (FILES * PER_FILE - finished),
                    "the next run resumed after the " + finished + " kept documents: " + again + " requests");
        }
    }

    /**
     * Answers slower than --stop-within: the documents still waiting when the wait runs out are not kept, and
     * the shard's line says how many, and that a longer --stop-within keeps more, rather than only that the
     * complete parts were committed (beside a requests line counting their answers).
     */
    @Test
    void documentsStillWaitingWhenTheStopRunsOutAreCountedAsNotKept() throws Exception {
        Files.copy(QUICKSTART.resolve("job.yaml"), dir.resolve("job.yaml"));
        Files.copy(QUICKSTART.resolve("model.yaml"), dir.resolve("model.yaml"));
        Corpus.writeJsonl(dir.resolve("data/part-000.jsonl"), "doc", 4);
        SimConfig config = SimConfig.builder()
                .modelName("qwen-small")
                .decodeStepBaseSeconds(0.5)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Process local = start(sim.baseUrl(), "PT2S");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (sim.requestLog().totalReceived() < 8 && System.nanoTime() < deadline && local.isAlive()) {
                Thread.sleep(20);
            }
            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(local.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            assertTrue(local.waitFor(30, TimeUnit.SECONDS), "exits within --stop-within and its summary");
            String log = Files.readString(dir.resolve("local.log"));
            assertEquals(130, local.exitValue(), log);
            assertTrue(
                    log.contains("resumes after them; 4 document(s) still waiting for the model when the wait (3/4 of"
                            + " --stop-within PT2S) ran out are not kept: the next attempt sends them again (a longer"
                            + " --stop-within keeps more)"),
                    log);
            assertEquals(0, checkpointedItems(), log);
        }
    }

    /**
     * Ctrl-C once every document is already with the model and the input is read to its end: the answers come
     * back within --stop-within and the shard commits in full. The JVM still exits 130 (the signal's code); the
     * shard's line shows that exit and the signal beside its outcome, and the summary says the output is complete
     * and that the exit is the interrupt's, so neither says "exit=0" while the process exits 130.
     */
    @Test
    void ctrlCAfterTheLastDocumentWasSentCommitsTheShardAndSaysTheExitIsTheInterrupts() throws Exception {
        Files.copy(QUICKSTART.resolve("job.yaml"), dir.resolve("job.yaml"));
        Files.copy(QUICKSTART.resolve("model.yaml"), dir.resolve("model.yaml"));
        Corpus.writeJsonl(dir.resolve("data/part-000.jsonl"), "doc", 4);
        SimConfig config = SimConfig.builder()
                .modelName("qwen-small")
                .decodeStepBaseSeconds(0.1)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Process local = start(sim.baseUrl(), "PT60S");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            // both variants of all 4 documents are with the model: the reader is at the end of its file
            while (sim.requestLog().totalReceived() < 8 && System.nanoTime() < deadline && local.isAlive()) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(local.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            assertTrue(local.waitFor(60, TimeUnit.SECONDS), "exits once the answers are in and committed");
            String log = Files.readString(dir.resolve("local.log"));
            assertEquals(130, local.exitValue(), log);
            assertTrue(
                    log.matches("(?s).*shard-00000 committed exit=130 read=4 written=4 [^\n]* signal=SIGINT\n.*"), log);
            assertFalse(log.contains("exit=0"), log);
            assertTrue(
                    log.contains("stopped    by SIGINT after every shard was committed: the output is complete;"
                            + " exit 130 says only that the run was interrupted"),
                    log);
            assertTrue(Files.exists(dir.resolve("out/_palimpsest/receipts/shard-00000.json")), log);
        }
    }

    /**
     * A stop before any shard runs (here while the model's health check waits for an endpoint slow to answer; the
     * manifests, the built-in simulator and the plan come before the shards as well) is answered at once with the
     * step it came in, that this run committed nothing, and what to do next, where the JVM used to exit 130 or 143
     * without a word.
     */
    @ParameterizedTest(name = "SIG{0} exits {1}")
    @CsvSource({"INT, 130", "TERM, 143"})
    void aStopBeforeTheShardsRunSaysWhereItCameAndThatNothingWasCommitted(String signal, int exit) throws Exception {
        Files.copy(QUICKSTART.resolve("job.yaml"), dir.resolve("job.yaml"));
        Files.copy(QUICKSTART.resolve("model.yaml"), dir.resolve("model.yaml"));
        Corpus.writeJsonl(dir.resolve("data/part-000.jsonl"), "doc", 4);
        HeldHealthServer server = new HeldHealthServer();
        try {
            Process local = start(server.url(), "PT20S");
            assertTrue(server.awaitHealthCheck(local), "the health check was sent: " + log());
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(local.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            // at once: nothing waits to be committed, so neither --stop-within nor the health check is waited for
            assertTrue(local.waitFor(10, TimeUnit.SECONDS), "exits at once: " + log());
            String log = log();
            assertEquals(exit, local.exitValue(), log);
            assertTrue(
                    log.contains("stopped    by SIG" + signal + " while checking that the model endpoint answers,"
                            + " before any shard started: this run committed nothing and sent no document to the"
                            + " model; run the same command again to run the job (exit " + exit + ")"),
                    log);
            assertEquals(0, server.completions(), log);
            assertFalse(Files.exists(dir.resolve("out/_palimpsest/receipts")), log);
        } finally {
            server.close();
        }
    }

    /**
     * The hook that answers a stop while the CLI starts is there from the process's first instruction: a command
     * that never runs (its usage asked for, or an option it does not know) ends without it saying a word.
     */
    @ParameterizedTest(name = "local {0}")
    @CsvSource({"--help, 0", "--bogus, 2"})
    void aLocalThatNeverRunsEndsWithoutAStopLine(String option, int exit) throws Exception {
        Process local = new ProcessBuilder(WorkerProcess.cli("256m", "local", option))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("local.log").toFile())
                .start();
        assertTrue(local.waitFor(60, TimeUnit.SECONDS), log());
        assertEquals(exit, local.exitValue(), log());
        assertTrue(log().contains("--stop-within"), "the usage: " + log());
        assertFalse(log().contains("stopped "), log());
    }

    private String log() throws Exception {
        Path file = dir.resolve("local.log");
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private Process start(String endpoint) throws Exception {
        return start(endpoint, "PT5S");
    }

    private Process start(String endpoint, String stopWithin) throws Exception {
        List<String> command = WorkerProcess.cli(
                "512m",
                "local",
                "-f",
                dir.toString(),
                "--endpoint",
                endpoint,
                "--out",
                dir.resolve("out").toString(),
                "--checkpoint-every",
                String.valueOf(CHECKPOINT_EVERY),
                "--stop-within",
                stopWithin);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("local.log").toFile())
                .start();
    }

    /** Items the checkpoint parts of every shard hold (their markers list them). */
    private long checkpointedItems() throws Exception {
        Path checkpoints = dir.resolve("out/_palimpsest/checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return 0;
        }
        long items = 0;
        try (Stream<Path> files = Files.walk(checkpoints)) {
            for (Path marker : files.filter(p -> p.getFileName().toString().matches("part-\\d+\\.json"))
                    .toList()) {
                items += JSON.readTree(marker.toFile())
                        .path("counts")
                        .path("read")
                        .asLong();
            }
        }
        return items;
    }
}
