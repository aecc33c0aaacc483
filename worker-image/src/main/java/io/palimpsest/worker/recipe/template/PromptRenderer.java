package io.palimpsest.worker.recipe.template;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.TemplateError;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.Turn;
import io.palimpsest.worker.recipe.ChatMessage;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.RecipeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Renders a recipe's Jinja templates into model requests. Thread-safe: one instance serves every
 * concurrent document.
 */
public final class PromptRenderer {
    private final SharedContextJinja jinjava;
    /** The same Jinja, but a name no variable defines is an error: used by {@link #check} only. */
    private final SharedContextJinja strict;

    public PromptRenderer() {
        this.jinjava = new SharedContextJinja(config(false));
        this.strict = new SharedContextJinja(config(true));
    }

    private static JinjavaConfig config(boolean failOnUnknownNames) {
        return JinjavaConfig.newBuilder()
                // A document that contains "{{ ... }}" must reach the model as text, not be evaluated.
                .withNestedInterpretationEnabled(false)
                // Block tags on their own line leave no blank lines behind, as in HF chat templates.
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxRenderDepth(8)
                // A typo such as {{ txt }} renders as nothing at run time, so every request would be paid for
                // and every reply rejected; at check time it is an error naming the template and line.
                .withFailOnUnknownTokens(failOnUnknownNames)
                .build();
    }

    /**
     * Renders the call a template describes. {@code owner} is what error messages name
     * ("variant qa", "stage pairs", "judge of variant maga").
     */
    public ModelRequest request(String owner, PromptTemplate t, Map<String, Object> vars, String purpose) {
        return request(jinjava, owner, t, vars, purpose);
    }

    private ModelRequest request(
            SharedContextJinja engine, String owner, PromptTemplate t, Map<String, Object> vars, String purpose) {
        if (t.getCompletion() != null) {
            return ModelRequest.completion(
                    render(engine, owner, "completion", t.getCompletion(), vars), t.getSampling(), purpose);
        }
        if (t.getUser() == null) {
            throw new TemplateException(owner, "user", 0, "a model call needs user or completion");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (t.getSystem() != null) {
            messages.add(ChatMessage.system(render(engine, owner, "system", t.getSystem(), vars)));
        }
        if (t.getFewShot() != null) {
            for (int i = 0; i < t.getFewShot().size(); i++) {
                Turn turn = t.getFewShot().get(i);
                String content = render(engine, owner, "fewShot[" + i + "]", turn.getContent(), vars);
                messages.add(
                        turn.getRole() == Turn.Role.assistant
                                ? ChatMessage.assistant(content)
                                : ChatMessage.user(content));
            }
        }
        messages.add(ChatMessage.user(render(engine, owner, "user", t.getUser(), vars)));
        return ModelRequest.chat(messages, t.getSampling(), purpose);
    }

    public String render(String owner, String field, String template, Map<String, Object> vars) {
        return render(jinjava, owner, field, template, vars);
    }

    private static String render(
            SharedContextJinja engine, String owner, String field, String template, Map<String, Object> vars) {
        SharedContextJinja.Rendered result = engine.render(template, vars);
        Optional<TemplateError> fatal = result.fatal();
        if (fatal.isPresent()) {
            throw new TemplateException(
                    owner,
                    field,
                    fatal.get().getLineno(),
                    plainMessage(fatal.get().getMessage()));
        }
        return result.output();
    }

    private static final Pattern UNKNOWN = Pattern.compile("Unknown token found: ?(\\S+)");
    private static final Pattern CLASS_PREFIX =
            Pattern.compile("^([A-Za-z_$][\\w$]*\\.)*[A-Z][\\w$]*(Exception|Error): ");

    /** Jinjava's words without Java class names; an unknown name says which names exist. */
    static String plainMessage(String message) {
        String text =
                message == null ? "" : CLASS_PREFIX.matcher(message.strip()).replaceFirst("");
        var unknown = UNKNOWN.matcher(text);
        if (unknown.find()) {
            return "unknown variable '" + unknown.group(1) + "'; templates can use " + TemplateVariables.NAMES;
        }
        return text;
    }

    /**
     * Renders every template of {@code t} once with placeholder values, names no variable defines
     * being errors, so a syntax error or a misspelt variable stops the job before the first
     * document instead of rejecting every one.
     */
    public void check(String owner, PromptTemplate t) {
        Map<String, Object> probe = TemplateVariables.probe();
        try {
            if (t.getRender() != null) {
                render(strict, owner, "render", t.getRender(), probe);
            } else {
                request(strict, owner, t, probe, "check");
            }
        } catch (TemplateException e) {
            throw new RecipeException(e.getMessage(), e);
        }
    }

    /**
     * Renders {@code t} with a real document's variables (stage results and parameters as
     * placeholders), as the first request would be rendered, without calling a model.
     */
    public void probe(String owner, PromptTemplate t, Map<String, Object> vars) {
        try {
            if (t.getRender() != null) {
                render(jinjava, owner, "render", t.getRender(), vars);
            } else {
                request(jinjava, owner, t, vars, "probe");
            }
        } catch (TemplateException e) {
            throw new RecipeException(e.getMessage() + " (rendering document " + vars.get("id") + ")", e);
        }
    }
}
