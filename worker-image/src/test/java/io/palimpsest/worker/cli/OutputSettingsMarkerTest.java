package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output's recipe.json records the settings of spec.output that shape the committed records and files. A marker
 * of an earlier version, which records none, runs on as before and gets them from the next plan; from then on a change
 * is refused, by {@code local} and by the planner of a cluster job (its termination message) alike.
 */
class OutputSettingsMarkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path manifests;
    private Path out;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
        out = tmp.resolve("out");
    }

    @Test
    void aMarkerWithoutTheOutputSettingsRunsOnGetsThemAndThenRefusesAChange() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Path marker = out.resolve("_palimpsest/recipe.json");
        JsonNode recorded = JSON.readTree(Files.readString(marker)).get("output");
        assertEquals("{\"keepOriginal\":false,\"compression\":\"zstd\"}", String.valueOf(recorded));

        // as an earlier version wrote it
        ObjectNode earlier = (ObjectNode) JSON.readTree(Files.readString(marker));
        earlier.remove("output");
        Files.writeString(marker, earlier.toString());
        CliRun again = local();
        assertEquals(ExitCodes.DONE, again.exit(), "an earlier version's marker runs on: " + again.err());
        assertFalse(again.err().contains("drift"), again.err());
        assertEquals(
                recorded, JSON.readTree(Files.readString(marker)).get("output"), "the next plan records the settings");

        edit("    compression: zstd\n", "    compression: gzip\n");
        CliRun changed = local();
        assertEquals(ExitCodes.INVALID_JOB, changed.exit(), changed.err());
        assertTrue(
                changed.err()
                        .contains(manifests.resolve("job.yaml") + ":" + lineOf("compression: gzip")
                                + ": spec.output.compression: output drift: "),
                changed.err());
        assertTrue(
                changed.err()
                        .contains("was made with spec.output.compression zstd, this job's is gzip (a shard is committed"
                                + " one way throughout: checkpoint parts made the other way are discarded, not"
                                + " resumed); write to a new output, or pass --accept-recipe-change to add shards made"
                                + " this way beside the 2 committed one(s), which stay as they are"),
                changed.err());

        // the planner of a cluster job says the same, in its termination message
        Path termination = tmp.resolve("termination-log");
        CliRun planner = CliRun.of(
                "plan",
                "-f",
                manifests.toString(),
                "--out",
                out.toString(),
                "--termination-log",
                termination.toString());
        assertEquals(ExitCodes.INVALID_JOB, planner.exit(), planner.err());
        String message = Files.readString(termination);
        assertTrue(
                message.startsWith("output drift: ")
                        && message.contains("spec.output.compression zstd, this job's is gzip"),
                message);
        assertTrue(Files.exists(out.resolve("wiki/shard-00000.jsonl.zst")));
        try (Stream<Path> files = Files.walk(out)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".gz")), "nothing written the new way");
        }
    }

    /** A setting taken out of the manifest goes back to its default: refused at the line of spec.output. */
    @Test
    void aSettingRemovedIsItsDefaultAndRefusedAtTheOutputsLine() throws IOException {
        edit("    compression: zstd\n", "    compression: zstd\n    keepOriginal: true\n");
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());

        edit("    keepOriginal: true\n", "");
        CliRun changed = local();
        assertEquals(ExitCodes.INVALID_JOB, changed.exit(), changed.err());
        assertTrue(
                changed.err()
                        .contains(manifests.resolve("job.yaml") + ":" + lineOf("  output:")
                                + ": spec.output: output drift: "),
                changed.err());
        assertTrue(changed.err().contains("spec.output.keepOriginal true, this job's is false"), changed.err());
    }

    private CliRun local(String... extra) {
        String[] args = Stream.concat(
                        Stream.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString()),
                        Stream.of(extra))
                .toArray(String[]::new);
        return CliRun.of(args);
    }

    private void edit(String from, String to) throws IOException {
        Path job = manifests.resolve("job.yaml");
        String text = Files.readString(job);
        assertTrue(text.contains(from), from);
        Files.writeString(job, text.replace(from, to));
    }

    private int lineOf(String text) throws IOException {
        var lines = Files.readAllLines(manifests.resolve("job.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text);
    }
}
