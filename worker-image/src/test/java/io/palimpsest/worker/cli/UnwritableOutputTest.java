package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.palimpsest.api.worker.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output folder this process cannot create or write fails every shard alike: the plan refuses it before anything
 * runs (exit 78, the field and the folder named), where the first write failed with the file system's bare words and
 * exit 1, as if another attempt could do better.
 */
class UnwritableOutputTest {

    @TempDir
    Path tmp;

    Path manifests;
    Path locked;

    @BeforeEach
    void lockAFolder() throws Exception {
        manifests = QuickstartCopy.into(tmp);
        locked = Files.createDirectories(tmp.resolve("locked"));
        // a folder without write permission stops a user; root it does not, an immutable folder does
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (Files.isWritable(locked)) {
            chattr("+i");
        }
        assumeTrue(!Files.isWritable(locked), "no way to make a folder this process cannot write");
    }

    @AfterEach
    void unlock() throws Exception {
        for (Path folder : lockedToo) {
            chattr("-i", folder);
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        chattr("-i");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Folders a test locked as {@link #locked} is, unlocked after it. */
    private final List<Path> lockedToo = new ArrayList<>();

    private void lock(Path folder) throws IOException, InterruptedException {
        lockedToo.add(0, folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (Files.isWritable(folder)) {
            chattr("+i", folder);
        }
        assertFalse(Files.isWritable(folder), folder + " is locked as the folder above was");
    }

    private void chattr(String flag) throws IOException, InterruptedException {
        chattr(flag, locked);
    }

    private static void chattr(String flag, Path folder) throws IOException, InterruptedException {
        try {
            new ProcessBuilder("chattr", flag, folder.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
        } catch (IOException e) {
            // no chattr here: the permission bits are all there is
        }
    }

    @Test
    void localRefusesAnOutputItCannotCreateBeforeAnyShardRuns() {
        Path out = locked.resolve("out");
        CliRun run = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("spec.output.uri " + out.toUri() + ": " + locked + " (above " + out
                                + ") cannot be written by this process"),
                run.err());
        assertTrue(run.err().contains("(spec.output.uri, or --out locally)"), run.err());
        assertFalse(run.err().contains("shard-00000"), "no shard ran: " + run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void planRefusesAnOutputFolderItCannotWriteIn() {
        CliRun run = CliRun.of("plan", "-f", manifests.toString(), "--out", locked.toString(), "--termination-log", "");
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("spec.output.uri " + locked.toUri() + ": " + locked
                                + " cannot be written by this process"),
                run.err());
    }

    /**
     * A folder holding a campaign, made read-only, whole or with a shard left to run: refused by the plan as an empty
     * one is, where the plan's first write there (its store check) failed with exit 1, before any shard ran.
     */
    @Test
    void aFolderHoldingACampaignThatItCannotWriteIsRefusedWholeOrNot() throws Exception {
        Path whole = tmp.resolve("whole");
        Path unfinished = tmp.resolve("unfinished");
        for (Path out : List.of(whole, unfinished)) {
            CliRun run = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());
            assertEquals(ExitCodes.DONE, run.exit(), run.err());
        }
        // the second shard never committed (its attempts killed before the receipt)
        Files.delete(unfinished.resolve("_palimpsest/receipts/shard-00001.json"));
        for (Path out : List.of(whole, unfinished)) {
            lock(out);
            lock(out.resolve("_palimpsest"));
        }

        for (Path out : List.of(whole, unfinished)) {
            CliRun refused = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());

            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err()
                            .contains("spec.output.uri " + out.toUri() + ": " + out
                                    + " cannot be written by this process"),
                    refused.err());
            assertTrue(refused.err().contains("(spec.output.uri, or --out locally)"), refused.err());
            assertFalse(refused.err().contains("shard-00001"), "no shard ran: " + refused.err());
        }
    }

    /**
     * A campaign with a shard left whose output folder and {@code _palimpsest/} can be written, but not a folder inside
     * them that the shard writes to (its receipt's, a variant's, its rejects'): refused by the plan naming that folder,
     * where the shard ran its documents through the model and failed at its commit with exit 1, every shard alike.
     */
    @Test
    void aFolderInsideTheOutputThatTheRunWritesToIsRefusedBeforeAnyShardRuns() throws Exception {
        for (String inside : List.of("_palimpsest/receipts", "qa", "_palimpsest/rejects")) {
            Path out = tmp.resolve("out-" + inside.replace('/', '-'));
            CliRun made = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());
            assertEquals(ExitCodes.DONE, made.exit(), made.err());
            // the second shard never committed (its attempts killed before the receipt)
            Files.delete(out.resolve("_palimpsest/receipts/shard-00001.json"));
            Path folder = out.resolve(inside);
            lock(folder);

            CliRun refused = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());

            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), inside + ": " + refused.err());
            assertTrue(
                    refused.err()
                            .contains("spec.output.uri " + out.toUri() + ": " + folder
                                    + " cannot be written by this process"),
                    refused.err());
            assertTrue(refused.err().contains("(spec.output.uri, or --out locally)"), refused.err());
            assertFalse(refused.err().contains("shard-00001"), "no shard ran: " + refused.err());
        }
    }

    @Test
    void previewRefusesAFolderItCannotWriteBeforeAnyModelCall() {
        Path out = locked.resolve("preview");
        CliRun run = CliRun.of(
                "preview", "-f", manifests.toString(), "--simulate", "--sample", "3", "--out", out.toString());
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("--out " + out + ": " + locked + " (above " + out
                                + ") cannot be written by this process"),
                run.err());
        assertFalse(run.err().contains("calibrating"), "no model call before the refusal: " + run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void previewRefusesAFileWhereItsFolderWouldGoBeforeAnyModelCall() throws IOException {
        Path out = Files.writeString(tmp.resolve("report"), "someone's file");
        CliRun run = CliRun.of(
                "preview", "-f", manifests.toString(), "--simulate", "--sample", "3", "--out", out.toString());
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("--out " + out + ": " + out + " is a file"), run.err());
        assertFalse(run.err().contains("calibrating"), "no model call before the refusal: " + run.err());
    }
}
