package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A campaign started by an earlier operator version and carried on by this one: the job.yaml its
 * workers read, its output's recipe.json, part markers and receipts carry the recipe hash the
 * earlier version computed. Where this version hashes the same recipe otherwise (here: the earlier
 * version had no {@code recipe.mode}, which this one defaults to {@code rewrite}), the campaign
 * keeps its hash; a new one in job.yaml would have the next worker refuse the output as another
 * recipe's (OutputDrift) and the tally count none of the receipts. After a rollback, this version
 * keeps what a later one wrote into job.yaml that it cannot read itself.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorUpgradeTest {
    static final String NS = "test";
    static final String EARLIER_HASH = "sha256:" + "e".repeat(64);
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
        RewriteJob job = TestJobs.job("rs", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("m");
        client.resource(job).create();
        // Started (planned, workers running) by the earlier version.
        reconcile();
        moves.plannerSucceeds("rs-plan", 10);
        reconcile();
        assertEquals(JobPhase.Running, status().getPhase());
    }

    void reconcile() {
        SnapshotContext context = new SnapshotContext(client, NS, "rs");
        FreshReconcile.reconciler(clock, TestSettings.config("ghcr.io/palimpsest/worker:test"), (job, next, c) -> {
                    job.setStatus(next);
                    client.resource(job).updateStatus();
                })
                .reconcile(context.primary(), context);
    }

    RewriteJobStatus status() {
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("rs")
                .get()
                .getStatus();
    }

    ConfigMap configMap() {
        return client.configMaps().inNamespace(NS).withName("rs-job").get();
    }

    ObjectNode jobYaml() throws Exception {
        return (ObjectNode) YAML.readTree(configMap().getData().get(ResolvedJob.CONFIG_KEY));
    }

    /** Rewrites the ConfigMap's job.yaml as another version (earlier, or later before a rollback) wrote it. */
    void writtenByAnotherVersion(Consumer<ObjectNode> recipe) throws Exception {
        ObjectNode resolved = jobYaml();
        recipe.accept((ObjectNode) resolved.with("spec").with("recipe"));
        resolved.put("recipeHash", EARLIER_HASH);
        ConfigMap map = configMap();
        map.setData(Map.of(ResolvedJob.CONFIG_KEY, YAML.writeValueAsString(resolved)));
        client.resource(map).update();
    }

    @Test
    void aRecipeThisVersionHashesOtherwiseKeepsTheHashItsCampaignStartedWith() throws Exception {
        String computed = JobResolver.recipeHash(client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("rs")
                .get()
                .getSpec());
        assertEquals("rewrite", jobYaml().at("/spec/recipe/mode").asText());
        writtenByAnotherVersion(recipe -> recipe.remove("mode"));

        reconcile();

        assertNotEquals(computed, EARLIER_HASH);
        assertEquals(EARLIER_HASH, jobYaml().get("recipeHash").asText(), "the workers' job.yaml keeps the hash");
        assertEquals(EARLIER_HASH, status().getRecipeHash());
        assertEquals(JobPhase.Running, status().getPhase());
        // and the job.yaml is this version's otherwise (the recipe as it reads it)
        assertEquals("rewrite", jobYaml().at("/spec/recipe/mode").asText());
        reconcile();
        assertEquals(EARLIER_HASH, jobYaml().get("recipeHash").asText());
    }

    @Test
    void aRolledBackOperatorKeepsTheFieldsOfALaterVersionInTheWorkersJobYaml() throws Exception {
        // A later version started the campaign with fields this one does not know; the API server keeps
        // them in the RewriteJob (the later CRDs stay after a helm rollback), this version reads it without.
        writtenByAnotherVersion(recipe -> recipe.put("laterField", "x"));
        ObjectNode resolved = jobYaml();
        ((ObjectNode) resolved.with("spec").with("input")).put("laterOption", true);
        ConfigMap map = configMap();
        map.setData(Map.of(ResolvedJob.CONFIG_KEY, YAML.writeValueAsString(resolved)));
        client.resource(map).update();

        reconcile();
        reconcile();

        assertEquals(
                "x", jobYaml().at("/spec/recipe/laterField").asText(), jobYaml().toString());
        assertTrue(
                jobYaml().at("/spec/input/laterOption").asBoolean(), jobYaml().toString());
        assertEquals(EARLIER_HASH, jobYaml().get("recipeHash").asText());
        assertEquals(JobPhase.Running, status().getPhase());
    }

    @Test
    void fieldsOfALaterVersionAreNotKeptWithARecipeThatIsNotTheSpecs() throws Exception {
        writtenByAnotherVersion(recipe -> {
            recipe.put("laterField", "x");
            ((ObjectNode) recipe.get("prompts").get(0)).put("name", "news");
        });

        reconcile();

        assertTrue(
                jobYaml().at("/spec/recipe/laterField").isMissingNode(),
                jobYaml().toString());
        assertEquals("wiki", jobYaml().at("/spec/recipe/prompts/0/name").asText());
        assertEquals(status().getRecipeHash(), jobYaml().get("recipeHash").asText());
        assertNotEquals(EARLIER_HASH, status().getRecipeHash());
    }

    @Test
    void anotherRecipeIsNotGivenTheRecordedHash() throws Exception {
        String computed = status().getRecipeHash();
        // job.yaml names a recipe that is not the spec's: its hash is not the spec recipe's
        writtenByAnotherVersion(recipe -> ((ObjectNode) recipe.get("prompts").get(0)).put("name", "news"));

        reconcile();

        assertEquals(computed, jobYaml().get("recipeHash").asText());
        assertEquals(computed, status().getRecipeHash());
        assertEquals("wiki", jobYaml().at("/spec/recipe/prompts/0/name").asText());
    }

    /** Rewrites the ConfigMap's job.yaml with the model identity worded as another version words it. */
    void identityWrittenAs(String identity) throws Exception {
        ObjectNode resolved = jobYaml();
        ((ObjectNode) resolved.with("model")).put("identity", identity);
        ConfigMap map = configMap();
        map.setData(Map.of(ResolvedJob.CONFIG_KEY, YAML.writeValueAsString(resolved)));
        client.resource(map).update();
    }

    @Test
    void aModelIdentityWordedOtherwiseKeepsTheWordsItsCampaignStartedWith() throws Exception {
        assertEquals(
                "vLLM weights huggingFace:org/m",
                jobYaml().at("/model/identity").asText());
        // the earlier version worded the same weights otherwise; its workers compare the text with recipe.json
        for (String earlier : List.of("vLLM weights hf:org/m", "huggingFace:org/m/", "vLLM weights hf:org/m@")) {
            identityWrittenAs(earlier);

            reconcile();
            reconcile();

            assertEquals(earlier, jobYaml().at("/model/identity").asText(), "the workers' job.yaml keeps its words");
            assertEquals(JobPhase.Running, status().getPhase());
        }
    }

    @Test
    void otherWeightsAreNotGivenTheRecordedIdentity() throws Exception {
        for (String other :
                List.of("vLLM weights hf:org/m2", "vLLM weights huggingFace:org/m@v1", "vLLM weights s3://org/m")) {
            identityWrittenAs(other);

            reconcile();

            assertEquals(
                    "vLLM weights huggingFace:org/m",
                    jobYaml().at("/model/identity").asText(),
                    other);
        }
    }
}
