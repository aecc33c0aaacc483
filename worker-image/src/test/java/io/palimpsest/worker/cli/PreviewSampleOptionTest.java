package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code preview}'s sample is the one a cluster's preview of the same RewriteJob draws: {@code --sample} takes what
 * spec.preview.sample takes (1 to 100,000) and is refused naming that field, and without it (or without
 * {@code --seed}) the manifest's spec.preview is drawn, as the operator passes it to the preview Job.
 */
class PreviewSampleOptionTest {

    @TempDir
    Path tmp;

    private CliRun preview(Path manifests, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "preview",
                "-f",
                manifests.toString(),
                "--simulate",
                "--tokens-per-second-per-replica",
                "2000",
                "--out",
                tmp.resolve("report").toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void aSampleTheClusterWouldRefuseIsRefusedNamingTheJobsField() throws IOException {
        Path manifests = QuickstartCopy.into(tmp);
        for (String sample : new String[] {"0", "100001"}) {
            CliRun run = preview(manifests, "--sample", sample);
            assertEquals(ExitCodes.INVALID_JOB, run.exit(), sample + ": " + run.err());
            assertTrue(
                    run.err()
                            .contains("--sample " + sample + " is out of range: it draws 1 to 100000 documents,"
                                    + " as the RewriteJob's spec.preview.sample does on a cluster"),
                    run.err());
            assertFalse(Files.exists(tmp.resolve("report")), "nothing written");
        }
    }

    @Test
    void withoutSampleOrSeedTheJobsPreviewSectionIsDrawnAsOnACluster() throws IOException {
        Path manifests = QuickstartCopy.into(tmp);
        Path job = manifests.resolve("job.yaml");
        String text = Files.readString(job);
        assertTrue(text.contains("  workers:\n"));
        Files.writeString(job, text.replace("  workers:\n", "  preview:\n    sample: 3\n    seed: 5\n  workers:\n"));

        CliRun fromTheJob = preview(manifests);
        assertEquals(0, fromTheJob.exit(), fromTheJob.err());
        assertTrue(fromTheJob.out().contains(": 3 documents drawn from "), fromTheJob.out());
        assertTrue(fromTheJob.out().contains("(seed 5)"), fromTheJob.out());

        CliRun given = preview(manifests, "--sample", "2", "--seed", "9");
        assertEquals(0, given.exit(), given.err());
        assertTrue(given.out().contains(": 2 documents drawn from "), given.out());
        assertTrue(given.out().contains("(seed 9)"), given.out());
    }
}
