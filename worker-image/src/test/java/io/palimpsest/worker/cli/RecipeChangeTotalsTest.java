package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.SimConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output with shards of two recipes (a change accepted with --accept-recipe-change): {@code local}'s summary
 * and {@code tally} state one set of totals for it, every committed shard counted, and both say the part the
 * earlier recipe made in the same words.
 */
class RecipeChangeTotalsTest {

    private static final Pattern DOCUMENTS =
            Pattern.compile("(?m)^documents  read (\\d+), written (\\d+), rejected (\\d+), skipped (\\d+)$");
    private static final Pattern EARLIER = Pattern.compile("(?m)^ {11}(of which .* under the earlier recipe .*)$");

    @TempDir
    Path tmp;

    private Path manifests;
    private Path out;
    private UnaryOperator<SimConfig.Builder> tuning;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
        out = tmp.resolve("out");
        // the claim is about what is committed, not when
        tuning = LocalCommand.LocalModel.simulatorTuning;
        LocalCommand.LocalModel.simulatorTuning = SimConfig.Builder::zeroLatency;
    }

    @AfterEach
    void restoreTuning() {
        LocalCommand.LocalModel.simulatorTuning = tuning;
    }

    @Test
    void localAndTallyStateTheSameTotalsAndTheEarlierRecipesPart() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        JsonNode earlierReceipt = new ObjectMapper()
                .readTree(out.resolve("_palimpsest/receipts/shard-00000.json").toFile());
        String earlierHash = earlierReceipt.get("recipeHash").asText();
        JsonNode earlierCounts = earlierReceipt.get("counts");
        // shard 1 is made again under the new recipe; shard 0 stays as the earlier recipe committed it
        Files.delete(out.resolve("_palimpsest/receipts/shard-00001.json"));
        Path job = manifests.resolve("job.yaml");
        Files.writeString(job, Files.readString(job).replace("seed: 2}", "seed: 3}"));

        CliRun accepted = local("--accept-recipe-change");
        assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
        assertTrue(accepted.out().contains("{committed=1, alreadyCommitted=1}"), accepted.out());
        CliRun tally = CliRun.of("tally", "-f", manifests.toString(), "--out", out.toString());
        assertEquals(ExitCodes.DONE, tally.exit(), tally.err());
        JsonNode totals = new ObjectMapper().readTree(tally.out());

        List<Long> local = documents(accepted.out());
        assertEquals(
                local,
                List.of(
                        totals.get("read").asLong(),
                        totals.get("written").asLong(),
                        totals.get("rejected").asLong(),
                        totals.get("skipped").asLong()),
                "local and tally state one set of totals for one output:\n" + accepted.out() + "\n" + tally.out());
        assertEquals(2, totals.get("receipts").asLong(), "both shards are committed in the output: " + tally.out());

        // the earlier recipe's part: shard 0's receipt, said by both in the same words
        JsonNode earlier = totals.get("earlierRecipes");
        assertEquals(1, earlier.size(), tally.out());
        assertEquals(earlierHash, earlier.get(0).get("recipeHash").asText());
        assertEquals(1, earlier.get(0).get("receipts").asLong());
        for (String field : new String[] {"read", "written", "rejected", "skipped"}) {
            assertEquals(
                    earlierCounts.get(field).asLong(), earlier.get(0).get(field).asLong(), field);
        }
        String line = "of which read " + earlierCounts.get("read").asLong() + ", written "
                + earlierCounts.get("written").asLong() + ", rejected "
                + earlierCounts.get("rejected").asLong()
                + ", skipped " + earlierCounts.get("skipped").asLong() + " in 1 shard under the earlier recipe "
                + earlierHash.substring(0, "sha256:".length() + 12)
                + " (committed before a recipe change was accepted)";
        assertEquals(List.of(line), earlierLines(accepted.out()), accepted.out());
        assertEquals(List.of(line), earlierLines(tally.err()), tally.err());
        assertEquals(local, documents(tally.err()), tally.err());
    }

    /**
     * Retry rounds count in the earlier recipe's part as their documents count in the totals: a document is in force
     * where it was last run. Two documents are rejected model_error by the run (recipe E); round 1 (E) writes one and
     * rejects the other again; a recipe change to F is accepted; round 2 (F) writes the other. E's part is then the
     * run's two shards and round 1's: every document but the one round 2 took over, written but for the one the run
     * skipped; {@code local} and {@code tally} say so in the same words.
     */
    @Test
    void retryRoundsCountInTheEarlierRecipesPartWhereTheirDocumentsAreInForce() throws IOException {
        Path job = manifests.resolve("job.yaml");
        Files.writeString(job, Files.readString(job).replace("attemptsPerShard: 3", "attemptsPerShard: 1"));
        Path rules = manifests.resolve("sim-rules.yaml");
        Files.writeString(
                rules, failing("Cape Orrin") + failing("Marren Glacier").replace("rules:\n", ""));
        CliRun first = local("--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S");
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        assertEquals(List.of(13L, 10L, 2L, 1L), documents(first.out()), first.out());
        String earlierHash = new ObjectMapper()
                .readTree(out.resolve("_palimpsest/receipts/shard-00000.json").toFile())
                .get("recipeHash")
                .asText();

        Files.writeString(rules, failing("Marren Glacier"));
        CliRun round1 = retry();
        assertEquals(ExitCodes.DONE, round1.exit(), round1.err());
        assertTrue(round1.err().contains("2 to run again in round 1"), round1.err());

        Files.delete(rules);
        Files.writeString(job, Files.readString(job).replace("seed: 2}", "seed: 3}"));
        CliRun accepted = local("--accept-recipe-change");
        assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
        CliRun round2 = retry();
        assertEquals(ExitCodes.DONE, round2.exit(), round2.err());
        assertTrue(round2.err().contains("1 to run again in round 2"), round2.err());

        CliRun summary = local();
        assertEquals(ExitCodes.DONE, summary.exit(), summary.err());
        CliRun tally = CliRun.of("tally", "-f", manifests.toString(), "--out", out.toString());
        assertEquals(ExitCodes.DONE, tally.exit(), tally.err());
        JsonNode totals = new ObjectMapper().readTree(tally.out());
        assertEquals(List.of(13L, 12L, 0L, 1L), documents(summary.out()), summary.out());
        assertEquals(documents(summary.out()), documents(tally.err()), tally.err());
        assertEquals(2, totals.get("retryRounds").asLong(), tally.out());

        String line = "of which read 12, written 11, rejected 0, skipped 1 in 3 shards under the earlier recipe "
                + earlierHash.substring(0, "sha256:".length() + 12)
                + " (committed before a recipe change was accepted)";
        assertEquals(List.of(line), earlierLines(summary.out()), summary.out());
        assertEquals(List.of(line), earlierLines(tally.err()), tally.err());
        JsonNode earlier = totals.get("earlierRecipes");
        assertEquals(1, earlier.size(), tally.out());
        assertEquals(3, earlier.get(0).get("receipts").asLong(), tally.out());
    }

    private static String failing(String words) {
        return "rules:\n  - name: " + words.replace(' ', '-') + "\n    match: '" + words
                + "'\n    on: document\n    fault: server_error\n";
    }

    private CliRun retry() {
        return CliRun.of(
                "retry-rejects",
                "-f",
                manifests.toString(),
                "--out",
                out.toString(),
                "--reason",
                "model_error",
                "--simulate",
                "--backoff-base",
                "PT0.005S",
                "--backoff-cap",
                "PT0.05S");
    }

    private CliRun local(String... extra) {
        String[] base = {"local", "-f", manifests.toString(), "--simulate", "--out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.of(args);
    }

    private static List<Long> documents(String text) {
        Matcher m = DOCUMENTS.matcher(text);
        assertTrue(m.find(), text);
        return List.of(
                Long.parseLong(m.group(1)),
                Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)));
    }

    private static List<String> earlierLines(String text) {
        return EARLIER.matcher(text).results().map(r -> r.group(1)).toList();
    }
}
