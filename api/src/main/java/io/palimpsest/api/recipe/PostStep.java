package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;
import lombok.NoArgsConstructor;

/** One step of cleaning a model reply. */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'stripSentinel' || has(self.sentinel)", message = "stripSentinel needs sentinel")
@ValidationRule(value = "self.type != 'stripPattern' || has(self.pattern)", message = "stripPattern needs pattern")
public class PostStep {
    public enum Type {
        /** Drop a chatty lead-in such as "Here is the paraphrase:" up to the first blank line or colon. */
        stripPreamble,
        /** The reply must start with the sentinel line; it is removed, and a reply without it is rejected (missing_sentinel). */
        stripSentinel,
        /** Remove markdown emphasis, headings and quote marks; normalise list bullets. */
        stripMarkdown,
        /** Remove every line matching pattern. */
        stripPattern,
        /** Keep the first fenced code block; a reply with none is rejected (no_code). */
        extractCode,
        /** Drop reasoning blocks (<think>...</think>) that thinking models put in content. */
        stripReasoning,
        /** Output = original text + k question/answer pairs picked from the reply (Nemotron-CC diverse QA). */
        appendToOriginal
    }

    @Required
    @JsonPropertyDescription(
            "stripPreamble, stripSentinel, stripMarkdown, stripPattern, extractCode, stripReasoning or appendToOriginal.")
    private Type type;

    @JsonPropertyDescription("stripSentinel: the expected first line.")
    private String sentinel;

    @JsonPropertyDescription("stripPattern: lines matching this regular expression are removed.")
    private String pattern;

    @JsonPropertyDescription("extractCode: the fence language to prefer, e.g. python.")
    private String language;

    @Min(1)
    @JsonPropertyDescription("appendToOriginal: at most this many pairs, at least 1; fewer for short documents.")
    @Max(Integer.MAX_VALUE)
    private Integer k;

    @Min(1)
    @JsonPropertyDescription(
            "appendToOriginal: one pair per this many source tokens, at least 1 (the number kept grows with length).")
    @Max(Integer.MAX_VALUE)
    private Integer tokensPerItem;

    @JsonPropertyDescription("appendToOriginal: seed of the shuffle.")
    private Long seed;
}
