package io.palimpsest.worker.recipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.text.Tokenizer;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounters;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpTokenCounterTest {
    @Test
    void serverModeCountsWithTheServersTokenizer() {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("m").zeroLatency().build(), "127.0.0.1", 0)) {
            TokenCounter server = new HttpTokenCounter(URI.create(sim.baseUrl()), "m", new ObjectMapper());
            Recipe exact = RecipeYaml.parse("tokenizer: {mode: server}\nprompts: [{name: a, user: x}]\n");
            Recipe estimated = RecipeYaml.parse("prompts: [{name: a, user: x}]\n");
            TokenCounter chosen = TokenCounters.forRecipe(exact, Optional.of(server));
            String text = "The keeper wound the clockwork that turned the lens, twice a night, for forty years.";
            assertEquals(Tokenizer.ids(text).length, chosen.count(text));
            assertSame(BpeTokenCounter.instance(), TokenCounters.forRecipe(estimated, Optional.of(server)));
            assertThrows(RecipeException.class, () -> TokenCounters.forRecipe(exact, Optional.empty()));
        }
    }
}
