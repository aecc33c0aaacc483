package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.testing.Corpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warnings a shard logs while a signal stops it reach stderr: the JDK's own shutdown hook, which closes
 * every log handler, runs only after the command's stop is over (a preempted pod's log keeps them).
 */
class StoppingLogLinesTest {

    private static final Path QUICKSTART = Path.of("../examples/quickstart");

    @TempDir
    Path dir;

    @Test
    void sigtermStoppingWarningsAreOnStderr() throws Exception {
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
            Process local = new ProcessBuilder(WorkerProcess.cli(
                            "512m",
                            "local",
                            "-f",
                            dir.toString(),
                            "--endpoint",
                            sim.baseUrl(),
                            "--out",
                            dir.resolve("out").toString(),
                            "--stop-within",
                            "PT2S"))
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .redirectError(dir.resolve("stderr.log").toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (sim.requestLog().totalReceived() < 4 && System.nanoTime() < deadline && local.isAlive()) {
                Thread.sleep(20);
            }
            Process kill = new ProcessBuilder("kill", "-TERM", String.valueOf(local.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            assertTrue(local.waitFor(30, TimeUnit.SECONDS), "exits within --stop-within and its summary");
            String stderr = Files.readString(dir.resolve("stderr.log"));
            assertEquals(143, local.exitValue(), stderr);
            assertTrue(
                    stderr.contains("WARNING io.palimpsest.worker.run.ShardRunner: shard-00000: terminated; 0 documents"
                            + " kept in checkpoint parts"),
                    "the shard's stopping warning is on stderr:\n" + stderr);
            assertTrue(stderr.contains("shard-00000 error exit=143"), stderr);
        }
    }
}
