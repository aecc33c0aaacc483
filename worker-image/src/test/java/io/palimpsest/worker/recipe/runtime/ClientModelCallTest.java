package io.palimpsest.worker.recipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.RecipeYaml;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which field of the job set each parameter of a request: what a refusal naming that parameter is placed at. */
class ClientModelCallTest {

    private static final Recipe RECIPE = RecipeYaml.parse("""
            stages:
              - name: pairs
                user: "List the pairs in {{ text }}"
                sampling: {maxTokens: 256}
            prompts:
              - name: wiki
                user: "Rewrite {{ text }}"
              - name: qa
                user: "Questions about {{ text }}"
                sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2, stop: ["END"]}
            """);

    private final ClientModelCall call = new ClientModelCall(null, "m", new ObjectMapper(), RECIPE);

    private static ModelRequest request(String purpose, Sampling sampling) {
        return ModelRequest.completion("text", sampling, purpose);
    }

    @Test
    void aVariantsParametersComeFromItsOwnSamplingByItsIndex() {
        Sampling qa = RECIPE.getPrompts().get(1).getSampling();
        assertEquals(
                Map.of(
                        "max_tokens", ManifestField.job("spec.recipe.prompts[1].sampling.maxTokens"),
                        "temperature", ManifestField.job("spec.recipe.prompts[1].sampling.temperature"),
                        "top_p", ManifestField.job("spec.recipe.prompts[1].sampling.topP"),
                        "seed", ManifestField.job("spec.recipe.prompts[1].sampling.seed"),
                        "stop", ManifestField.job("spec.recipe.prompts[1].sampling.stop")),
                call.setBy(request("variant:qa", qa)));
        assertEquals(
                List.of("max_tokens", "temperature", "top_p", "seed", "stop"),
                List.copyOf(call.setBy(request("variant:qa", qa)).keySet()),
                "in the order the request sends them");
    }

    @Test
    void aStagesParametersComeFromTheStageAndAJudgesOrAnUnsetOneFromNoField() {
        assertEquals(
                Map.of("max_tokens", ManifestField.job("spec.recipe.stages[0].sampling.maxTokens")),
                call.setBy(request("stage:pairs", RECIPE.getStages().get(0).getSampling())));
        assertEquals(Map.of(), call.setBy(request("variant:wiki", null)), "nothing set, nothing sent");
        assertEquals(
                Map.of(),
                call.setBy(
                        request("judge:variant qa", RECIPE.getPrompts().get(1).getSampling())));
        assertEquals(
                Map.of(),
                new ClientModelCall(null, "m", new ObjectMapper(), null)
                        .setBy(request("variant:qa", RECIPE.getPrompts().get(1).getSampling())));
    }
}
