package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.PlanSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan}, {@code run} and {@code tally} given {@code -f} read a relative {@code file://} input from
 * the manifests' folder, as {@code local} does, whatever the current directory; their failures say what
 * is missing rather than print a bare path.
 */
class ManifestFolderCommandsTest {

    @TempDir
    Path tmp;

    Path manifests;
    Path out;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
        out = tmp.resolve("out");
        Path job = manifests.resolve("job.yaml");
        // the input stays relative (file://data/, beside the manifests); the output is kept out of the current
        // directory
        Files.writeString(job, Files.readString(job).replace("uri: file://quickstart-out/", "uri: " + out.toUri()));
    }

    @Test
    void planAndTallyReadARelativeInputFromTheManifestsFolder() {
        String log = tmp.resolve("termination-log").toString();
        CliRun plan = CliRun.of("plan", "-f", manifests.toString(), "--termination-log", log);
        assertEquals(ExitCodes.DONE, plan.exit(), plan.err());
        assertEquals("2", plan.out().strip(), plan.err());
        assertTrue(Files.exists(out.resolve("_palimpsest/manifest.jsonl")));
        CliRun tally = CliRun.of("tally", "-f", manifests.toString(), "--termination-log", log);
        assertEquals(ExitCodes.DONE, tally.exit(), tally.err());
    }

    /**
     * A chunked request over the model's context: plan prints lint's warning and puts it in its summary, where
     * the operator reads it for a Warning Event on the RewriteJob.
     */
    @Test
    void planPutsTheRecipesWarningsInItsSummary() throws IOException {
        Path job = manifests.resolve("job.yaml");
        Files.writeString(
                job,
                Files.readString(job)
                        .replace(
                                "    postProcess:\n",
                                "    chunking: {mode: segments, maxTokens: 7600}\n    postProcess:\n"));
        String words = "spec.recipe.prompts[0].sampling.maxTokens: variant wiki: a full-size chunk makes a request of ";
        Path log = tmp.resolve("termination-log");
        CliRun plan = CliRun.of("plan", "-f", manifests.toString(), "--termination-log", log.toString());
        assertEquals(ExitCodes.DONE, plan.exit(), plan.err());
        assertTrue(plan.err().contains("warning: " + words), plan.err());
        PlanSummary summary = new ObjectMapper().readValue(Files.readString(log), PlanSummary.class);
        assertEquals(2, summary.getWarnings().size(), summary.toString());
        assertTrue(summary.getWarnings().get(0).startsWith(words), summary.toString());
        assertTrue(plan.err().contains("warning: " + summary.getWarnings().get(1)), plan.err());
    }

    /**
     * tally of an output where nothing was planned (the job was run with local --out elsewhere) refuses
     * (exit 78) rather than printing zeros, and reads the output given with --out.
     */
    @Test
    void tallyOfAnOutputWithoutAPlanRefusesAndTakesOut() {
        String log = tmp.resolve("termination-log").toString();
        CliRun nothing = CliRun.of("tally", "-f", manifests.toString(), "--termination-log", log);
        assertEquals(ExitCodes.INVALID_JOB, nothing.exit(), nothing.out() + nothing.err());
        assertTrue(
                nothing.err()
                        .contains("no plan at " + out.toUri().toString().replaceAll("/$", "")
                                + " (_palimpsest/manifest.jsonl): nothing was planned or run there"),
                nothing.err());
        assertEquals("", nothing.out().strip(), "no totals printed");

        Path elsewhere = tmp.resolve("elsewhere");
        CliRun local = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", elsewhere.toString());
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        CliRun tally =
                CliRun.of("tally", "-f", manifests.toString(), "--termination-log", log, "--out", elsewhere.toString());
        assertEquals(ExitCodes.DONE, tally.exit(), tally.err());
        assertTrue(tally.out().contains("\"receipts\":2"), tally.out());
    }

    /**
     * plan and run take --out as local, tally and retry-rejects do: an output written with local --out can
     * be planned again (as OPERATIONS.md tells) and its shards run, without editing the manifest.
     */
    @Test
    void planAndRunTakeOut() {
        String log = tmp.resolve("termination-log").toString();
        Path elsewhere = tmp.resolve("elsewhere");
        CliRun plan =
                CliRun.of("plan", "-f", manifests.toString(), "--termination-log", log, "--out", elsewhere.toString());
        assertEquals(ExitCodes.DONE, plan.exit(), plan.out() + plan.err());
        assertTrue(Files.exists(elsewhere.resolve("_palimpsest/manifest.jsonl")), plan.err());
        assertFalse(Files.exists(out.resolve("_palimpsest/manifest.jsonl")), "spec.output.uri is left alone");

        Path unplanned = tmp.resolve("unplanned");
        CliRun run = CliRun.of(
                "run",
                "-f",
                manifests.toString(),
                "--shard",
                "0",
                "--endpoint",
                "http://127.0.0.1:9",
                "--termination-log",
                log,
                "--out",
                unplanned.toString());
        assertEquals(ExitCodes.FAILED, run.exit(), run.out() + run.err());
        assertTrue(
                run.err().contains("no plan at " + unplanned.toUri().toString().replaceAll("/$", "")), run.err());
    }

    @Test
    void runWithoutAPlanSaysSo() {
        CliRun run = CliRun.of(
                "run",
                "-f",
                manifests.toString(),
                "--shard",
                "0",
                "--endpoint",
                "http://127.0.0.1:9",
                "--termination-log",
                tmp.resolve("termination-log").toString());
        assertEquals(ExitCodes.FAILED, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("palimpsest run: no plan at "
                                + out.toUri().toString().replaceAll("/$", "")
                                + "/_palimpsest/manifest.jsonl: run `palimpsest plan` with this job first"),
                run.err());
    }

    @Test
    void withoutFTheCommandsSayToPassIt() {
        assumeFalse(Files.exists(PodJobOptions.IN_POD), "this machine is a worker pod");
        for (String command : new String[] {"plan", "run", "tally", "preview"}) {
            String log = tmp.resolve("log").toString();
            CliRun run = command.equals("run")
                    ? CliRun.of(command, "--shard", "0", "--termination-log", log)
                    : CliRun.of(command, "--termination-log", log);
            assertEquals(ExitCodes.INVALID_JOB, run.exit(), command + ": " + run.err());
            assertTrue(
                    run.err()
                            .contains(
                                    "palimpsest " + command + ": no -f given and /etc/palimpsest/job.yaml (the path in"
                                            + " a worker pod) does not exist; pass -f <manifests>"),
                    run.err());
        }
    }

    @Test
    void fileErrorsSayWhatIsWrongWithThePath() {
        assertEquals("/x/y does not exist", ErrorLine.of(new NoSuchFileException("/x/y")));
        assertEquals("/x/y does not exist", ErrorLine.of(new UncheckedIOException(new NoSuchFileException("/x/y"))));
        assertEquals("/x/y: permission denied", ErrorLine.of(new AccessDeniedException("/x/y")));
        assertEquals("/x/y: gone", ErrorLine.of(new NoSuchFileException("/x/y", null, "gone")));
        assertEquals("plain words", ErrorLine.of(new IllegalStateException("plain words")));
    }
}
