package io.palimpsest.worker.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.recipe.examples.ExamplesLocator;
import io.palimpsest.worker.recipe.filter.PythonSyntax;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The engine's own cost per document, with a model that answers instantly: what the worker spends
 * besides waiting for the server. Run on demand:
 * {@code java -cp ... io.palimpsest.worker.recipe.RecipeEngineBenchmark [documents]}.
 */
public final class RecipeEngineBenchmark {
    private RecipeEngineBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        ObjectMapper json = new ObjectMapper();
        Path examples = ExamplesLocator.examples();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(examples.resolve("wrap/data/c4-like.jsonl"))) {
            texts.add(json.readTree(line).path("text").asText());
        }
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: segments, splitOn: sentence, maxTokens: 300}
                prompts:
                  - {name: medium, user: "Rewrite in encyclopedia style.\\n<document>{{ text }}</document>", sampling: {maxTokens: 600}}
                postProcess: [{type: stripPreamble}]
                validators:
                  - {type: repetition}
                  - {type: refusal}
                  - {type: echo}
                  - {type: lengthRatio, min: 0.3, max: 3}
                """);
        ModelCall instant = r -> CompletableFuture.completedFuture(new ModelReply(
                "A rewritten passage that says the same things in other words, with enough length to count. "
                        + FakeModel.document(r).toUpperCase(Locale.ROOT),
                "stop",
                100,
                100));
        RecipeEngine engine =
                RecipeEngine.create(recipe, instant, BpeTokenCounter.instance(), new EngineSettings("m", "h"));
        for (int i = 0; i < 200; i++) {
            engine.process(new SourceDocument("w" + i, texts.get(i % texts.size()), Map.of()))
                    .toCompletableFuture()
                    .join();
        }
        long start = System.nanoTime();
        long chunks = 0;
        for (int i = 0; i < n; i++) {
            DocumentOutcome o = engine.process(new SourceDocument("d" + i, texts.get(i % texts.size()), Map.of()))
                    .toCompletableFuture()
                    .join();
            chunks += o.usage().calls();
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "engine: %d documents (%d chunks, ~%d tokens each) in %.2f s: %.0f documents/s, %.0f chunks/s on one thread%n",
                n,
                chunks,
                BpeTokenCounter.instance().count(texts.get(0)),
                s,
                n / s,
                chunks / s);

        List<String> code = new ArrayList<>();
        for (String line : Files.readAllLines(examples.resolve("swallowcode/data/python-files.jsonl"))) {
            code.add(json.readTree(line).path("text").asText());
        }
        for (int i = 0; i < 2000; i++) {
            PythonSyntax.check(code.get(i % code.size()));
        }
        start = System.nanoTime();
        int files = 20000;
        for (int i = 0; i < files; i++) {
            PythonSyntax.check(code.get(i % code.size()));
        }
        s = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "pythonSyntax: %.0f files/s (files of ~%d lines) on one thread%n",
                files / s,
                code.stream().mapToLong(c -> c.lines().count()).sum() / code.size());

        Validators validators = Validators.of(recipe.getValidators(), Optional.empty(), new PromptRenderer(), "bench");
        String source = texts.get(0);
        String output = "Reworded: " + source.replace("the", "a").replace("and", "as well as");
        start = System.nanoTime();
        int pairs = 20000;
        for (int i = 0; i < pairs; i++) {
            validators.checkLocal(ValidationSubject.offline(source, output));
        }
        s = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "validators (repetition, refusal, echo, lengthRatio) on ~%d-word pairs: %.0f pairs/s on one thread%n",
                TextMeasures.wordCount(source),
                pairs / s);
    }
}
