package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.PlanRefusals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code palimpsest plan} in a pod marks a refusal for the state of its input in its termination message
 * ({@link PlanRefusals#INPUT_NOT_READY}), which the operator reads to plan the job again once the RewriteJob
 * writing that input has Succeeded; any other refusal is unmarked, and the job stays Failed.
 */
class PlanInputRefusalMarkTest {

    @TempDir
    Path tmp;

    Path manifests;
    Path terminationLog;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
        edit("uri: file://quickstart-out/", "uri: " + tmp.resolve("out").toUri());
        terminationLog = tmp.resolve("termination-log");
    }

    private void edit(String from, String to) throws IOException {
        Path job = manifests.resolve("job.yaml");
        String text = Files.readString(job);
        assertTrue(text.contains(from), from);
        Files.writeString(job, text.replace(from, to));
    }

    private String plan() throws IOException {
        CliRun run = CliRun.of("plan", "-f", manifests.toString(), "--termination-log", terminationLog.toString());
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        return Files.readString(terminationLog);
    }

    @Test
    void anInputThatIsNotThereYetIsMarked() throws IOException {
        edit("uri: file://data/", "uri: " + tmp.resolve("stage-1").toUri());
        String message = plan();
        assertTrue(message.startsWith(PlanRefusals.INPUT_NOT_READY + "spec.input.uri "), message);
        assertTrue(message.contains("does not exist"), message);
        assertTrue(PlanRefusals.aboutInput(ExitCodes.INVALID_JOB, message));
    }

    @Test
    void anInputOfWhichTheGlobsTakeNothingIsMarked() throws IOException {
        edit("include: [\"*.jsonl\"]", "include: [\"*.parquet\"]");
        String message = plan();
        assertTrue(message.startsWith(PlanRefusals.INPUT_NOT_READY + "no file under "), message);
    }

    @Test
    void aRefusalOfTheJobAsWrittenIsNotMarked() throws IOException {
        edit("filesPerShard: 1 ", "filesPerShard: 0 ");
        String message = plan();
        assertFalse(message.isEmpty());
        assertFalse(message.startsWith(PlanRefusals.INPUT_NOT_READY), message);
        assertFalse(PlanRefusals.aboutInput(ExitCodes.INVALID_JOB, message));
    }
}
