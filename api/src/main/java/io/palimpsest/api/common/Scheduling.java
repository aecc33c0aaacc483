package io.palimpsest.api.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import lombok.Data;
import lombok.NoArgsConstructor;

/** Where pods may run: the usual pod scheduling fields, copied onto every pod this resource makes. */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Scheduling {
    @JsonPropertyDescription("Node labels the pods must match.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations, e.g. for tainted GPU or spot node pools.")
    private List<Toleration> tolerations;

    @JsonPropertyDescription("Node and pod affinity rules.")
    private Affinity affinity;

    @JsonPropertyDescription("PriorityClass of the pods; preemptible campaigns usually run below serving workloads.")
    private String priorityClassName;
}
