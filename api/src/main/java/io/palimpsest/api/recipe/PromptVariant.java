package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.NoArgsConstructor;
import lombok.ToString;

/** A named way of rewriting; its outputs form the dataset under output/<name>/. */
@Data
@NoArgsConstructor
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PromptVariant extends PromptTemplate {
    @Required
    @Pattern("^[a-z0-9]([-_a-z0-9]{0,61}[a-z0-9])?$")
    @JsonPropertyDescription("Variant name: lower case, digits, - and _; also the output folder.")
    private String name;

    @Min(0)
    @JsonPropertyDescription("Relative weight for fanout.mode weighted: above 0, default 1.")
    private Double weight;

    @Size(max = 16)
    @JsonPropertyDescription("Post-processing of this variant, after the recipe's.")
    private List<PostStep> postProcess;

    @Size(max = 16)
    @JsonPropertyDescription("Validators of this variant, after the recipe's.")
    private List<ValidatorSpec> validators;
}
