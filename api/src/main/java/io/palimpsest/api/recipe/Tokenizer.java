package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Tokenizer {
    public enum Mode {
        estimate,
        server
    }

    @Default("estimate")
    @JsonPropertyDescription(
            "estimate (the default): a fast local BPE count; server: ask the model server's /tokenize (exact, slower).")
    private Mode mode = Mode.estimate;
}
