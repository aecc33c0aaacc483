package io.palimpsest.api.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which recipes call a model, and where: one row per way a recipe can reach one. */
class ModelCallsTest {

    static Stream<Arguments> recipes() {
        return Stream.of(
                Arguments.of("render-only prompts", (Consumer<Recipe>) r -> {}, List.of()),
                Arguments.of(
                        "render-only with filters and plain validators",
                        (Consumer<Recipe>) r -> {
                            PreFilter filter = new PreFilter();
                            filter.setType(PreFilter.Type.pythonSyntax);
                            r.setPreFilters(List.of(filter));
                            r.setValidators(List.of(validator(ValidatorSpec.Type.length)));
                        },
                        List.of()),
                Arguments.of(
                        "a chat prompt",
                        (Consumer<Recipe>) r -> chat(r.getPrompts().get(1)),
                        List.of("recipe.prompts[1].user")),
                Arguments.of(
                        "a completion prompt",
                        (Consumer<Recipe>) r -> {
                            r.getPrompts().get(0).setRender(null);
                            r.getPrompts().get(0).setCompletion("{{ text }}");
                        },
                        List.of("recipe.prompts[0].completion")),
                Arguments.of(
                        "a stage",
                        (Consumer<Recipe>) r -> {
                            Stage stage = new Stage();
                            stage.setName("review");
                            stage.setUser("{{ text }}");
                            r.setStages(List.of(stage));
                        },
                        List.of("recipe.stages[0].user")),
                Arguments.of(
                        "a judge on the recipe",
                        (Consumer<Recipe>) r -> r.setValidators(
                                List.of(validator(ValidatorSpec.Type.length), validator(ValidatorSpec.Type.judge))),
                        List.of("recipe.validators[1] (judge)")),
                Arguments.of(
                        "a judge on a variant",
                        (Consumer<Recipe>)
                                r -> r.getPrompts().get(0).setValidators(List.of(validator(ValidatorSpec.Type.judge))),
                        List.of("recipe.prompts[0].validators[0] (judge)")),
                Arguments.of(
                        "program mode",
                        (Consumer<Recipe>) r -> r.setMode(RecipeMode.program),
                        List.of("recipe.mode (program: the model writes the edit program)")),
                Arguments.of(
                        "server token counts",
                        (Consumer<Recipe>) r -> {
                            Tokenizer t = new Tokenizer();
                            t.setMode(Tokenizer.Mode.server);
                            r.setTokenizer(t);
                        },
                        List.of("recipe.tokenizer.mode (server: counted by the model server)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    void findsEveryCall(String name, Consumer<Recipe> change, List<String> expected) {
        Recipe recipe = new Recipe();
        recipe.setPrompts(List.of(render("a"), render("b")));
        change.accept(recipe);
        assertEquals(expected, ModelCalls.where(recipe));
        assertEquals(!expected.isEmpty(), ModelCalls.needed(recipe));
    }

    private static PromptVariant render(String name) {
        PromptVariant p = new PromptVariant();
        p.setName(name);
        p.setRender("{{ meta.word }}");
        return p;
    }

    private static void chat(PromptVariant p) {
        p.setRender(null);
        p.setUser("{{ text }}");
    }

    private static ValidatorSpec validator(ValidatorSpec.Type type) {
        ValidatorSpec v = new ValidatorSpec();
        v.setType(type);
        return v;
    }
}
