package io.palimpsest.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
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

    @JsonPropertyDescription(
            "For the Ready column: readyReplicas of desiredReplicas as kubectl shows a Deployment's READY (\"1/4\";"
                    + " 0/0 before any replica is asked for); for an external endpoint, which has no replicas, what"
                    + " the operator's last health check found: reachable, unreachable, or unchecked before the first.")
    private String ready;

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

    @JsonPropertyDescription(
            "The RewriteJobs of the namespace whose spec.modelRef names this model and that have not finished:"
                    + " how many, and the first names in alphabetical order (at most 10).")
    private BoundJobs boundJobs;

    @Data
    @NoArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class BoundJobs {
        /** At most this many names, so the status stays small whatever the number of jobs. */
        public static final int MAX_NAMES = 10;

        @JsonPropertyDescription("How many RewriteJobs name the model and have not finished.")
        private Integer count;

        @JsonPropertyDescription("The first of their names in alphabetical order, at most 10.")
        @Size(max = MAX_NAMES)
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        private List<String> names;
    }

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
