package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;
import lombok.NoArgsConstructor;

/** A check before any model call; a failing document is skipped with reason filter:<type>. */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'regex' || has(self.pattern)", message = "a regex filter needs pattern")
@ValidationRule(value = "self.type != 'metadata' || has(self.when)", message = "a metadata filter needs when")
@ValidationRule(
        value = "!(self.type in ['minLength', 'maxLength']) || has(self.tokens) || has(self.chars) || has(self.words)",
        message = "a length filter needs tokens, chars or words")
public class PreFilter {
    public enum Type {
        minLength,
        maxLength,
        regex,
        metadata,
        pythonSyntax,
        pythonLint
    }

    public enum Action {
        keep,
        drop
    }

    @Required
    @JsonPropertyDescription(
            "minLength, maxLength, regex, metadata, pythonSyntax (the source must compile as Python 3) or pythonLint (a 0-10 lint score of the source must reach minScore).")
    private Type type;

    @Min(0)
    @JsonPropertyDescription("Length bound in tokens.")
    @Max(Integer.MAX_VALUE)
    private Integer tokens;

    @Min(0)
    @JsonPropertyDescription("Length bound in characters.")
    @Max(Integer.MAX_VALUE)
    private Integer chars;

    @Min(0)
    @JsonPropertyDescription("Length bound in words.")
    @Max(Integer.MAX_VALUE)
    private Integer words;

    @JsonPropertyDescription("regex: a Java regular expression searched in the text.")
    private String pattern;

    @JsonPropertyDescription("regex: keep only matching documents (keep) or drop matching ones (drop, default).")
    private Action action;

    @JsonPropertyDescription("metadata: a CEL expression over the record that must hold, e.g. meta.lang == 'en'.")
    private String when;

    @Min(0)
    @Max(10)
    @JsonPropertyDescription(
            "pythonLint: the least score (0-10, pylint's scale: 10 minus 10 x weighted messages per statement) a file must reach; default 7, as SwallowCode.")
    private Double minScore;
}
