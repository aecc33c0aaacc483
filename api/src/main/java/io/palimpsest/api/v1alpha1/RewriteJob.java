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
 * A rewrite campaign: a corpus, a recipe, a model and an output location, run as sharded
 * worker Jobs with per-shard status, exactly-once output and resume after preemption.
 */
@Group(RewriterModel.GROUP)
@Version(RewriterModel.VERSION)
@Kind("RewriteJob")
@Singular("rewritejob")
@Plural("rewritejobs")
@ShortNames("rwj")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Shards", jsonPath = ".status.progress", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Docs",
        jsonPath = ".status.documents.written",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Tokens/s",
        jsonPath = ".status.throughput.tokensPerSecond",
        type = AdditionalPrinterColumn.Type.INTEGER)
// A string, not a date: kubectl shows a date column as an age, and a future time as "<invalid>".
@AdditionalPrinterColumn(
        name = "ETA",
        jsonPath = ".status.estimatedCompletionTime",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "GPU-h",
        jsonPath = ".status.estimate.gpuHours.estimate",
        type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(
        name = "Model",
        jsonPath = ".spec.modelRef.name",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(
        name = "InProgress",
        jsonPath = ".status.documents.inProgress",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Rejected",
        jsonPath = ".status.documents.rejected",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class RewriteJob extends CustomResource<RewriteJobSpec, RewriteJobStatus> implements Namespaced {
    @Override
    @JsonPropertyDescription(
            "What to rewrite: the input corpus, the recipe, the RewriterModel it runs on, where the output goes, and how the work is sharded, run and retried.")
    public RewriteJobSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription(
            "What the operator observed: phase, shard, document and token counts, throughput and ETA, the preview's estimate, recent shard failures and conditions. Written by the operator only.")
    public RewriteJobStatus getStatus() {
        return super.getStatus();
    }

    @Override
    protected RewriteJobStatus initStatus() {
        return new RewriteJobStatus();
    }
}
