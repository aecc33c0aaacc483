package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.util.List;
import java.util.Map;

/** Test data: RewriterModels with everything set, tweaked per test. */
public final class Models {
    private Models() {}

    /** A Hugging Face model with a gated-model token, every engine flag and replicas 1..3. */
    public static RewriterModel huggingFace(String name) {
        RewriterModel m = new RewriterModel();
        m.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace("test").build());
        RewriterModelSpec spec = new RewriterModelSpec();
        spec.setModel("mistralai/Mistral-7B-Instruct-v0.3");
        spec.setServedModelName("mistral");
        RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
        RewriterModelSpec.HuggingFaceSource hf = new RewriterModelSpec.HuggingFaceSource();
        hf.setRepo("mistralai/Mistral-7B-Instruct-v0.3");
        hf.setRevision("e0bc86c");
        hf.setTokenSecretRef(new SecretKeyRef("hf-token", "token"));
        source.setHuggingFace(hf);
        RewriterModelSpec.Cache cache = new RewriterModelSpec.Cache();
        cache.setSize("50Gi");
        cache.setStorageClassName("fast-rwx");
        source.setCache(cache);
        spec.setSource(source);
        RewriterModelSpec.Engine engine = new RewriterModelSpec.Engine();
        engine.setImage("vllm/vllm-openai:v0.11.0");
        engine.setTensorParallelSize(2);
        engine.setMaxModelLen(8192);
        engine.setGpuMemoryUtilization(0.9);
        engine.setMaxNumSeqs(128);
        engine.setMaxNumBatchedTokens(16384);
        engine.setEnablePrefixCaching(true);
        engine.setExtraArgs(List.of("--disable-log-requests"));
        spec.setEngine(engine);
        RewriterModelSpec.ModelResources res = new RewriterModelSpec.ModelResources();
        res.setCpu("8");
        res.setMemory("64Gi");
        res.setShmSize("8Gi");
        spec.setResources(res);
        Scheduling scheduling = new Scheduling();
        scheduling.setNodeSelector(Map.of("gpu", "a100"));
        scheduling.setPriorityClassName("batch-low");
        spec.setScheduling(scheduling);
        spec.setReplicas(replicas(1, 3));
        m.setSpec(spec);
        return m;
    }

    /** Weights on the user's claim: no cache, no download, so the Deployment is servable at once. */
    public static RewriterModel onPvc(String name, int min, int max) {
        RewriterModel m = huggingFace(name);
        RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
        RewriterModelSpec.PvcSource pvc = new RewriterModelSpec.PvcSource();
        pvc.setClaimName("models");
        pvc.setPath("mistral-7b");
        source.setPvc(pvc);
        m.getSpec().setSource(source);
        m.getSpec().setReplicas(replicas(min, max));
        return m;
    }

    /** Weights synced from S3 into the cache claim by a download Job. */
    public static RewriterModel onS3(String name, String uri) {
        RewriterModel m = huggingFace(name);
        RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
        RewriterModelSpec.S3Source s3 = new RewriterModelSpec.S3Source();
        s3.setUri(uri);
        source.setS3(s3);
        source.setCache(m.getSpec().getSource().getCache());
        m.getSpec().setSource(source);
        return m;
    }

    public static RewriterModelSpec.Replicas replicas(int min, int max) {
        RewriterModelSpec.Replicas r = new RewriterModelSpec.Replicas();
        r.setMin(min);
        r.setMax(max);
        return r;
    }
}
