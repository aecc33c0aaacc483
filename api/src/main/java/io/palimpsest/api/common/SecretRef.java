package io.palimpsest.api.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * A whole Secret holding storage credentials. For S3 the keys are AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL.
 */
@Data
@NoArgsConstructor
@AllArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the Secret, in the same namespace. S3 keys: AWS_ACCESS_KEY_ID, "
            + "AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL.")
    private String name;
}
