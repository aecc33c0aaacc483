package io.palimpsest.worker.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.lint.YamlLines;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.recipe.validate.Validators;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recipe whose validators judge the pairs: from a RewriteJob manifest or a resolved job.yaml
 * (read exactly as {@code palimpsest run} reads them), or from a bare recipe file, so a dataset made
 * elsewhere can be audited without writing a whole job.
 */
final class RecipeFile {
    private RecipeFile() {}

    /** @throws InvalidJobException when the file is missing, not valid YAML, or holds no usable recipe or job */
    static Recipe load(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new InvalidJobException(path + " does not exist");
        }
        if (Files.isDirectory(path) || holdsJobOrIsNotYaml(path)) {
            var loaded = new JobManifests().load(path, false); // the recipe is audited; no model is called
            if (loaded.job().getSpec() == null || loaded.job().getSpec().getRecipe() == null) {
                throw new InvalidJobException(path + ": the job has no spec.recipe");
            }
            return loaded.job().getSpec().getRecipe();
        }
        ObjectMapper yaml = yaml();
        JsonNode node = firstDocument(path, yaml);
        if (node == null) {
            throw new InvalidJobException(path + " is empty");
        }
        // A recipe may be written on its own or under a `recipe:` key, as in a job's spec.
        boolean underKey = node.has("recipe");
        JsonNode recipe = underKey ? node.get("recipe") : node;
        checkAsTheCrdDoes(path, recipe, underKey ? "recipe" : "");
        Recipe read;
        try {
            read = yaml.treeToValue(recipe, Recipe.class);
        } catch (JsonProcessingException e) {
            throw new InvalidJobException(path + ": not a recipe: " + e.getOriginalMessage());
        }
        checkBounds(path, read, underKey ? "recipe." : "");
        return read;
    }

    /**
     * The validators' bounds as the recipe check of {@code lint} and the planner refuses them in a job
     * (a negative length ratio), each at its line.
     */
    private static void checkBounds(Path path, Recipe recipe, String prefix) throws IOException {
        Map<String, List<ValidatorSpec>> owners = new LinkedHashMap<>();
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        for (int i = 0; i < stages.size(); i++) {
            owners.put(prefix + "stages[" + i + "].", stages.get(i).getValidators());
        }
        List<PromptVariant> prompts = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        for (int i = 0; i < prompts.size(); i++) {
            owners.put(prefix + "prompts[" + i + "].", prompts.get(i).getValidators());
        }
        owners.put(prefix, recipe.getValidators());
        YamlLines lines = YamlLines.index(Files.readString(path, StandardCharsets.UTF_8)).stream()
                .findFirst()
                .orElse(null);
        List<String> problems = new ArrayList<>();
        owners.forEach((owner, validators) -> {
            for (int i = 0; validators != null && i < validators.size(); i++) {
                String where = owner + "validators[" + i + "]";
                try {
                    Validators.bounds(validators.get(i), where);
                } catch (Validators.BadBound e) {
                    String field = where + "." + e.field();
                    int line = lines == null ? 0 : lines.lineOf(field);
                    problems.add(path + (line > 0 ? ":" + line : "") + ": " + field + ": " + e.problem());
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidJobException(
                    problems.size() + " problem(s) in " + path + ":\n" + String.join("\n", problems));
        }
    }

    /**
     * The recipe against the RewriteJob CRD's {@code spec.recipe} schema and rules, as {@code lint}
     * checks it inside a job: an unknown field would otherwise be dropped in silence (a
     * {@code lengthRatio} with {@code maxx: 3} audited with no upper bound). Every problem is named
     * by file, line and field.
     */
    private static void checkAsTheCrdDoes(Path path, JsonNode recipe, String prefix) throws IOException {
        Map<String, Object> value = yaml().convertValue(recipe, new TypeReference<Map<String, Object>>() {});
        List<String> problems = new ArrayList<>();
        YamlLines lines = YamlLines.index(Files.readString(path, StandardCharsets.UTF_8)).stream()
                .findFirst()
                .orElse(null);
        if (lines != null) {
            for (YamlLines.Repeated r : lines.repeated()) {
                problems.add(path + ":" + r.line() + ": " + r.field()
                        + ": Duplicate key: given twice in one mapping (first at line " + r.firstLine() + ")");
            }
        }
        String prompts = prefix.isEmpty() ? "prompts" : prefix + ".prompts";
        for (FieldError e : CrdSchema.rewriteJobs().validatePart("spec.recipe", value, prefix)) {
            if (e.field().equals(prompts) && e.message().equals("Required value")) {
                continue; // an audit needs validators only: the pairs' outputs are already written
            }
            int line = lines == null ? 0 : lines.lineOf(e.field().equals("<root>") ? prefix : e.field());
            problems.add(path + (line > 0 ? ":" + line : "") + ": " + e);
        }
        if (!problems.isEmpty()) {
            throw new InvalidJobException(
                    problems.size() + " problem(s) in " + path + ":\n" + String.join("\n", problems));
        }
    }

    /** Broken YAML goes the manifests' way too: the linter names its file and line, as lint and local do. */
    private static boolean holdsJobOrIsNotYaml(Path path) throws IOException {
        try {
            return holdsJob(path);
        } catch (JsonProcessingException e) {
            return true;
        }
    }

    private static boolean holdsJob(Path path) throws IOException {
        ObjectMapper yaml = yaml();
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(path.toFile())) {
            // hasNextValue, not hasNext: a parse error stays a JsonProcessingException
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && (doc.has("kind") || doc.has("spec"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode firstDocument(Path path, ObjectMapper yaml) throws IOException {
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(path.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    return doc;
                }
            }
        }
        return null;
    }

    private static ObjectMapper yaml() {
        return new ObjectMapper(new YAMLFactory()).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }
}
