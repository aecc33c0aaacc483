package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Route {
    @Size(max = 4096)
    @JsonPropertyDescription("A CEL expression over the record, e.g. meta.quality_bucket <= 11; absent = always.")
    private String when;

    @Required
    @Size(min = 1, max = 64)
    @JsonPropertyDescription("Variants a matching document goes to.")
    private List<String> variants;
}
