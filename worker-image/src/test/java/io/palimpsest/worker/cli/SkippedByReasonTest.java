package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.SimConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why documents were skipped is read off the totals, not the rejects files: {@code tally}'s JSON has
 * {@code skippedByReason} (summing to {@code skipped}), and its stderr and {@code local}'s summary say it on one
 * line, with the same figures for the same output.
 */
class SkippedByReasonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SKIPPED = Pattern.compile("(?m)^skipped    (.*)$");

    private static final String JOB = """
            apiVersion: palimpsest.io/v1alpha1
            kind: RewriteJob
            metadata:
              name: skips
            spec:
              modelRef:
                name: qwen-small
              input:
                uri: file://data/
                include: ["*.jsonl"]
              output:
                uri: file://out/
              sharding:
                filesPerShard: 1
              recipe:
                preFilters:
                  - type: regex
                    pattern: "SPAM"
                  - type: minLength
                    words: 5
                prompts:
                  - name: wiki
                    user: "Rewrite the document below as an encyclopedia article. <document>{{ text }}</document>"
                    sampling: {temperature: 0.7, maxTokens: 128, seed: 1}
            """;

    @TempDir
    Path dir;

    private UnaryOperator<SimConfig.Builder> tuning;

    @BeforeEach
    void zeroLatency() {
        tuning = LocalCommand.LocalModel.simulatorTuning;
        LocalCommand.LocalModel.simulatorTuning = SimConfig.Builder::zeroLatency;
    }

    @AfterEach
    void restoreTuning() {
        LocalCommand.LocalModel.simulatorTuning = tuning;
    }

    private static String line(String id, String text) {
        return JSON.createObjectNode().put("id", id).put("text", text).toString();
    }

    @Test
    void tallyAndLocalSayWhyDocumentsWereSkipped() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("job.yaml"), JOB);
        Files.writeString(dir.resolve("model.yaml"), PreviewSampleEstimateTest.MODEL);
        // 24 documents over two shards: 5 written, 19 skipped (9 by the regex, 6 too short, 2 empty, 2 blank lines)
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            first.add(line(
                    "keep-" + i, "The stone bridge number " + i + " was built in 18" + (10 + i) + " by the town."));
        }
        for (int i = 0; i < 9; i++) {
            (i % 2 == 0 ? first : second).add(line("spam-" + i, "SPAM offer number " + i + " for every reader today."));
        }
        for (int i = 0; i < 6; i++) {
            (i % 2 == 0 ? first : second).add(line("short-" + i, "A mill " + i + "."));
        }
        second.add(line("empty-0", ""));
        second.add(line("empty-1", ""));
        first.add("");
        second.add("   ");
        Files.write(dir.resolve("data/part-000.jsonl"), first);
        Files.write(dir.resolve("data/part-001.jsonl"), second);
        Path out = dir.resolve("out");

        CliRun local = CliRun.of("local", "-f", dir.toString(), "--simulate", "--out", out.toString());
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        assertTrue(local.out().contains("documents  read 24, written 5, rejected 0, skipped 19"), local.out());

        CliRun tally = CliRun.of("tally", "-f", dir.toString(), "--out", out.toString());
        assertEquals(ExitCodes.DONE, tally.exit(), tally.err());
        JsonNode totals = JSON.readTree(tally.out());
        assertEquals(19, totals.path("skipped").asLong(), tally.out());
        Map<String, Long> byReason = new TreeMap<>();
        totals.path("skippedByReason")
                .fields()
                .forEachRemaining(e -> byReason.put(e.getKey(), e.getValue().asLong()));
        assertEquals(
                Map.of("filter:regex", 9L, "filter:minLength", 6L, "empty_text", 2L, "blank_line", 2L),
                byReason,
                tally.out());

        // the same figures in words, most documents first, on tally's stderr and in local's summary
        String expected = "filter:regex 9, filter:minLength 6, blank_line 2, empty_text 2";
        assertEquals(expected, skippedLine(tally.err()), tally.err());
        assertEquals(expected, skippedLine(local.out()), local.out());
    }

    private static String skippedLine(String text) {
        Matcher m = SKIPPED.matcher(text);
        assertTrue(m.find(), "a skipped line in\n" + text);
        return m.group(1);
    }
}
