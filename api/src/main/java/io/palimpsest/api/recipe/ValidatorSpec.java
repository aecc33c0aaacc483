package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;
import lombok.NoArgsConstructor;

/** A quality gate on one output; a failure sends the output to rejects with reason code = type. */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.type != 'judge' || has(self.judge)",
        message = "a judge validator needs judge (the prompt)")
@ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max", message = "min must not exceed max")
public class ValidatorSpec {
    public enum Type {
        /** finish_reason=length, or output tokens within `margin` of max_tokens. */
        truncation,
        /** output length / source length (words) outside [min, max]. */
        lengthRatio,
        /** Output shorter than min words, or longer than max. */
        length,
        /** A long substring or n-gram loop repeated. */
        repetition,
        /** Refusals and boilerplate ("As an AI language model", "I can't help"). */
        refusal,
        /** Too similar to the source (copied instead of rewritten): similarity above threshold. */
        echo,
        /** Output not in the expected language. */
        language,
        /** Extracted code must compile (Python 3 grammar). */
        compiles,
        /** A second model call scores the output; below threshold is rejected. */
        judge,
        /**
         * The facts of output and source compared, no model needed: numbers, dates, names and key
         * noun phrases drawn from both; too few of the source's kept (recall) or too many the source
         * does not hold (precision) is rejected.
         */
        facts
    }

    @Required
    @JsonPropertyDescription(
            "truncation, lengthRatio, length, repetition, refusal, echo, language, compiles, judge or facts.")
    private Type type;

    @JsonPropertyDescription(
            "Lower bound (lengthRatio: ratio; length: words; judge: the lowest score on the judge's scale, default 1).")
    private Double min;

    @JsonPropertyDescription(
            "Upper bound (lengthRatio: ratio; length: words; judge: the highest score on the judge's scale, default 5).")
    private Double max;

    @JsonPropertyDescription(
            "echo: similarity at or above which the output is an echo (default 0.8); judge: lowest passing score; repetition: largest share of repeated n-grams (default 0.3).")
    private Double threshold;

    @Min(0)
    @JsonPropertyDescription(
            "truncation: outputs within this many tokens of max_tokens count as truncated (Nemotron-CC uses 2).")
    @Max(Integer.MAX_VALUE)
    private Integer margin;

    @JsonPropertyDescription("language: expected ISO 639-1 code, e.g. en; default: the source's language.")
    private String language;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription(
            "facts: least share of the source's facts (numbers, dates, names, key noun phrases) the output must keep, 0 to 1 (default 0.9).")
    private Double minRecall;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription(
            "facts: least share of the output's numbers, dates and names that must be in the source, 0 to 1 (default 0.9); the rest are changed or invented.")
    private Double minPrecision;

    @JsonPropertyDescription("judge: the scoring call; its reply must hold a score, read with scorePattern.")
    private PromptTemplate judge;

    @JsonPropertyDescription(
            "judge: regular expression whose first group is the score; its last match counts (default: the last number after a label such as Score:, else the last number in the reply).")
    private String scorePattern;
}
