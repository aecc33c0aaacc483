package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;
import lombok.Data;
import lombok.NoArgsConstructor;

/** Multiplies each variant call by combinations of parameters, visible to templates as params.<name>. */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.parameters) != has(self.fromStage)",
        message = "set exactly one of matrix.parameters (fixed values) or matrix.fromStage (values written by a stage)")
public class Matrix {
    @JsonPropertyDescription("Fixed values per parameter; every combination is used (genre x audience).")
    private Map<String, List<String>> parameters;

    @JsonPropertyDescription(
            "A stage whose parsed JSON reply is a list of parameter objects, one combination each (MAGA).")
    private String fromStage;

    @Min(1)
    @JsonPropertyDescription(
            "Use at most this many combinations per document, at least 1 (the first ones, or a seeded sample of fixed ones).")
    @Max(Integer.MAX_VALUE)
    private Integer limit;
}
