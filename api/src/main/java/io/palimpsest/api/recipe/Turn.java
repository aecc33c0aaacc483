package io.palimpsest.api.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@AllArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Turn {
    public enum Role {
        user,
        assistant
    }

    @Required
    @JsonPropertyDescription("user or assistant.")
    private Role role;

    @Required
    @JsonPropertyDescription("The turn's text (Jinja).")
    private String content;
}
