package io.palimpsest.worker.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.RecipeHash;
import io.palimpsest.api.worker.ResolvedJob;

/**
 * Reads what a worker runs: either the operator's resolved job ({@code job.yaml} from the ConfigMap), or
 * the manifests a user would {@code kubectl apply} (a RewriteJob and its RewriterModel, in one file or in
 * a folder of YAML files), resolved the way the operator would.
 */
public final class JobManifests {

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, true);

    /** The manifests found at {@code path}, with the file each came from (for relative paths and messages). */
    public record Loaded(ResolvedJob job, Path jobFile, RewriterModel model) {
    }

    public Loaded load(Path path) throws IOException {
        List<Path> files = yamlFiles(path);
        RewriteJob rewriteJob = null;
        Path jobFile = null;
        RewriterModel model = null;
        ResolvedJob resolved = null;
        for (Path file : files) {
            for (JsonNode document : documents(file)) {
                String kind = document.path("kind").asText("");
                switch (kind) {
                    case "RewriteJob" -> {
                        if (rewriteJob != null) {
                            throw new IllegalArgumentException(file + ": a second RewriteJob; give one job per folder or file");
                        }
                        rewriteJob = convert(document, RewriteJob.class, file);
                        jobFile = file;
                    }
                    case "RewriterModel" -> model = convert(document, RewriterModel.class, file);
                    case "" -> {
                        if (document.has("spec")) {
                            resolved = convert(document, ResolvedJob.class, file);
                            jobFile = file;
                        }
                    }
                    default -> {
                        // other kinds (Secrets, ConfigMaps) may sit beside the manifests; not ours
                    }
                }
            }
        }
        if (resolved != null) {
            return new Loaded(resolved, jobFile, model);
        }
        if (rewriteJob == null) {
            throw new IllegalArgumentException(path + " holds no RewriteJob manifest (and no resolved job.yaml)");
        }
        return new Loaded(resolve(rewriteJob, model), jobFile, model);
    }

    /** What the operator would put in the ConfigMap for this job and model. */
    static ResolvedJob resolve(RewriteJob job, RewriterModel model) {
        if (job.getSpec() == null || job.getSpec().getRecipe() == null) {
            throw new IllegalArgumentException("RewriteJob " + job.getMetadata().getName() + " has no spec.recipe");
        }
        ResolvedJob resolved = new ResolvedJob();
        resolved.setName(job.getMetadata() == null ? "local" : job.getMetadata().getName());
        resolved.setNamespace(job.getMetadata() == null ? null : job.getMetadata().getNamespace());
        resolved.setUid(job.getMetadata() == null ? null : job.getMetadata().getUid());
        resolved.setSpec(job.getSpec());
        resolved.setRecipeHash(RecipeHash.of(job.getSpec().getRecipe()));
        ResolvedJob.ResolvedModel resolvedModel = new ResolvedJob.ResolvedModel();
        if (model != null && model.getSpec() != null) {
            var spec = model.getSpec();
            resolvedModel.setServedModelName(spec.getServedModelName() != null ? spec.getServedModelName() : model.getMetadata().getName());
            if (spec.getEndpoint() != null) {
                resolvedModel.setEndpoint(spec.getEndpoint().getUrl());
            }
            if (spec.getEngine() != null) {
                resolvedModel.setMaxNumSeqs(spec.getEngine().getMaxNumSeqs());
            }
        } else if (job.getSpec().getModelRef() != null) {
            resolvedModel.setServedModelName(job.getSpec().getModelRef().getName());
        } else {
            resolvedModel = null; // a recipe that calls no model names none: no model section
        }
        resolved.setModel(resolvedModel);
        return resolved;
    }

    private static List<Path> yamlFiles(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException(path + " does not exist");
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList();
        }
    }

    private List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> iterator = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (iterator.hasNext()) {
                JsonNode node = iterator.next();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    documents.add(node);
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage(), e);
        }
        return documents;
    }

    private <T> T convert(JsonNode node, Class<T> type, Path file) {
        try {
            return yaml.treeToValue(node, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String field = e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping ? mapping.getPathReference() : "";
            throw new IllegalArgumentException(file + ": " + type.getSimpleName() + " field " + field + ": " + e.getOriginalMessage(), e);
        }
    }
}
