package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.NoArgsConstructor;
import lombok.ToString;

/** A call made before the variants; its parsed reply is visible to later stages and variants as stages.<name>. */
@Data
@NoArgsConstructor
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Stage extends PromptTemplate {
    @Required
    @Pattern("^[a-z][_a-z0-9]{0,62}$")
    @JsonPropertyDescription("Stage name, a template identifier (lower case, digits, _).")
    private String name;

    @Size(max = 16)
    @JsonPropertyDescription("Post-processing of the stage's reply before parsing.")
    private List<PostStep> postProcess;

    @Size(max = 16)
    @JsonPropertyDescription("A stage reply that fails one of these rejects the document with the validator's reason.")
    private List<ValidatorSpec> validators;
}
