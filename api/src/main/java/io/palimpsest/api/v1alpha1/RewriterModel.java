package io.palimpsest.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A model served by vLLM on GPU nodes (a Deployment, a Service and a weight cache), autoscaled
 * against queue depth and down to zero when idle; or an existing OpenAI-compatible endpoint.
 */
@Group(RewriterModel.GROUP)
@Version(RewriterModel.VERSION)
@Kind("RewriterModel")
@Singular("rewritermodel")
@Plural("rewritermodels")
@ShortNames("rwm")
@AdditionalPrinterColumn(
        name = "Phase",
        jsonPath = ".status.phase",
        type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Pending, Loading, Ready, ScaledToZero, Degraded or Failed.")
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.ready",
        type = AdditionalPrinterColumn.Type.STRING,
        getDescription =
                "Replicas that answer /health of those the autoscaler asks for (1/4), as a Deployment's READY; an"
                        + " external endpoint: reachable, unreachable or unchecked, from the operator's health check.")
@AdditionalPrinterColumn(
        name = "Waiting",
        jsonPath = ".status.queue.waiting",
        type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Requests waiting (vllm:num_requests_waiting) summed over ready replicas.")
@AdditionalPrinterColumn(
        name = "Jobs",
        jsonPath = ".status.boundJobs.count",
        type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "RewriteJobs that name the model and have not finished.")
@AdditionalPrinterColumn(
        name = "Model",
        jsonPath = ".spec.model",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1,
        getDescription = "Hugging Face repo id or path of the weights vLLM serves.")
@AdditionalPrinterColumn(
        name = "Endpoint",
        jsonPath = ".status.endpoint",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1,
        getDescription = "Base URL workers call (the Service, or the external endpoint).")
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Time since the RewriterModel was created.")
public class RewriterModel extends CustomResource<RewriterModelSpec, RewriterModelStatus> implements Namespaced {
    public static final String GROUP = "palimpsest.io";
    public static final String VERSION = "v1alpha1";

    @Override
    @JsonPropertyDescription(
            "The model to serve (weights, vLLM engine, GPUs, replica bounds and autoscaling), or an existing OpenAI-compatible endpoint to use instead.")
    public RewriterModelSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription(
            "What the operator observed: phase, replicas ready and desired, queue depth, the endpoint workers call, the RewriteJobs bound to the model and conditions. Written by the operator only.")
    public RewriterModelStatus getStatus() {
        return super.getStatus();
    }

    @Override
    protected RewriterModelStatus initStatus() {
        return new RewriterModelStatus();
    }
}
