package io.palimpsest.worker.recipe.template;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.TemplateError;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.Turn;
import io.palimpsest.worker.recipe.ChatMessage;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a recipe's Jinja templates into model requests. A name without a value is an error, never
 * an empty string: {@code {{ meta.titel }}} in a document without that field rejects the document
 * ({@code template_error}, naming the field and the fields it has) instead of sending a prompt with
 * a hole; {@code | default(...)} or {@code is defined} say that a field may be missing.
 *
 * <p>Every render with a document's stage results and stage-given parameters goes through here, and
 * here a read of a field the reply lacks or holds empty ({@link ReplyReads}) is told from the
 * template's own fault: {@link ReplyFieldMissing} ({@code parse_error}), whichever call renders it (a
 * stage, a variant, its chunk budget, a judge), else {@link TemplateException} ({@code
 * template_error}). Thread-safe: one instance serves every concurrent document.
 */
public final class PromptRenderer {
    private final SharedContextJinja jinjava;
    private final Set<String> filters;
    private final Set<String> tests;
    /** What templates checked by this renderer may see (stages before them, matrix parameters). */
    private final TemplateScope scope;
    /** The guarded paths of each template text ({@link ReplyReads#guarded}), shared by the scoped copies. */
    private final ConcurrentMap<String, Set<String>> guards;

    public PromptRenderer() {
        SharedContextJinja jinjava = new SharedContextJinja(config());
        this.jinjava = jinjava;
        this.filters = jinjava.filterNames();
        this.tests = jinjava.testNames();
        this.scope = TemplateScope.NONE;
        this.guards = new ConcurrentHashMap<>();
    }

    private PromptRenderer(PromptRenderer same, TemplateScope scope) {
        this.jinjava = same.jinjava;
        this.filters = same.filters;
        this.tests = same.tests;
        this.scope = scope;
        this.guards = same.guards;
    }

    /** The same renderer, checking templates against {@code scope}. */
    public PromptRenderer scoped(TemplateScope scope) {
        return new PromptRenderer(this, scope);
    }

    /** The same renderer for a judge's templates, which also see {@code source} and {@code output}. */
    public PromptRenderer judging() {
        return scoped(scope.judging());
    }

    private static JinjavaConfig config() {
        return JinjavaConfig.newBuilder()
                // A document that contains "{{ ... }}" must reach the model as text, not be evaluated.
                .withNestedInterpretationEnabled(false)
                // Block tags on their own line leave no blank lines behind, as in HF chat templates.
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxRenderDepth(8)
                // A typo such as {{ txt }} or a field a document lacks would render as nothing, and the
                // model would be paid to rewrite a prompt with a hole in it.
                .withFailOnUnknownTokens(true)
                .build();
    }

    /**
     * Renders the call a template describes. {@code owner} is what error messages name
     * ("variant qa", "stage pairs", "judge of variant maga").
     *
     * @param vars {@link TemplateVariables}, with the document's stage results and parameters as they are
     * @throws ReplyFieldMissing when the template reads a field a stage's reply lacks or holds empty
     * @throws TemplateException when the template cannot be rendered on these values
     */
    public ModelRequest request(String owner, PromptTemplate t, Map<String, Object> vars, String purpose) {
        return request(owner, t, reading(t, vars), purpose, false);
    }

    /**
     * Renders {@code t}'s {@code render} template: the text of a stage or variant that calls no model.
     *
     * @throws ReplyFieldMissing as {@link #request}
     * @throws TemplateException as {@link #request}
     */
    public String renderText(String owner, PromptTemplate t, Map<String, Object> vars) {
        return render(owner, "render", t.getRender(), reading(t, vars), false);
    }

    /**
     * The request {@code t} makes for a unit without text: no document text, and a placeholder of one
     * token for each metadata field, stage result and parameter it reads; what its prompt takes of
     * {@code maxInputTokens} whatever the document.
     *
     * @throws TemplateException when the template cannot be rendered so (the compile check renders it
     *                           with the same stand-ins, but with text)
     */
    public ModelRequest withoutDocument(String owner, PromptTemplate t) {
        return request(owner, t, new Reading(TemplateVariables.withoutDocument(scope), null), "budget", true);
    }

