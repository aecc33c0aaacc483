package io.palimpsest.worker.recipe.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.SourceDocument;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptRendererTest {
    private final PromptRenderer renderer = new PromptRenderer();

    @Test
    void chatTurnsInOrderWithEveryVariable() {
        PromptTemplate t = RecipeYaml.parse("""
                system: "You rewrite for {{ params.audience }}."
                fewShot:
                  - {role: user, content: "Example in"}
                  - {role: assistant, content: "Example out"}
                user: "{{ id }} {{ meta.lang }} {{ stages.s1.title }} {{ chunk.index }}/{{ chunk.count }}\\n{{ numbered }}"
                """, PromptTemplate.class);
        var vars = TemplateVariables.of(
                new SourceDocument("d7", "whole", Map.of("lang", "en")),
                "a\nb",
                List.of(),
                Map.of("s1", Map.of("title", "T")),
                Map.of("audience", "kids"),
                Map.of("index", 1, "count", 3, "id", "d7#1"));
        ModelRequest r = renderer.request("variant x", t, vars, "p");
        assertEquals(
                List.of("system", "user", "assistant", "user"),
                r.messages().stream().map(m -> m.role()).toList());
        assertEquals("You rewrite for kids.", r.messages().get(0).content());
        assertEquals("d7 en T 1/3\n1: a\n2: b", r.messages().get(3).content());
    }

    @Test
    void documentTextIsNeverEvaluatedAsATemplate() {
        PromptTemplate t = RecipeYaml.parse("completion: \"Rewrite: {{ text }}\"", PromptTemplate.class);
        var vars = TemplateVariables.of(
                new SourceDocument("d", "x", Map.of()),
                "{{ 7 * 6 }} {% if true %}y{% endif %}",
                List.of(),
                Map.of(),
                Map.of(),
                Map.of());
        ModelRequest r = renderer.request("v", t, vars, "p");
        assertFalse(r.isChat());
        assertEquals("Rewrite: {{ 7 * 6 }} {% if true %}y{% endif %}", r.prompt());
    }

    @Test
    void aFatalTemplateErrorNamesTheOwnerTheTemplateAndTheLine() {
        PromptTemplate t = RecipeYaml.parse("user: \"line one\\n{% for x in %}\"", PromptTemplate.class);
        var vars = TemplateVariables.of(
                new SourceDocument("d", "x", Map.of()), "x", List.of(), Map.of(), Map.of(), Map.of());
        TemplateException failure =
                assertThrows(TemplateException.class, () -> renderer.request("variant wiki", t, vars, "p"));
        assertTrue(failure.getMessage().startsWith("variant wiki: template user, line 2"), failure.getMessage());
    }

    private static TemplateException failure(String user, Map<String, Object> vars) {
        PromptTemplate t = new PromptTemplate();
        t.setUser(user);
        return assertThrows(TemplateException.class, () -> new PromptRenderer().request("variant v", t, vars, "p"));
    }

    private static Map<String, Object> vars(Map<String, Object> meta) {
        return TemplateVariables.of(
                new SourceDocument("d", "x", meta), "the text", List.of(), Map.of(), Map.of(), Map.of());
    }

    @Test
    void aFieldTheDocumentLacksIsAnErrorNamingItAndTheFieldsThere() {
        TemplateException e = failure("Title: {{ meta.titel | upper }}\n{{ text }}", vars(Map.of("title", "T")));
        assertEquals(
                "variant v: template user, line 1: meta.titel: the document has no field 'titel' (did you mean"
                        + " \"title\"?) (it has: title)",
                e.getMessage());
        assertEquals("meta.titel", e.undefined().orElseThrow());
        PromptTemplate t = new PromptTemplate();
        t.setUser("{{ meta.titel | default('none') }}{% if meta.titel is defined %}yes{% endif %} {{ text }}");
        assertEquals(
                "none the text",
                renderer.request("v", t, vars(Map.of()), "p").messages().get(0).content());
    }

    /**
     * A field the document lacks read as a filter's argument, as a cloze template's
     * {@code replace(meta.wrod, "____")}: Jinjava passes the argument on as nothing, and
     * {@code replace} then replaced nothing, so the answer stood in the question of every record.
     */
    @Test
    void aFieldTheDocumentLacksAsAFiltersArgumentIsAnErrorNamingIt() {
        Map<String, Object> meta = Map.of("word", "harbour", "example", "The boats stayed in the harbour.");
        TemplateException e = failure("{{ meta.example | replace(meta.wrod, '____') }} {{ text }}", vars(meta));
        assertEquals("meta.wrod", e.undefined().orElseThrow(), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean \"word\""), e.getMessage());
        PromptTemplate t = new PromptTemplate();
        t.setUser(
                "{{ meta.example | replace(meta.word, '____') }} {{ meta.example | replace(meta.wrod | default('x'), 'y') }}"
                        + " {{ meta.pos or 'noun' }}");
        assertEquals(
                "The boats stayed in the ____. The boats stayed in the harbour. noun",
                renderer.request("v", t, vars(meta), "p").messages().get(0).content());
    }

    /**
     * A misspelt variable given to a filter or tested in a tag: Jinjava gives it no value and goes on, so the
     * compile check let {@code replace(idd, '')} and {@code {% if lnag == 'en' %}} through, and every document's
     * prompt was sent without what the template meant.
     */
    @Test
    void anUnknownVariableGivenToAFilterOrTestedInATagIsRefusedByTheCheck() {
        assertEquals(
                "variant v: template user, line 2: unknown variable 'idd' (did you mean \"id\"?); templates can use "
                        + TemplateVariables.NAMES,
                refusal("Rewrite:\n{{ text | replace(idd, '') }}"));
        assertTrue(
                refusal("{% if lnag == 'en' %}English. {% endif %}{{ text }}").contains("unknown variable 'lnag'"),
                refusal("{% if lnag == 'en' %}English. {% endif %}{{ text }}"));
        PromptTemplate t = new PromptTemplate();
        t.setUser("{% set n = 2 %}{% for line in previous %}{{ loop.index }}{{ line }}{% endfor %}"
                + "{% if extra is defined %}{{ extra }}{% endif %}{{ text | replace('a', 'b') }} {{ n }}"
                + "{% if none is none and true and not false %}.{% endif %}{{ tag | default('') }}");
        new PromptRenderer().check("variant v", t);
    }

    @Test
    void anUnknownFilterIsNamedAsAFilter() {
        TemplateException e = failure("{{ text | upperr }}", vars(Map.of()));
        assertEquals(
                "variant v: template user, line 1: unknown filter 'upperr' (did you mean \"upper\"?)", e.getMessage());
        assertTrue(failure("{{ text is oddd }}", vars(Map.of())).getMessage().contains("unknown test 'oddd'"));
    }

    private static String refusal(String user) {
        PromptTemplate t = new PromptTemplate();
        t.setUser(user);
        return assertThrows(RecipeException.class, () -> new PromptRenderer().check("variant v", t))
                .getMessage();
    }

    @Test
    void anUnclosedCommentOrExpressionIsRefusedAtTheLineItOpens() {
        assertEquals(
                "variant v: template user, line 2: '{#' opens a comment that is never closed with '#}', so the rest of"
                        + " the template would be lost; for a literal {# write {% raw %}{#{% endraw %}",
                refusal("Count the items:\necho ${#arr[@]}\nText: {{ text }}"));
        assertTrue(refusal("In CSS a{#b}. {{ text }} END").contains("line 1: '{#' opens a comment"));
        assertTrue(
                refusal("Text:\n\n{{ text \nEND")
                        .startsWith("variant v: template user, line 3: '{{' opens an expression"),
                refusal("Text:\n\n{{ text \nEND"));
        assertTrue(refusal("{{ text }} {% endif %}").contains("an end tag without its start tag"));
    }

    /**
     * An expression left open before a later one: Jinjava reads up to the later '}}' and reports a
     * syntax error "at position -52" in text the user never wrote as one expression.
     */
    @Test
    void anExpressionLeftOpenBeforeAnotherIsRefusedAtTheLineItOpens() {
        String template = "Rewrite the text.\nKeep {{ every fact; add nothing.\n<document>{{ text }}</document>";
        assertEquals(
                "variant v: template user, line 2: '{{' opens an expression that is not closed before the next"
                        + " '{{' (line 3); close it with '}}', or for a literal {{ write {% raw %}{{{% endraw %}",
                refusal(template));
        assertTrue(
                refusal("{% if text %}\n{{ text\n{% endif %}")
                        .contains("line 2: '{{' opens an expression that is"
                                + " not closed before the next '{%' (line 3)"),
                refusal("{% if text %}\n{{ text\n{% endif %}"));
    }

    @Test
    void rawWritesBracesLiterally() {
        PromptTemplate t = new PromptTemplate();
        t.setUser("{% raw %}echo ${#arr[@]} {{ x }}{% endraw %} {{ text }}");
        new PromptRenderer().check("variant v", t);
        assertEquals(
                "echo ${#arr[@]} {{ x }} the text",
                renderer.request("v", t, vars(Map.of()), "p").messages().get(0).content());
    }
}
