package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fields a recipe-drift refusal names: each change by its RewriteJob path, a short value on both sides. */
class RecipeChangesTest {
    private final ObjectMapper json = new ObjectMapper();

    private JsonNode read(String text) throws Exception {
        return json.readTree(text);
    }

    @Test
    void eachChangedFieldIsNamedByItsPathAndAShortValueIsShown() throws Exception {
        JsonNode was = read(
                "{\"chunking\":{\"maxTokens\":512},\"mode\":\"rewrite\",\"prompts\":["
                        + "{\"name\":\"wiki\",\"user\":\"Rewrite {{ text }}\"},{\"name\":\"qa\",\"user\":\"Ask\\nabout {{ text }}\"}]}");
        JsonNode now = read("{\"chunking\":{\"maxTokens\":1024},\"mode\":\"rewrite\",\"prompts\":["
                + "{\"name\":\"wiki\",\"user\":\"Rewrite {{ text }}\"},{\"name\":\"qa\",\"user\":\"Ask\\nof {{ text }}\"},"
                + "{\"name\":\"new\",\"user\":\"x\"}],\"tokenizer\":{\"name\":\"t\"}}");

        List<RecipeChanges.Change> changes = RecipeChanges.between(was, now);

        assertEquals(
                List.of(
                        "spec.recipe.chunking.maxTokens",
                        "spec.recipe.prompts[1].user",
                        "spec.recipe.prompts[2]",
                        "spec.recipe.tokenizer"),
                changes.stream().map(RecipeChanges.Change::path).toList());
        assertEquals(
                "changed: spec.recipe.chunking.maxTokens 512 -> 1024; spec.recipe.prompts[1].user;"
                        + " spec.recipe.prompts[2] (added); spec.recipe.tokenizer (added)",
                RecipeChanges.said(changes));
        assertEquals(List.of(), RecipeChanges.between(was, was));
        assertEquals(
                "changed: spec.recipe.mode 'rewrite' -> (unset)",
                RecipeChanges.said(RecipeChanges.between(read("{\"mode\":\"rewrite\"}"), read("{}"))));
    }

    /**
     * However many fields changed and however long their values, the words stay within what the job's condition
     * quotes of the planner's message (2,048 characters) beside the output's address, the two hashes and the advice.
     */
    @Test
    void manyChangesAreCountedNotAllNamed() throws Exception {
        ObjectNode was = json.createObjectNode();
        ObjectNode now = json.createObjectNode();
        ArrayNode before = was.putArray("prompts");
        ArrayNode after = now.putArray("prompts");
        for (int i = 0; i < 40; i++) {
            before.addObject().put("system", "s".repeat(50)).put("x".repeat(300), i);
            after.addObject().put("system", "t".repeat(50)).put("x".repeat(300), i + 1);
        }

        String said = RecipeChanges.said(RecipeChanges.between(was, now));

        assertTrue(said.endsWith("; and 75 more"), said);
        assertTrue(said.length() < 1000, said.length() + ": " + said);
        assertTrue(said.contains("spec.recipe.prompts[0].system 'sss"), said);
    }
}
