package io.palimpsest.api.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.v1alpha1.ShardFailureReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The two catalogues of shard reasons: the worker's summary codes ({@link ShardReason}) and the
 * words the operator writes for a failed attempt ({@link ShardFailureReason}). Both are read by
 * another program than the one writing them, so the strings are pinned here, and docs/OPERATIONS.md
 * lists exactly them.
 */
class ShardReasonTest {

    private static final Path DOC = Path.of("../docs/OPERATIONS.md");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([^`]+)` \\|");

    @Test
    void theWorkersCodesAreTheWireStrings() {
        assertEquals(
                List.of(
                        "receipt_exists",
                        "committed_by_twin",
                        "terminated",
                        "model_unreachable",
                        "store_unreachable",
                        "model_config",
                        "store_refused",
                        "output_drift",
                        "simulated_output",
                        "retries_exhausted",
                        "bad_data",
                        "plan_replaced",
                        "input_unreadable",
                        "attemptsExhausted"),
                Arrays.stream(ShardReason.values()).map(ShardReason::code).toList());
    }

    @Test
    void parseKnowsEachCodeAndNothingElse() {
        for (ShardReason r : ShardReason.values()) {
            assertSame(r, ShardReason.parse(r.code()));
        }
        assertNull(ShardReason.parse(null));
        assertNull(ShardReason.parse("IllegalStateException"), "an unexpected failure's exception type");
        assertNull(ShardReason.parse("RETRIES_EXHAUSTED"), "the code, not the constant's name");
        assertNull(ShardReason.parse("a_code_from_a_newer_worker"));
    }

    @Test
    void ofReadsASummary() {
        ShardSummary s = new ShardSummary();
        assertFalse(ShardReason.TERMINATED.of(s));
        assertFalse(ShardReason.TERMINATED.of(null));
        s.setReason("terminated");
        assertTrue(ShardReason.TERMINATED.of(s));
        assertFalse(ShardReason.RETRIES_EXHAUSTED.of(s));
    }

    @Test
    void theOperatorsWordsAreTheWireStrings() {
        assertEquals(
                List.of("BadData", "ModelUnreachable", "StoreUnreachable", "ModelConfig", "AttemptsExhausted", "Error"),
                Arrays.stream(ShardFailureReason.values()).map(Enum::name).toList());
        assertSame(ShardFailureReason.BadData, ShardFailureReason.parse("BadData"));
        assertNull(ShardFailureReason.parse("OOMKilled"), "a kubelet reason passes through as a string");
        assertNull(ShardFailureReason.parse(null));
    }

    @Test
    void theDocsListExactlyBothCatalogues() throws IOException {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("## Shard failure reasons");
        assertTrue(start >= 0, "section 'Shard failure reasons' in " + DOC);
        int end = doc.indexOf("\n## ", start + 1);
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        // two tables: the operator's words, then the worker's codes
        int split = section.indexOf("| code |");
        assertTrue(split > 0, "the worker's table ('| code |') after the status one in " + DOC);
        assertEquals(
                Arrays.stream(ShardFailureReason.values()).map(Enum::name).toList(),
                codes(section.substring(0, split)),
                DOC + " status reasons against ShardFailureReason, in the same order");
        assertEquals(
                Arrays.stream(ShardReason.values()).map(ShardReason::code).toList(),
                codes(section.substring(split)),
                DOC + " worker codes against ShardReason, in the same order");
    }

    private static List<String> codes(String table) {
        List<String> out = new ArrayList<>();
        Matcher row = ROW.matcher(table);
        while (row.find()) {
            out.add(row.group(1));
        }
        return out;
    }
}
