package io.palimpsest.worker.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.SourcePosition;
import org.junit.jupiter.api.Test;

class PromptRenderingTest {

    private final ObjectMapper json = new ObjectMapper();
    private final PromptRendering rendering = new PromptRendering(json);

    @Test
    void rendersTextIdMetaAndFilters() {
        ObjectNode meta = json.createObjectNode().put("lang", "en");
        Map<String, Object> variables = rendering.variables(new Document("d1", "Hello world", meta, new SourcePosition("a.jsonl", 1)));
        String out = rendering.render("t", "{{ id }}/{{ meta.lang | upper }}: <document>{{ text }}</document>{% if document %}!{% endif %}", variables);
        assertEquals("d1/EN: <document>Hello world</document>!", out);
    }

    @Test
    void rendersStayIsolatedFromEachOther() {
        String template = "{% set n = text | length %}{{ n }}";
        assertEquals("3", rendering.render("t", template, Map.of("text", "abc")));
        assertEquals("5", rendering.render("t", template, Map.of("text", "abcde")));
        assertEquals("", rendering.render("t", "{{ n }}", Map.of()), "a set in one render does not leak into the next");
    }

    @Test
    void aFatalTemplateErrorNamesTheTemplateAndLine() {
        PromptRendering.TemplateFailure failure = assertThrows(PromptRendering.TemplateFailure.class,
                () -> rendering.render("wiki.user", "line one\n{% for x in %}", Map.of()));
        assertTrue(failure.getMessage().startsWith("wiki.user line 2"), failure.getMessage());
    }
}