    /** Variables to render with, and the reads of reply fields to check after each template. */
    private record Reading(Map<String, Object> vars, ReplyReads.Reads reads) {}

    /**
     * {@code vars} with the stage results and the parameters behind views that note each read a reply
     * cannot answer, and the document's metadata behind one that notes each field read the record
     * lacks. Fixed parameters are the recipe's own, so an empty one is meant.
     */
    @SuppressWarnings("unchecked")
    private Reading reading(PromptTemplate t, Map<String, Object> vars) {
        boolean stages = vars.get("stages") instanceof Map<?, ?> && !(vars.get("stages") instanceof Placeholder);
        boolean params = vars.get("params") instanceof Map<?, ?> && !(vars.get("params") instanceof Placeholder);
        boolean meta = vars.get("meta") instanceof Map<?, ?> && !(vars.get("meta") instanceof Placeholder);
        if (!stages && !params && !meta) {
            return new Reading(vars, null);
        }
        ReplyReads.Reads reads = ReplyReads.of(t, text -> guards.computeIfAbsent(text, ReplyReads::guarded))
                .start();
        Map<String, Object> seen = new HashMap<>(vars);
        if (meta) {
            seen.put("meta", reads.meta((Map<String, Object>) vars.get("meta")));
        }
        if (stages) {
            seen.put("stages", reads.stages((Map<String, Object>) vars.get("stages")));
        }
        if (params) {
            seen.put("params", reads.params((Map<String, Object>) vars.get("params"), scope.anyParams()));
        }
        return new Reading(seen, reads);
    }

