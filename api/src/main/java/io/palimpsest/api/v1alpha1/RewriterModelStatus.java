package io.palimpsest.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RewriterModelStatus {
    @JsonPropertyDescription("Pending, Loading, Ready, ScaledToZero, Degraded or Failed.")
    private ModelPhase phase;

    @JsonPropertyDescription("Replicas that exist.")
    private Integer replicas;

    @JsonPropertyDescription("Replicas that answer /health.")
    private Integer readyReplicas;

    @JsonPropertyDescription("Replicas the autoscaler asks for.")
    private Integer desiredReplicas;

    @JsonPropertyDescription("Base URL workers call (the Service, or the external endpoint).")
    private String endpoint;

    @JsonPropertyDescription("The last queue sample summed over ready replicas.")
    private QueueSample queue;

    @JsonPropertyDescription("When the replica count last changed (RFC 3339).")
    private String lastScaleTime;

    @JsonPropertyDescription(
            "Ready, Progressing, Degraded: standard conditions; Reconciling and Stalled for kstatus (kubectl wait, Flux, Argo CD).")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class QueueSample {
        @JsonPropertyDescription("vllm:num_requests_waiting summed over ready replicas.")
        private Integer waiting;

        @JsonPropertyDescription("vllm:num_requests_running summed over ready replicas.")
        private Integer running;

        @JsonPropertyDescription("When the sample was taken (RFC 3339).")
        private String sampledAt;
    }
}
