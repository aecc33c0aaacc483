package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.CliRun;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.HeldHealthServer;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code palimpsest retry-rejects} gets a real SIGINT or SIGTERM after it chose the rejects and wrote its round's
 * input, while the model's health check waits: it says at once which round, that the call committed nothing, and that
 * the same command resumes that round, and exits 130 or 143, where the JVM used to exit without a word (the command
 * had no hook of its own, and the round's named the job, not the round). The next call resumes the round.
 */
class RetryRejectsSigtermTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "SIG{0} exits {1}")
    @CsvSource({"INT, 130", "TERM, 143"})
    void aStopBeforeTheRoundsShardsNamesTheRoundAndHowToResumeIt(String signal, int exit) throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 12);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                "rules:\n  - name: poison\n    match: 'record number 7\\.'\n    on: document\n    fault: server_error\n");
        Path job;
        try (ModelSimServer failing = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .rulesFile(rules)
                        .build(),
                "127.0.0.1",
                0)) {
            job = JobFiles.write(dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), failing.baseUrl(), 16);
            Files.writeString(
                    job,
                    Files.readString(job).replace("  workers:\n", "  retry:\n    attemptsPerShard: 1\n  workers:\n"));
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S"));
        }

        HeldHealthServer server = new HeldHealthServer();
        Path log = dir.resolve("retry.log");
        try {
            Process retry = new ProcessBuilder(WorkerProcess.cli(
                            "512m",
                            "retry-rejects",
                            "-f",
                            job.toString(),
                            "--reason",
                            "model_error",
                            "--endpoint",
                            server.url()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            assertTrue(server.awaitHealthCheck(retry), "the health check was sent: " + read(log));
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(retry.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            assertTrue(retry.waitFor(10, TimeUnit.SECONDS), "exits at once: " + read(log));
            String text = read(log);
            assertEquals(exit, retry.exitValue(), text);
            assertTrue(
                    text.contains("stopped    by SIG" + signal + " while checking that the model endpoint answers,"
                            + " before any shard of retry round 1 started: this call committed nothing and sent no"
                            + " document to the model (the round's documents are chosen and written under retries/);"
                            + " run the same command again to resume retry round 1 (exit " + exit + ")"),
                    text);
            assertEquals(0, server.completions(), text);
        } finally {
            server.close();
        }

        FileStorage out = new FileStorage(dir.resolve("out"));
        assertFalse(out.exists("retries/round-001/_palimpsest/receipts/shard-00000.json"));
        try (ModelSimServer well = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            CliRun again = CliRun.of(
                    "retry-rejects", "-f", job.toString(), "--reason", "model_error", "--endpoint", well.baseUrl());
            assertEquals(0, again.exit(), again.text());
            assertTrue(again.err().contains("resuming retry round 1 (1 document), left unfinished"), again.text());
            assertEquals(List.of("doc-7"), Outputs.ids(out, "retries/round-001/plain/shard-00000.jsonl.zst"));
        }
    }

    private static String read(Path log) throws Exception {
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
