package io.palimpsest.api.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobResolverTest {

    static RewriteJob job() {
        RewriteJob job = new RewriteJob();
        job.setMetadata(new ObjectMetaBuilder()
                .withName("trial")
                .withNamespace("corpora")
                .withUid("u-1")
                .build());
        RewriteJobSpec spec = new RewriteJobSpec();
        RewriteJobSpec.ModelRef ref = new RewriteJobSpec.ModelRef();
        ref.setName("qwen");
        spec.setModelRef(ref);
        RewriteJobSpec.Input in = new RewriteJobSpec.Input();
        in.setUri("s3://corpus/web/");
        spec.setInput(in);
        RewriteJobSpec.Output out = new RewriteJobSpec.Output();
        out.setUri("s3://corpus/out/");
        spec.setOutput(out);
        Recipe recipe = new Recipe();
        PromptVariant p = new PromptVariant();
        p.setName("wiki");
        p.setUser("{{ text }}");
        recipe.setPrompts(List.of(p));
        spec.setRecipe(recipe);
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(new IntOrString(8));
        workers.setWeight(3);
        workers.setConcurrencyPerWorker(new IntOrString(64));
        spec.setWorkers(workers);
        spec.setSuspend(true);
        spec.setQueueName("gpu");
        job.setSpec(spec);
        return job;
    }

    static RewriterModel selfHosted() {
        RewriterModel model = new RewriterModel();
        model.setMetadata(new ObjectMetaBuilder()
                .withName("qwen")
                .withNamespace("corpora")
                .build());
        model.setSpec(new RewriterModelSpec());
        return model;
    }

    @Test
    void selfHostedModelResolvesToItsServiceWithDefaults() {
        ResolvedJob resolved = JobResolver.resolve(job(), selfHosted(), JobResolver.Settings.defaults());
        assertEquals("http://qwen-vllm.corpora.svc:8000", resolved.getModel().getEndpoint());
        assertEquals(
                "http://qwen-vllm-replicas.corpora.svc:8000",
                resolved.getModel().getReplicas());
        assertEquals("qwen", resolved.getModel().getServedModelName());
        assertEquals(JobResolver.DEFAULT_MAX_NUM_SEQS, resolved.getModel().getMaxNumSeqs());
        // the key the operator made for the model, which its workers get as this variable
        assertEquals(JobResolver.MODEL_API_KEY_ENV, resolved.getModel().getApiKeyEnv());
        assertNull(resolved.getModel().getMaxModelLen(), "the server's own default, unknown here");
        assertEquals(JobResolver.DEFAULT_CHECKPOINT_EVERY, resolved.getCheckpointEvery());
        assertEquals(RecipeHash.of(job().getSpec().getRecipe()), resolved.getRecipeHash());
        assertEquals("u-1", resolved.getUid());
    }

    @Test
    void operatorOnlyFieldsAreStripped() {
        RewriteJobSpec spec = JobResolver.resolve(job(), selfHosted(), JobResolver.Settings.defaults())
                .getSpec();
        assertNull(spec.getSuspend());
        assertNull(spec.getQueueName());
        assertNull(spec.getWorkers().getParallelism());
        assertNull(spec.getWorkers().getWeight());
        assertEquals(64, spec.getWorkers().getConcurrencyPerWorker().getIntVal());
    }

    @Test
    void externalEndpointWithKeyNamesTheKeyVariable() {
        RewriterModel model = selfHosted();
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://llm.example/openai");
        SecretKeyRef key = new SecretKeyRef();
        key.setName("llm-key");
        key.setKey("token");
        endpoint.setApiKeySecretRef(key);
        model.getSpec().setEndpoint(endpoint);
        model.getSpec().setServedModelName("qwen-2.5");
        ResolvedJob resolved = JobResolver.resolve(job(), model, new JobResolver.Settings(100, 32));
        assertEquals("https://llm.example/openai", resolved.getModel().getEndpoint());
        assertNull(resolved.getModel().getReplicas(), "no replicas of ours behind an external endpoint");
        assertEquals(JobResolver.MODEL_API_KEY_ENV, resolved.getModel().getApiKeyEnv());
        assertEquals("qwen-2.5", resolved.getModel().getServedModelName());
        assertEquals(32, resolved.getModel().getMaxNumSeqs());
        assertEquals(100, resolved.getCheckpointEvery());
    }

    @Test
    void theModelsContextLengthReachesThePlanner() {
        RewriterModel model = selfHosted();
        model.getSpec().setEngine(new RewriterModelSpec.Engine());
        model.getSpec().getEngine().setMaxModelLen(8192);
        assertEquals(
                8192,
                JobResolver.resolve(job(), model, JobResolver.Settings.defaults())
                        .getModel()
                        .getMaxModelLen());
    }

    @Test
    void reportedEndpointWins() {
        RewriterModel model = selfHosted();
        RewriterModelStatus status = new RewriterModelStatus();
        status.setEndpoint("http://10.0.0.7:8000");
        model.setStatus(status);
        ResolvedJob.ResolvedModel resolved = JobResolver.resolve(job(), model, JobResolver.Settings.defaults())
                .getModel();
        assertEquals("http://10.0.0.7:8000", resolved.getEndpoint());
        assertEquals(
                "http://qwen-vllm-replicas.corpora.svc:8000",
                resolved.getReplicas(),
                "the operator runs it: its replicas are named");
    }

    @Test
    void replicasOfAModelWithoutANamespaceAreInTheJobs() {
        RewriterModel model = selfHosted();
        model.getMetadata().setNamespace(null);
        ResolvedJob.ResolvedModel resolved = JobResolver.resolve(job(), model, JobResolver.Settings.defaults())
                .getModel();
        assertEquals("http://qwen-vllm.corpora.svc:8000", resolved.getEndpoint());
        assertEquals("http://qwen-vllm-replicas.corpora.svc:8000", resolved.getReplicas());
        assertEquals("http://qwen-vllm-replicas.corpora.svc:8000", JobResolver.replicasUrl(model, job()));
        assertEquals("qwen-vllm-replicas", JobResolver.replicasServiceName(model));
    }

    @Test
    void aJobWithoutAModelResolvesWithoutAModelSection() {
        RewriteJob job = job();
        job.getSpec().setModelRef(null);
        ResolvedJob resolved = JobResolver.resolve(job, null, JobResolver.Settings.defaults());
        assertNull(resolved.getModel());
        assertEquals("s3://corpus/web/", resolved.getSpec().getInput().getUri());
    }

    /**
     * The identity is the weights the replicas serve, read as the operator reads the spec to deploy
     * them: a model or revision the source overrides is no part of it (editing one would otherwise fail a
     * running campaign as model drift while the replicas serve the same weights), and the same repository
     * and revision given either way is the same identity.
     */
    @Test
    void theModelIdentityIsTheServedWeightsNotFieldsTheSourceOverrides() {
        RewriterModel hub = selfHosted();
        hub.getSpec().setModel("org/w");
        hub.getSpec().setRevision("abc");
        String direct = JobResolver.modelIdentity(hub);

        RewriterModel viaSource = selfHosted();
        RewriterModelSpec.HuggingFaceSource hf = new RewriterModelSpec.HuggingFaceSource();
        hf.setRepo("org/w");
        hf.setRevision("abc");
        RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
        source.setHuggingFace(hf);
        viaSource.getSpec().setSource(source);
        assertEquals(direct, JobResolver.modelIdentity(viaSource), "the same repository at the same revision");
        viaSource.getSpec().setModel("a display name");
        viaSource.getSpec().setRevision("main");
        assertEquals(direct, JobResolver.modelIdentity(viaSource), "model and revision overridden by the source");
        hf.setRevision(null);
        assertEquals(
                "vLLM weights huggingFace:org/w@main",
                JobResolver.modelIdentity(viaSource),
                "without its own revision the source is served at spec.revision");

        RewriterModel s3 = selfHosted();
        RewriterModelSpec.S3Source bucket = new RewriterModelSpec.S3Source();
        bucket.setUri("s3://weights/w-v1");
        RewriterModelSpec.ModelSource s3Source = new RewriterModelSpec.ModelSource();
        s3Source.setS3(bucket);
        s3.getSpec().setSource(s3Source);
        s3.getSpec().setModel("w");
        String served = JobResolver.modelIdentity(s3);
        s3.getSpec().setModel("w-renamed");
        s3.getSpec().setRevision("v2");
        assertEquals(served, JobResolver.modelIdentity(s3), "an S3 prefix is served whatever model and revision say");
        bucket.setUri("s3://weights/w-v2");
        assertNotEquals(served, JobResolver.modelIdentity(s3), "another prefix is other weights");

        RewriterModel pvc = selfHosted();
        RewriterModelSpec.PvcSource claim = new RewriterModelSpec.PvcSource();
        claim.setClaimName("weights");
        RewriterModelSpec.ModelSource pvcSource = new RewriterModelSpec.ModelSource();
        pvcSource.setPvc(claim);
        pvc.getSpec().setSource(pvcSource);
        pvc.getSpec().setModel("qwen-7b");
        assertEquals(
                "vLLM weights pvc:weights:qwen-7b",
                JobResolver.modelIdentity(pvc),
                "without a path the model names the directory");
        pvc.getSpec().setRevision("v2");
        claim.setPath("/qwen-7b");
        assertEquals("vLLM weights pvc:weights:qwen-7b", JobResolver.modelIdentity(pvc), "the same directory");
    }
}
