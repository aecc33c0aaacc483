package io.palimpsest.worker.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.ValidatorSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationPipelineTest {

    @Test
    void verdictsComeOutInInputOrderWhateverTheThreadsAndBatches() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            String output = i % 7 == 0 ? "" : "word " + i;
            lines.append("{\"id\":\"")
                    .append(i)
                    .append("\",\"source\":\"s\",\"output\":\"")
                    .append(output)
                    .append("\"}\n");
        }
        Recipe recipe = new Recipe();
        ValidatorSpec refusal = new ValidatorSpec();
        refusal.setType(ValidatorSpec.Type.refusal);
        recipe.setValidators(List.of(refusal));
        PairJudge judge = new PairJudge(RecipeGates.of(recipe, false, null));
        List<PairVerdict> got = new ArrayList<>();
        try (PairReader reader = new PairReader(
                new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)),
                "p.jsonl",
                PairFields.defaults(),
                1024,
                new ObjectMapper())) {
            new ValidationPipeline(judge, 3, 7, 10_000).run(reader, got::add);
        }

        assertEquals(2000, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(String.valueOf(i), got.get(i).id());
            assertEquals(i % 7 != 0, got.get(i).accepted(), "pair " + i);
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ValidationPipeline(null, 0, 1, 1));
    }
}
