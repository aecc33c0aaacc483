package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.mode == 'all' || has(self.k)", message = "fanout.k is required for randomK and weighted")
public class Fanout {
    public enum Mode {
        all,
        randomK,
        weighted
    }

    @Default("all")
    @JsonPropertyDescription(
            "all (the default): every selected variant; randomK: k of them uniformly; weighted: k of them by weight.")
    private Mode mode = Mode.all;

    @Min(1)
    @JsonPropertyDescription("Variants per document for randomK and weighted, at least 1.")
    @Max(Integer.MAX_VALUE)
    private Integer k;

    @JsonPropertyDescription("Seed of the choice; with the document id it makes the choice reproducible.")
    private Long seed;
}
