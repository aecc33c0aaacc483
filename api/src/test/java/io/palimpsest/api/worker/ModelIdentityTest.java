package io.palimpsest.api.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Model identities as outputs record them, read as the weights they name: wordings of the same weights
 * (another version's) are the same, a change of the weights is not.
 */
class ModelIdentityTest {

    @Test
    void wordingsOfTheSameWeightsAreTheSame() {
        same("vLLM weights huggingFace:org/m@abc123", "vLLM weights hf:org/m@abc123");
        same("vLLM weights huggingFace:org/m@abc123", "vllm weights HuggingFace:org/m@abc123");
        same("vLLM weights huggingFace:org/m@abc123", "hf://org/m@abc123");
        same("vLLM weights huggingFace:org/m@abc123", "huggingFace:org/m/@abc123");
        same("vLLM weights huggingFace:org/m", "vLLM weights hf:org/m@");
        same("vLLM weights huggingFace:org/m", "  vLLM weights huggingFace:org/m  ");
        same("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:models/m/");
        same("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:/models//m/");
        same("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:./models/m");
        same("vLLM weights pvc:weights:models/m", "pvc://weights/models/m/");
        same("vLLM weights pvc:weights", "vLLM weights pvc:weights:/");
        same("vLLM weights s3://bucket/models/m", "vLLM weights s3://bucket/models/m/");
        same("vLLM weights s3://bucket", "vLLM weights s3://bucket/");
        same("vLLM weights s3://bucket/models/m", "s3://bucket/models/m");
        same("an endpoint serving 'qwen' (weights not known)", JobResolver.endpointIdentity("qwen"));
        same(JobResolver.SIMULATOR_IDENTITY, JobResolver.SIMULATOR_IDENTITY);
        same("something a later version says", " something a later version says");
    }

    @Test
    void otherWeightsAreNotTheSame() {
        differ("vLLM weights huggingFace:org/m@abc123", "vLLM weights huggingFace:org/m2@abc123");
        differ("vLLM weights huggingFace:org/m@abc123", "vLLM weights huggingFace:other/m@abc123");
        differ("vLLM weights huggingFace:org/m@abc123", "vLLM weights huggingFace:org/m@abc124");
        differ("vLLM weights huggingFace:org/m@abc123", "vLLM weights huggingFace:org/M@abc123");
        differ("vLLM weights huggingFace:org/m@main", "vLLM weights huggingFace:org/m@0123456789abcdef");
        differ("vLLM weights huggingFace:org/m", "vLLM weights huggingFace:org/m@main");
        differ("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights2:models/m");
        differ("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:models/m2");
        differ("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights");
        differ("vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:models/../m");
        differ("vLLM weights s3://bucket/models/m", "vLLM weights s3://bucket/models/m2");
        differ("vLLM weights s3://bucket/models/m", "vLLM weights s3://other/models/m");
        differ("vLLM weights s3://bucket/models/m", "vLLM weights s3://bucket/models//m");
        differ("vLLM weights s3://bucket/models/m", "vLLM weights pvc:bucket:models/m");
        differ("vLLM weights huggingFace:org/m", "vLLM weights s3://org/m");
        differ("an endpoint serving 'qwen' (weights not known)", "an endpoint serving 'qwen2' (weights not known)");
        differ("an endpoint serving 'qwen' (weights not known)", "vLLM weights huggingFace:qwen");
        differ("something a later version says", "something else");
    }

    @Test
    void todaysWordingsReadToThemselves() {
        for (String today : new String[] {
            "vLLM weights huggingFace:org/m@abc123",
            "vLLM weights huggingFace:org/m",
            "vLLM weights pvc:weights:models/m",
            "vLLM weights pvc:weights",
            "vLLM weights s3://bucket/models/m",
            JobResolver.endpointIdentity("qwen"),
            JobResolver.SIMULATOR_IDENTITY
        }) {
            assertEquals(today, ModelIdentity.parse(today).canonical(), today);
        }
        assertEquals(
                new ModelIdentity(ModelIdentity.Kind.HUGGING_FACE, "org/m", "abc123"),
                ModelIdentity.parse("vLLM weights huggingFace:org/m@abc123"));
        assertEquals(
                new ModelIdentity(ModelIdentity.Kind.PVC, "weights:models/m", null),
                ModelIdentity.parse("vLLM weights pvc:weights:models/m"));
        assertEquals(
                new ModelIdentity(ModelIdentity.Kind.S3, "bucket/models/m", null),
                ModelIdentity.parse("vLLM weights s3://bucket/models/m/"));
    }

    private static void same(String a, String b) {
        assertTrue(ModelIdentity.same(a, b), a + " and " + b + " name the same weights");
        assertTrue(ModelIdentity.same(b, a), b + " and " + a + " name the same weights");
    }

    private static void differ(String a, String b) {
        assertFalse(ModelIdentity.same(a, b), a + " and " + b + " name other weights");
        assertFalse(ModelIdentity.same(b, a), b + " and " + a + " name other weights");
    }
}
