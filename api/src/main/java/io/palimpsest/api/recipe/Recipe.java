package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * What happens to each document: filters, chunking, optional chained stages, the prompt variants
 * (chosen by routes and fan-out), post-processing and validators. See DESIGN section 5.
 */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.routes) || self.routes.all(r, r.variants.all(v, self.prompts.exists(p, p.name == v)))",
        message = "routes name a variant that is not in prompts")
@ValidationRule(
        value = "!has(self.fanout) || !has(self.fanout.k) || self.fanout.k <= size(self.prompts)",
        message = "fanout.k exceeds the number of prompts")
@ValidationRule(
        value = "self.mode != 'program' || has(self.program)",
        message = "mode: program needs a program section")
public class Recipe {
    @Default("rewrite")
    @JsonPropertyDescription(
            "rewrite (the default): the model writes text; program: the model writes edit calls that a safe executor applies (ProX).")
    private RecipeMode mode = RecipeMode.rewrite;

    @JsonPropertyDescription("How tokens are counted for budgets and chunking.")
    private Tokenizer tokenizer;

    @Size(max = 32)
    @JsonPropertyDescription(
            "Checks before any model call; a document that fails one is skipped with the filter's reason.")
    private List<PreFilter> preFilters;

    @JsonPropertyDescription("How a document is cut into the units sent to the model.")
    private Chunking chunking;

    @Size(max = 8)
    @ValidationRule(value = "self.all(s, self.exists_one(t, t.name == s.name))", message = "stage names must be unique")
    @JsonPropertyDescription(
            "Chained calls before the variants; a later stage and every variant see earlier stages' parsed output as stages.<name>.")
    private List<Stage> stages;

    @Required
    @Size(min = 1, max = 64)
    @ValidationRule(
            value = "self.all(p, self.exists_one(q, q.name == p.name))",
            message = "prompt names must be unique")
    @JsonPropertyDescription("Named prompt variants; each yields its own output dataset under <output>/<name>/.")
    private List<PromptVariant> prompts;

    @Size(max = 32)
    @JsonPropertyDescription(
            "Pick variants by document metadata; the first route whose `when` holds wins; a route without `when` matches all.")
    private List<Route> routes;

    @JsonPropertyDescription("How many of the selected variants each document gets.")
    private Fanout fanout;

    @JsonPropertyDescription("Parameters multiplied into each variant call (e.g. genre x audience).")
    private Matrix matrix;

    @JsonPropertyDescription("Program mode settings (ProX).")
    private ProgramSettings program;

    @Size(max = 16)
    @JsonPropertyDescription("Applied to every variant's output, before the variant's own steps.")
    private List<PostStep> postProcess;

    @Size(max = 16)
    @JsonPropertyDescription(
            "Applied to every variant's output; a failing output goes to rejects with the validator's reason.")
    private List<ValidatorSpec> validators;
}
