package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * One call's prompt, as Jinja templates. Variables: text (the unit being rewritten: the chunk or
 * the whole document), document (the whole text), id, meta (the record's other fields),
 * previous (earlier rewritten chunks, autoregressive chunking), stages (parsed outputs of earlier
 * stages), params (the matrix parameters), numbered (text with numbered lines, program mode).
 */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "[has(self.user), has(self.completion), has(self.render)].filter(x, x).size() == 1",
        message = "set exactly one of user (chat), completion (raw prompt) or render (template only, no model call)")
@ValidationRule(
        value = "!has(self.render) || (!has(self.system) && !has(self.fewShot))",
        message = "render takes no system prompt or few-shot turns")
public class PromptTemplate {
    @Size(max = 65536)
    @JsonPropertyDescription("Chat system message (Jinja).")
    private String system;

    @Size(max = 16)
    @JsonPropertyDescription("Example turns placed before the user message.")
    private List<Turn> fewShot;

    @Size(max = 65536)
    @JsonPropertyDescription("Chat user message (Jinja); the usual place for {{ text }}.")
    private String user;

    @Size(max = 65536)
    @JsonPropertyDescription("A raw prompt for /v1/completions (Jinja), instead of chat messages.")
    private String completion;

    @Size(max = 65536)
    @JsonPropertyDescription("Render this template from the record's fields as the output itself, with no model call.")
    private String render;

    @JsonPropertyDescription("Sampling of this call.")
    private Sampling sampling;

    @Min(1)
    @JsonPropertyDescription(
            "Most input tokens of a document or chunk, at least 1; longer ones are skipped with reason input_too_long.")
    @Max(Integer.MAX_VALUE)
    private Integer maxInputTokens;

    @JsonPropertyDescription(
            "How the reply is read: text (default), json, sections (## headings), or code (first fenced block).")
    private ParseMode parse;
}
