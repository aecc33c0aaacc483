package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code preview} names its model once the run gets to the model, as {@code local} does: a refusal that has
 * nothing to do with the model (the input, the recipe's templates) comes without a line about it.
 */
class PreviewModelLineTest {

    @TempDir
    Path tmp;

    private CliRun preview(Path job) {
        return CliRun.of(
                "preview",
                "-f",
                job.toString(),
                "--simulate",
                "--sample",
                "5",
                "--tokens-per-second-per-replica",
                "2000",
                "--out",
                tmp.resolve("report").toString());
    }

    @Test
    void aMissingInputIsRefusedWithoutAModelLine() throws IOException {
        Path job =
                JobFiles.write(tmp.resolve("job"), tmp.resolve("absent"), tmp.resolve("out"), "http://127.0.0.1:9", 8);

        CliRun run = preview(job);

        assertTrue(run.exit() != 0, run.text());
        assertFalse(run.err().contains("model:"), run.err());
    }

    @Test
    void aTemplateThatFailsOnTheSampledDocumentsIsRefusedWithoutAModelLine() throws IOException {
        Path in = tmp.resolve("in");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 8);
        Path job = JobFiles.write(tmp.resolve("job"), in, tmp.resolve("out"), "http://127.0.0.1:9", 8);
        Files.writeString(job, Files.readString(job).replace("{{ text }}", "{{ text }} {{ meta.no_such_field }}"));

        CliRun run = preview(job);

        assertTrue(run.exit() != 0, run.text());
        assertTrue(run.err().contains("meta.no_such_field is in none of the first"), run.err());
        assertFalse(run.err().contains("model:"), run.err());
    }

    @Test
    void aPreviewThatGetsToTheModelNamesItAfterThePlan() throws IOException {
        Path in = tmp.resolve("in");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 8);
        Path job = JobFiles.write(tmp.resolve("job"), in, tmp.resolve("out"), "http://127.0.0.1:9", 8);

        CliRun run = preview(job);

        assertEquals(0, run.exit(), run.text());
        assertTrue(
                run.err().matches("(?s).*\nplanned [^\n]*\nmodel: built-in simulator at http://127\\.0\\.0\\.1:\\d+.*")
                        || run.err().matches("(?s)planned [^\n]*\nmodel: built-in simulator at .*"),
                run.err());
    }
}
