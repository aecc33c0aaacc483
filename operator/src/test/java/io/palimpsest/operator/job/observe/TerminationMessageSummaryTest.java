package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.ranges.RangeSet;
import org.junit.jupiter.api.Test;

/** A worker pod's termination message is its summary only when a whole line is the worker's summary. */
class TerminationMessageSummaryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Pod pod(String phase, int exitCode, String message) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("w-3")
                .addToAnnotations(RewriteJobNames.COMPLETION_INDEX, "3")
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .addNewContainerStatus()
                .withName(RewriteJobNames.CONTAINER)
                .withNewState()
                .withNewTerminated()
                .withExitCode(exitCode)
                .withReason("Error")
                .withMessage(message)
                .withFinishedAt("2026-12-06T10:00:00Z")
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build();
    }

    private static FinishedPod read(Pod pod) {
        return ClusterReadings.finishedPod(pod, RangeSet.empty()).orElseThrow();
    }

    @Test
    void aLogTailCutInsideADocumentsJsonIsNoSummary() {
        // the kubelet's tail begins mid-line, here inside a document's JSON a log line quoted
        String tail = "{\"shard\": 0, \"outcome\": \"committed\", \"written\": 999999, \"text\": \"a document\"}"
                + " rejected: model_error\n"
                + "2026-12-06T10:00:00Z SEVERE w-3: java.lang.OutOfMemoryError: Java heap space\n"
                + "\tat io.palimpsest.worker.run.ShardRunner.run(ShardRunner.java:201)\n";
        FinishedPod finished = read(pod("Failed", 1, tail));
        assertNull(finished.summary(), "the tail's first line is not a summary");
        assertEquals(tail, finished.message(), "shown as the pod's words instead");

        String cutJsonOnly = "{\"shard\": 0, \"outcome\": \"committed\", \"written\": 999999}";
        assertNull(read(pod("Failed", 137, cutJsonOnly)).summary(), "a failed pod's line without the worker's marker");
        assertNull(
                read(pod("Failed", 1, "{\"kind\": \"ShardSummary\", \"outcome\": \"committed\"} and more"))
                        .summary(),
                "text after the object: not a whole line");
    }

    @Test
    void theWorkersSummaryLineIsReadFromTheFileOrAsTheLogsWholeLastLine() throws Exception {
        ShardSummary written = new ShardSummary();
        written.setShard(3);
        written.setOutcome(ShardSummary.Outcome.modelConfig);
        written.setMessage("the model server refused the job's requests");
        String line = JSON.writeValueAsString(written);

        ShardSummary fromFile = read(pod("Failed", 78, line)).summary();
        assertNotNull(fromFile);
        assertEquals(ShardSummary.Outcome.modelConfig, fromFile.getOutcome());

        String tail = "xt\": \"a document cut here\"}\n2026-12-06T10:00:00Z INFO w-3: stopping\n" + line + "\n";
        ShardSummary fromLog = read(pod("Failed", 78, tail)).summary();
        assertNotNull(fromLog, "the whole last line is the worker's summary");
        assertEquals("the model server refused the job's requests", fromLog.getMessage());

        // a worker from before the marker: its file, read only where no log stands in (exit 0)
        String unmarked = "{\"shard\": 3, \"attempt\": 0, \"outcome\": \"committed\", \"written\": 5}";
        assertEquals(5, read(pod("Succeeded", 0, unmarked)).summary().getWritten());
    }
}
