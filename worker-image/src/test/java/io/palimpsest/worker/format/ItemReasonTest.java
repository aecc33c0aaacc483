package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PreFilter;
import io.palimpsest.api.recipe.ValidatorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The catalogue of reasons: every component that rejects or skips takes {@link ItemReason}, so the
 * compiler sees that each code it can write is here; this test sees that the codes are distinct,
 * that each pre-filter and validator type has its own, and that docs/RECIPES.md lists exactly them.
 */
class ItemReasonTest {

    private static final Path DOC = Path.of("../docs/RECIPES.md");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([^`]+)` \\| (rejected|skipped) \\|");

    @Test
    void codesAreDistinct() {
        Set<String> codes = new HashSet<>();
        for (ItemReason reason : ItemReason.values()) {
            assertTrue(codes.add(reason.code()), "code written twice: " + reason.code());
        }
    }

    @Test
    void everyPreFilterAndValidatorTypeHasItsOwnCode() {
        Set<ItemReason> seen = new HashSet<>();
        for (PreFilter.Type type : PreFilter.Type.values()) {
            ItemReason reason = ItemReason.ofFilter(type);
            assertEquals("filter:" + type.name(), reason.code());
            assertEquals(ItemReason.Outcome.SKIPPED, reason.outcome(), "a pre-filter skips: " + type);
            assertTrue(seen.add(reason));
        }
        for (ValidatorSpec.Type type : ValidatorSpec.Type.values()) {
            ItemReason reason = ItemReason.ofValidator(type);
            assertEquals(type.name(), reason.code(), "a validator's reason is its type");
            assertEquals(ItemReason.Outcome.REJECTED, reason.outcome(), "a validator rejects: " + type);
            assertTrue(seen.add(reason));
        }
    }

    @Test
    void theDocsTableListsExactlyTheCatalogue() throws IOException {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("## Reject and skip reasons");
        assertTrue(start >= 0, "section 'Reject and skip reasons' in " + DOC);
        int end = doc.indexOf("\n## ", start + 1);
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            assertFalse(documented.containsKey(row.group(1)), "listed twice in " + DOC + ": " + row.group(1));
            documented.put(row.group(1), row.group(2));
        }
        Map<String, String> catalogue = Arrays.stream(ItemReason.values())
                .collect(Collectors.toMap(
                        ItemReason::code,
                        r -> r.outcome().name().toLowerCase(Locale.ROOT),
                        (a, b) -> a,
                        LinkedHashMap::new));
        assertEquals(catalogue, documented, DOC + " 'Reject and skip reasons' against ItemReason, in the same order");
    }
}
