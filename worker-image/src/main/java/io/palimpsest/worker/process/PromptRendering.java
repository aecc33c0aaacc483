package io.palimpsest.worker.process;

import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.TemplateError;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.recipe.template.SharedContextJinja;

/**
 * Renders a variant's Jinja templates for one document, with the variables the recipe documents:
 * {@code text} and {@code document} (the whole text, as there is no chunking here), {@code id},
 * {@code meta} (the record's other fields). A fatal template error is the document's problem, not the run's.
 */
final class PromptRendering {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private final SharedContextJinja jinjava =
            new SharedContextJinja(JinjavaConfig.newBuilder().withMaxOutputSize(16L * 1024 * 1024).build());
    private final ObjectMapper json;

    PromptRendering(ObjectMapper json) {
        this.json = json;
    }

    Map<String, Object> variables(Document document) {
        return variables(document, true);
    }

    /** @param withMeta false when no template mentions {@code meta}: converting the record's fields is the costly part */
    Map<String, Object> variables(Document document, boolean withMeta) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("text", document.text());
        variables.put("document", document.text());
        variables.put("id", document.id());
        variables.put("meta", withMeta && !document.metadata().isEmpty() ? json.convertValue(document.metadata(), MAP) : Map.of());
        variables.put("params", Map.of());
        variables.put("stages", Map.of());
        return variables;
    }

    /** The rendered text; throws {@link TemplateFailure} naming the template when rendering fails. */
    String render(String templateName, String template, Map<String, Object> variables) {
        SharedContextJinja.Rendered result = jinjava.render(template, variables);
        if (result.fatal().isPresent()) {
            TemplateError error = result.fatal().get();
            throw new TemplateFailure(templateName + " line " + error.getLineno() + ": " + error.getMessage());
        }
        return result.output();
    }

    static final class TemplateFailure extends RuntimeException {
        TemplateFailure(String message) {
            super(message);
        }
    }
}
