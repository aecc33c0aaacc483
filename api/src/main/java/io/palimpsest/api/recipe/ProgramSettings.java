package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import lombok.Data;
import lombok.NoArgsConstructor;

/** ProX-style program mode: the model writes edit calls, a safe executor applies them. */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProgramSettings {
    @Min(1)
    @Default("2")
    @JsonPropertyDescription(
            "This many malformed calls in a program, at least 1 (default 2), keep the original document unchanged.")
    @Max(Integer.MAX_VALUE)
    private Integer maxMalformed = 2;

    @Min(0)
    @Default("10")
    @JsonPropertyDescription("Drop the document when at most this many words remain; default 10.")
    @Max(Integer.MAX_VALUE)
    private Integer minWords = 10;

    @Min(0)
    @Max(1)
    @Default("0.05")
    @JsonPropertyDescription("Drop the document when at most this fraction of its words remain: 0 to 1, default 0.05.")
    private Double minKeptFraction = 0.05;
}
