package io.palimpsest.worker.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.manifests.JobManifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        JsonNode recipe = node.has("recipe") ? node.get("recipe") : node;
        try {
            return yaml.treeToValue(recipe, Recipe.class);
        } catch (JsonProcessingException e) {
            throw new InvalidJobException(path + ": not a recipe: " + e.getOriginalMessage());
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
