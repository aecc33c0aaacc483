package io.palimpsest.operator.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ModelReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/OPERATIONS.md's troubleshooting tables say they list every condition reason: every
 * {@link JobReason} has a row in the RewriteJob table, every {@link ModelReason} in the
 * RewriterModel one (the RewriteJob table also lists the reasons of conditions outside JobReason, such
 * as the preview's).
 */
class ReasonTablesTest {
    private static final Path OPERATIONS = Path.of("..", "docs", "OPERATIONS.md");
    private static final Pattern NAME = Pattern.compile("`([A-Za-z]+)`");

    @Test
    void everyJobReasonHasARow() throws IOException {
        Set<String> documented =
                reasons(section("## Troubleshooting by condition reason", "RewriterModel conditions:"));
        assertEquals(Set.of(), missing(names(JobReason.values()), documented), "JobReasons without a row");
    }

    @Test
    void everyModelReasonHasARow() throws IOException {
        Set<String> documented = reasons(section("RewriterModel conditions:", "## Shard failure reasons"));
        assertEquals(Set.of(), missing(names(ModelReason.values()), documented), "ModelReasons without a row");
    }

    private static String section(String from, String to) throws IOException {
        String doc = Files.readString(OPERATIONS, StandardCharsets.UTF_8);
        int start = doc.indexOf(from);
        int end = doc.indexOf(to, start + 1);
        assertTrue(start >= 0 && end > start, "OPERATIONS.md has the section from '" + from + "' to '" + to + "'");
        return doc.substring(start, end);
    }

    /** The names in the first column of the section's first table whose header starts with "| reason |". */
    private static Set<String> reasons(String section) {
        List<String> lines = section.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("| reason |")) {
                header = i;
                break;
            }
        }
        assertTrue(header >= 0, "a reason table");
        Set<String> out = new TreeSet<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String first = lines.get(i).split("\\|")[1];
            Matcher m = NAME.matcher(first);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static Set<String> missing(Set<String> all, Set<String> documented) {
        Set<String> out = new TreeSet<>(all);
        out.removeAll(documented);
        return out;
    }

    private static Set<String> names(Enum<?>[] values) {
        return new TreeSet<>(Arrays.stream(values).map(Enum::name).toList());
    }
}
