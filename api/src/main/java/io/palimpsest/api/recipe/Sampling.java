package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Sampling {
    @Min(0)
    @Max(2)
    @JsonPropertyDescription("0 = greedy; 0 to 2.")
    private Double temperature;

    @Min(0.01)
    @Max(1)
    @JsonPropertyDescription("Nucleus sampling mass, 0.01 to 1.")
    private Double topP;

    @Min(1)
    @Max(131072)
    @JsonPropertyDescription("Cap on generated tokens, 1 to 131072; outputs that reach it are treated as truncated.")
    private Integer maxTokens;

    @Size(max = 16)
    @JsonPropertyDescription("Stop sequences.")
    private List<String> stop;

    @JsonPropertyDescription("Sampling seed; with a seed the same request gives the same output.")
    private Long seed;
}