    private ModelRequest request(String owner, PromptTemplate t, Reading vars, String purpose, boolean placeholders) {
        if (t.getCompletion() != null) {
            return ModelRequest.completion(
                    render(owner, "completion", t.getCompletion(), vars, placeholders), t.getSampling(), purpose);
        }
        if (t.getUser() == null) {
            throw new TemplateException(owner, "user", 0, "a model call needs user or completion");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (t.getSystem() != null) {
            messages.add(ChatMessage.system(render(owner, "system", t.getSystem(), vars, placeholders)));
        }
        if (t.getFewShot() != null) {
            for (int i = 0; i < t.getFewShot().size(); i++) {
                Turn turn = t.getFewShot().get(i);
                String content = render(owner, "fewShot[" + i + "]", turn.getContent(), vars, placeholders);
                messages.add(
                        turn.getRole() == Turn.Role.assistant
                                ? ChatMessage.assistant(content)
                                : ChatMessage.user(content));
            }
        }
        messages.add(ChatMessage.user(render(owner, "user", t.getUser(), vars, placeholders)));
        return ModelRequest.chat(messages, t.getSampling(), purpose);
    }

    /**
     * @param placeholders true for the compile check: an error a placeholder value causes (a method
     *                     the real value may have) is not the template's
     */
    private String render(String owner, String field, String template, Reading reading, boolean placeholders) {
        Map<String, Object> vars = reading.vars();
        SharedContextJinja.Rendered result = jinjava.render(template, vars);
        // a key the stage's reply lacks fails the strict rendering, and an empty one renders as a hole:
        // either way the reply is at fault, not the template
        Optional<String> hole =
                reading.reads() == null ? Optional.empty() : reading.reads().problem(scope.paramsStage());
        if (hole.isPresent()) {
            throw new ReplyFieldMissing(owner, field, hole.get());
        }
        Optional<TemplateError> fatal = result.errors().stream()
                .filter(SharedContextJinja.Rendered::breaks)
                .filter(e -> !(placeholders && Placeholder.named(e.getMessage())))
                .findFirst();
        if (fatal.isPresent()) {
            TemplateDiagnosis.Problem problem =
                    TemplateDiagnosis.explain(fatal.get(), template, vars, scope, filters, tests);
            throw new TemplateException(owner, field, problem.line(), problem.message(), problem.undefined());
        }
        // a name nothing binds, given to a filter or tested ({% if lnag == 'en' %}), is the same for every
        // document: the compile check and the probe refuse it as they refuse {{ txt }}
        if (placeholders) {
            for (String name : result.unbound()) {
                if (!ReplyReads.guardedName(template, name)) {
                    throw new TemplateException(
                            owner,
                            field,
                            lineOfName(template, name),
                            "unknown variable '" + name + "'" + CrdSchema.suggestion(name, vars.keySet())
                                    + "; templates can use " + TemplateVariables.NAMES,
                            name);
                }
            }
        }
        // Jinjava's strict rendering fails an expression only when its whole value is nothing: a field
        // the record lacks given to a filter (replace(meta.wrod, "____")) rendered the record wrong
        Optional<ReplyReads.Miss> absent =
                reading.reads() == null ? Optional.empty() : reading.reads().absentField();
        if (absent.isPresent()) {
            ReplyReads.Miss miss = absent.get();
            throw new TemplateException(owner, field, lineOf(template, miss.name()), absentField(miss), miss.path());
        }
        return result.output() == null ? "" : result.output();
    }

    /** In {@link TemplateDiagnosis}'s words for a field read outright: the field, and those the record has. */
    private static String absentField(ReplyReads.Miss miss) {
        if (miss.empty()) {
            return miss.path() + " is null";
        }
        Set<String> has = new TreeSet<>(miss.present());
        return miss.path() + ": the document has no field '" + miss.name() + "'"
                + CrdSchema.suggestion(miss.name(), has)
                + (has.isEmpty()
                        ? " (its record has no fields besides text and id)"
                        : " (it has: " + String.join(", ", miss.present()) + ")");
    }

    /** The line of the template's first use of the bare name {@code name}, or 0 when it cannot be told. */
    private static int lineOfName(String template, String name) {
        Matcher use =
                Pattern.compile("(?<![\\w.'\"])" + Pattern.quote(name) + "\\b").matcher(template);
        if (!use.find()) {
            return 0;
        }
        return (int) template.substring(0, use.start())
                        .chars()
                        .filter(c -> c == '\n')
                        .count()
                + 1;
    }

    /** The line of the template's first read of {@code meta.<name>}, or 0 when it cannot be told. */
    private static int lineOf(String template, String name) {
        Matcher read = Pattern.compile("\\bmeta\\s*(?:\\.\\s*" + Pattern.quote(name) + "\\b|\\[\\s*['\"]"
                        + Pattern.quote(name) + "['\"])")
                .matcher(template);
        if (!read.find()) {
            return 0;
        }
        return (int) template.substring(0, read.start())
                        .chars()
                        .filter(c -> c == '\n')
                        .count()
                + 1;
    }

    /**
     * Renders every template of {@code t} once with placeholder values for what only documents and
     * model replies tell (metadata, stage results), so a syntax error, an unknown variable, stage,
     * parameter or filter stops the job before the first document instead of rejecting every one.
     */
    public void check(String owner, PromptTemplate t) {
        try {
            renderAll(owner, t, new Reading(TemplateVariables.placeholders(scope), null), true);
        } catch (TemplateException e) {
            throw new RecipeException(e.getMessage(), e);
        }
    }

    /**
     * Renders {@code t} with a real document's variables (stage results and parameters as
     * placeholders), as its first request would be rendered, without calling a model.
     *
     * @throws TemplateException what the document's request would be rejected for
     */
    public void probe(String owner, PromptTemplate t, SourceDocument doc) {
        // the stage results and parameters are placeholders here: only the document's own fields are read for real
        Map<String, Object> vars = new HashMap<>(TemplateVariables.probe(doc, scope));
        ReplyReads.Reads reads = ReplyReads.of(t, text -> guards.computeIfAbsent(text, ReplyReads::guarded))
                .start();
        vars.put("meta", reads.meta(doc.meta()));
        renderAll(owner, t, new Reading(vars, reads), true);
    }

    private void renderAll(String owner, PromptTemplate t, Reading vars, boolean placeholders) {
        if (t.getRender() != null) {
            render(owner, "render", t.getRender(), vars, placeholders);
        } else {
            request(owner, t, vars, "check", placeholders);
        }
    }
}
