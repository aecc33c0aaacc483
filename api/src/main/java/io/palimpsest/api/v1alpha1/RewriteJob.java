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
@AdditionalPrinterColumn(
        name = "Phase",
        jsonPath = ".status.phase",
        type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Pending, Planning, Running, Suspended, Succeeded or Failed.")
@AdditionalPrinterColumn(
        name = "Shards",
        jsonPath = ".status.progress",
        type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Shards done/total.")
@AdditionalPrinterColumn(
        name = "Docs",
        jsonPath = ".status.documents.written",
        type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Documents of committed shards with output written.")
@AdditionalPrinterColumn(
        name = "Tokens/s",
        jsonPath = ".status.throughput.tokensPerSecond",
        type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Completion tokens per second over the recent window.")
// A string, not a date: kubectl shows a date column as an age, and a future time as "<invalid>".
@AdditionalPrinterColumn(
        name = "ETA",
        jsonPath = ".status.estimatedCompletionTime",
        type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Estimated completion time (RFC 3339) at the recent throughput.")
@AdditionalPrinterColumn(
        name = "GPU-h",
        jsonPath = ".status.estimate.gpuHours.estimate",
        type = AdditionalPrinterColumn.Type.NUMBER,
        getDescription = "GPU-hours of the whole job, by the preflight estimate; empty when the recipe calls no model.")
@AdditionalPrinterColumn(
        name = "Model",
        jsonPath = ".spec.modelRef.name",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1,
        getDescription = "The RewriterModel that serves the rewrites.")
@AdditionalPrinterColumn(
        name = "InProgress",
        jsonPath = ".status.documents.inProgress",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1,
        getDescription = "Documents that running shards have answered and not committed yet.")
@AdditionalPrinterColumn(
        name = "Rejected",
        jsonPath = ".status.documents.rejected",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1,
        getDescription =
                "Documents of committed shards rejected, each recorded with its reason under the output's _palimpsest/rejects/.")
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Time since the RewriteJob was created.")
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
