package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code preview --out} takes the forms {@code local --out} takes for a local output: a path or a file:// URI. */
class PreviewOutFolderTest {

    @TempDir
    Path tmp;

    private CliRun preview(Path job, String out) {
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
                out);
    }

    @Test
    void aFileUriIsTheFolderItNames() throws IOException {
        Path in = tmp.resolve("in");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 8);
        Path job = JobFiles.write(tmp.resolve("job"), in, tmp.resolve("out"), "http://127.0.0.1:9", 8);
        Path folder = tmp.resolve("report");

        CliRun run = preview(job, folder.toUri().toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(Files.exists(folder.resolve("report.html")), "written where the URI points");
        assertTrue(Files.exists(folder.resolve("preview.json")));
        assertFalse(Files.exists(Path.of("file:")), "not into a relative folder named after the URI");
    }

    @Test
    void aUriOfAnotherSchemeIsRefusedNamingTheOption() throws IOException {
        Path in = tmp.resolve("in");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 8);
        Path job = JobFiles.write(tmp.resolve("job"), in, tmp.resolve("out"), "http://127.0.0.1:9", 8);

        CliRun run = preview(job, "s3://bucket/previews/");

        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains(
                                "--out s3://bucket/previews/: a local folder, given as a path or a file:// URI, not a s3:// one"),
                run.err());
        assertTrue(run.err().contains("--to-output"), run.err());
        assertFalse(Files.exists(Path.of("s3:")), "nothing written");
    }
}
