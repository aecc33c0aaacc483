package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The workers' job.yaml names what weights stand behind the model's served name (its identity), so
 * an output records them and a worker started after the RewriterModel's weights changed under the
 * same name finds the output made otherwise (OutputDrift) instead of adding shards of other weights
 * beside the committed ones.
 */
@EnableKubernetesMockClient(crud = true)
class ModelIdentityTest {
    static final String NS = "test";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        new FreshReconciles(client, clock).install("m");
        moves = new JobControllerMoves(client, NS);
        RewriteJob job = TestJobs.job("id", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("m");
        client.resource(job).create();
        reconcile();
        moves.plannerSucceeds("id-plan", 10);
        reconcile();
        assertEquals(JobPhase.Running, status().getPhase());
    }

    @Test
    void weightsChangedUnderTheSameServedNameReachTheNextWorkerAndItsDriftFailsTheJob() throws Exception {
        assertEquals("m", model().get("servedModelName").asText());
        assertEquals(
                "vLLM weights huggingFace:org/m",
                model().get("identity").asText(),
                "the planner records it in recipe.json");
        moves.shardCommits("id-work", 0, 10);

        // The RewriterModel's revision and weight source are edited, its served name kept.
        client.resources(RewriterModel.class).inNamespace(NS).withName("m").edit(m -> {
            m.getSpec().setRevision("v2");
            RewriterModelSpec.S3Source s3 = new RewriterModelSpec.S3Source();
            s3.setUri("s3://weights/m-v2");
            RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
            source.setS3(s3);
            m.getSpec().setSource(source);
            return m;
        });
        reconcile();

        assertEquals("m", model().get("servedModelName").asText(), "the same name is sent in requests");
        assertEquals(
                "vLLM weights s3://weights/m-v2",
                model().get("identity").asText(),
                "the next worker reads the new weights' identity, which the output's recipe.json does not name");

        // that worker refuses the output (exit 78, output_drift); the Job controller fails the Job (FailJob on 78)
        moves.shardFails(
                "id-work",
                3,
                0,
                ExitCodes.MODEL_CONFIG,
                ShardSummary.Outcome.modelConfig,
                ShardReason.OUTPUT_DRIFT.code());
        moves.finish("id-work", "Failed", "PodFailurePolicy");
        reconcile();

        assertEquals(JobPhase.Failed, status().getPhase());
        assertEquals(
                JobReason.OutputDrift.name(),
                ConditionAggregator.find(status().getConditions(), Conditions.READY)
                        .getReason(),
                status().toString());
    }

    @Test
    void anExternalEndpointIsKnownByItsServedName() {
        RewriterModel external = new RewriterModel();
        external.setMetadata(
                new ObjectMetaBuilder().withName("ext").withNamespace(NS).build());
        RewriterModelSpec spec = new RewriterModelSpec();
        spec.setServedModelName("qwen");
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("http://llm.example:8000");
        spec.setEndpoint(endpoint);
        external.setSpec(spec);
        RewriteJob job = client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("id")
                .get();

        ResolvedJob resolved = JobResolver.resolve(job, external, JobResolver.Settings.defaults());

        assertEquals(
                "an endpoint serving 'qwen' (weights not known)",
                resolved.getModel().getIdentity());
    }

    void reconcile() {
        SnapshotContext context = new SnapshotContext(client, NS, "id");
        FreshReconcile.reconciler(clock, TestSettings.config("ghcr.io/palimpsest/worker:test"), (job, next, c) -> {
                    job.setStatus(next);
                    client.resource(job).updateStatus();
                })
                .reconcile(context.primary(), context);
    }

    RewriteJobStatus status() {
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("id")
                .get()
                .getStatus();
    }

    JsonNode model() throws Exception {
        return YAML.readTree(client.configMaps()
                        .inNamespace(NS)
                        .withName("id-job")
                        .get()
                        .getData()
                        .get(ResolvedJob.CONFIG_KEY))
                .get("model");
    }
}
