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
@ValidationRule(
        value = "self.mode == 'none' || has(self.maxTokens)",
        message = "chunking.maxTokens is required unless mode is none")
public class Chunking {
    public enum Mode {
        /** The whole document is one unit. */
        none,
        /** Segments packed up to a token budget, each rewritten on its own, rejoined in order. */
        segments,
        /** Chunks rewritten in order, each with the previous rewritten chunks in context (Kimi K2). */
        autoregressive
    }

    public enum SplitOn {
        newline,
        sentence
    }

    @Default("none")
    @JsonPropertyDescription("none (the default), segments or autoregressive.")
    private Mode mode = Mode.none;

    @Min(16)
    @JsonPropertyDescription(
            "Token budget of one chunk, at least 16, prompt overhead already subtracted; unset = no budget.")
    @Max(Integer.MAX_VALUE)
    private Integer maxTokens;

    @Default("newline")
    @JsonPropertyDescription("Where a document may be cut: newline (the default) or sentence.")
    private SplitOn splitOn = SplitOn.newline;

    @Min(0)
    @JsonPropertyDescription("Segments shorter than this many tokens are dropped (counted as skipped).")
    @Max(Integer.MAX_VALUE)
    private Integer minSegmentTokens;

    @Min(0)
    @JsonPropertyDescription("Documents shorter than this many tokens are skipped.")
    @Max(Integer.MAX_VALUE)
    private Integer minDocumentTokens;

    @Min(0)
    @Default("1")
    @JsonPropertyDescription("autoregressive: how many previous rewritten chunks go into the context; default 1.")
    @Max(Integer.MAX_VALUE)
    private Integer contextChunks;

    @Min(0)
    @JsonPropertyDescription("autoregressive: token budget for that context; older chunks are dropped first.")
    @Max(Integer.MAX_VALUE)
    private Integer contextTokens;

    @JsonPropertyDescription(
            "Joins rewritten chunks of a document; default a blank line where the page had one between them, else a"
                    + " newline.")
    private String joinWith;
}
