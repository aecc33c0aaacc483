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

/**
 * Renders a recipe's Jinja templates into model requests. Thread-safe: one instance serves every
 * concurrent document.
 */
public final class PromptRenderer {
    private final SharedContextJinja jinjava;

    public PromptRenderer() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                // A document that contains "{{ ... }}" must reach the model as text, not be evaluated.
                .withNestedInterpretationEnabled(false)
                // Block tags on their own line leave no blank lines behind, as in HF chat templates.
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxRenderDepth(8)
                .build();
        this.jinjava = new SharedContextJinja(config);
    }

    /**
     * Renders the call a template describes. {@code owner} is what error messages name
     * ("variant qa", "stage pairs", "judge of variant maga").
     */
    public ModelRequest request(String owner, PromptTemplate t, Map<String, Object> vars, String purpose) {
        if (t.getCompletion() != null) {
            return ModelRequest.completion(render(owner, "completion", t.getCompletion(), vars), t.getSampling(), purpose);
        }
        if (t.getUser() == null) {
            throw new TemplateException(owner, "user", 0, "a model call needs user or completion");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (t.getSystem() != null) {
            messages.add(ChatMessage.system(render(owner, "system", t.getSystem(), vars)));
        }
        if (t.getFewShot() != null) {
            for (int i = 0; i < t.getFewShot().size(); i++) {
                Turn turn = t.getFewShot().get(i);
                String content = render(owner, "fewShot[" + i + "]", turn.getContent(), vars);
                messages.add(turn.getRole() == Turn.Role.assistant ? ChatMessage.assistant(content) : ChatMessage.user(content));
            }
        }
        messages.add(ChatMessage.user(render(owner, "user", t.getUser(), vars)));
        return ModelRequest.chat(messages, t.getSampling(), purpose);
    }

    public String render(String owner, String field, String template, Map<String, Object> vars) {
        SharedContextJinja.Rendered result = jinjava.render(template, vars);
        Optional<TemplateError> fatal = result.fatal();
        if (fatal.isPresent()) {
            throw new TemplateException(owner, field, fatal.get().getLineno(), fatal.get().getMessage());
        }
        return result.output();
    }

    /**
     * Renders every template of {@code t} once with placeholder values, so a syntax error stops the
     * job before the first document instead of rejecting every one.
     */
    public void check(String owner, PromptTemplate t) {
        Map<String, Object> probe = TemplateVariables.probe();
        try {
            if (t.getRender() != null) {
                render(owner, "render", t.getRender(), probe);
            } else {
                request(owner, t, probe, "check");
            }
        } catch (TemplateException e) {
            throw new RecipeException(e.getMessage(), e);
        }
    }
}
