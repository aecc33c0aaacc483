package io.palimpsest.api;

import static io.palimpsest.api.Manifests.REMOVE;
import static io.palimpsest.api.Manifests.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of manifests a user could write by mistake. Each must be refused by the generated CRD
 * (schema or CEL), with a message that names the offending field.
 */
class BadManifestsTest {

    static Stream<Arguments> badRewriteJobs() {
        Map<String, Object> job = Manifests.rewriteJob();
        return Stream.of(
                Arguments.of("missing modelRef", with(job, "spec.modelRef", REMOVE), "modelRef"),
                Arguments.of(
                        "no modelRef, a judge on render-only prompts",
                        with(
                                with(
                                        with(
                                                with(
                                                        with(job, "spec.modelRef", REMOVE),
                                                        "spec.recipe.prompts",
                                                        List.of(Map.of("name", "card", "render", "{{ meta.word }}"))),
                                                "spec.recipe.routes",
                                                REMOVE),
                                        "spec.recipe.fanout",
                                        REMOVE),
                                "spec.recipe.validators",
                                List.of(Map.of("type", "judge", "judge", Map.of("user", "Score {{ output }}")))),
                        "modelRef"),
                Arguments.of(
                        "no modelRef in program mode",
                        with(
                                with(with(job, "spec.modelRef", REMOVE), "spec.recipe.mode", "program"),
                                "spec.recipe.program",
                                Map.of()),
                        "modelRef"),
                Arguments.of("missing input", with(job, "spec.input", REMOVE), "input"),
                Arguments.of("missing recipe", with(job, "spec.recipe", REMOVE), "recipe"),
                Arguments.of("missing input.uri", with(job, "spec.input.uri", REMOVE), "uri"),
                Arguments.of("unknown input scheme", with(job, "spec.input.uri", "ftp://corpus/web/"), "input.uri"),
                Arguments.of(
                        "pvc input leaving its claim",
                        with(job, "spec.input.uri", "pvc://corpus/../../etc/"),
                        "input.uri"),
                Arguments.of(
                        "file output leaving its folder",
                        with(job, "spec.output.uri", "file:///data/out/../../root/"),
                        "output.uri"),
                Arguments.of(
                        "s3 output with a dot-dot segment",
                        with(job, "spec.output.uri", "s3://bucket/out/.."),
                        "output.uri"),
                Arguments.of("http output", with(job, "spec.output.uri", "https://bucket.example/out/"), "output.uri"),
                Arguments.of(
                        "uri with query credentials",
                        with(job, "spec.input.uri", "s3://corpus/web?X-Amz-Credential=AKIA"),
                        "input.uri"),
                Arguments.of(
                        "inline secret key",
                        with(job, "spec.output.secretAccessKey", "wJalrXUtnFEMI"),
                        "secretAccessKey"),
                Arguments.of(
                        "inline credentials in secret ref",
                        with(job, "spec.input.credentialsSecretRef.accessKey", "AKIA123"),
                        "accessKey"),
                Arguments.of("unknown format", with(job, "spec.input.format", "csv"), "format"),
                Arguments.of("unknown compression", with(job, "spec.output.compression", "lz4"), "compression"),
                Arguments.of("text limit as string", with(job, "spec.input.limit", "ten"), "limit"),
                Arguments.of("zero limit", with(job, "spec.input.limit", 0), "limit"),
                Arguments.of(
                        "two sharding modes",
                        with(with(job, "spec.sharding.filesPerShard", 2), "spec.sharding.targetShardBytes", 4096),
                        "sharding"),
                Arguments.of("tiny shards", with(job, "spec.sharding.targetShardBytes", 10), "targetShardBytes"),
                Arguments.of("duplicate prompt names", with(job, "spec.recipe.prompts[1].name", "easy"), "prompts"),
                Arguments.of("no prompts", with(job, "spec.recipe.prompts", List.of()), "prompts"),
                Arguments.of(
                        "prompt name with spaces", with(job, "spec.recipe.prompts[0].name", "Easy Reading"), "name"),
                Arguments.of(
                        "temperature above 2",
                        with(job, "spec.recipe.prompts[0].sampling.temperature", 3.5),
                        "temperature"),
                Arguments.of(
                        "negative temperature",
                        with(job, "spec.recipe.prompts[0].sampling.temperature", -0.1),
                        "temperature"),
                Arguments.of("topP above 1", with(job, "spec.recipe.prompts[0].sampling.topP", 1.5), "topP"),
                Arguments.of("zero maxTokens", with(job, "spec.recipe.prompts[0].sampling.maxTokens", 0), "maxTokens"),
                Arguments.of(
                        "user and completion both",
                        with(job, "spec.recipe.prompts[1].completion", "{{ text }}"),
                        "prompts[1]"),
                Arguments.of(
                        "route to unknown variant",
                        with(job, "spec.recipe.routes[0].variants", List.of("distill")),
                        "recipe"),
                Arguments.of("fanout k without prompts to spare", with(job, "spec.recipe.fanout.k", 5), "recipe"),
                Arguments.of("randomK without k", with(job, "spec.recipe.fanout.k", REMOVE), "fanout"),
                Arguments.of(
                        "segments without budget", with(job, "spec.recipe.chunking.maxTokens", REMOVE), "chunking"),
                Arguments.of("unknown chunking mode", with(job, "spec.recipe.chunking.mode", "paragraphs"), "mode"),
                Arguments.of("unknown validator", with(job, "spec.recipe.validators[0].type", "vibes"), "type"),
                Arguments.of("lengthRatio min > max", with(job, "spec.recipe.validators[1].min", 3), "validators[1]"),
                Arguments.of(
                        "judge without prompt", with(job, "spec.recipe.validators[0].type", "judge"), "validators[0]"),
                Arguments.of("parallelism zero", with(job, "spec.workers.parallelism", 0), "parallelism"),
                Arguments.of("parallelism word", with(job, "spec.workers.parallelism", "lots"), "parallelism"),
                Arguments.of(
                        "concurrency too high",
                        with(job, "spec.workers.concurrencyPerWorker", 100000),
                        "concurrencyPerWorker"),
                Arguments.of("zero attempts", with(job, "spec.retry.attemptsPerShard", 0), "attemptsPerShard"),
                Arguments.of("suspend as string", with(job, "spec.suspend", "yes"), "suspend"),
                Arguments.of("bad queue name", with(job, "spec.queueName", "GPU Queue"), "queueName"),
                Arguments.of("program mode without settings", with(job, "spec.recipe.mode", "program"), "recipe"),
                Arguments.of(
                        "matrix with both sources",
                        with(
                                with(job, "spec.recipe.matrix.fromStage", "pairs"),
                                "spec.recipe.matrix.parameters",
                                Map.of("genre", List.of("essay"))),
                        "matrix"),
                Arguments.of(
                        "regex filter without pattern",
                        with(job, "spec.recipe.preFilters", List.of(Map.of("type", "regex"))),
                        "preFilters[0]"),
                Arguments.of(
                        "lint score above 10",
                        with(job, "spec.recipe.preFilters", List.of(Map.of("type", "pythonLint", "minScore", 12))),
                        "minScore"),
                Arguments.of(
                        "facts recall above 1",
                        with(job, "spec.recipe.validators[0]", Map.of("type", "facts", "minRecall", 1.5)),
                        "minRecall"));
    }

    static Stream<Arguments> badRewriterModels() {
        Map<String, Object> model = Manifests.rewriterModel();
        return Stream.of(
                Arguments.of("min above max", with(model, "spec.replicas.min", 9), "replicas"),
                Arguments.of("negative min", with(model, "spec.replicas.min", -1), "min"),
                Arguments.of("two sources", with(model, "spec.source.pvc", Map.of("claimName", "weights")), "source"),
                Arguments.of("no source kind", with(model, "spec.source.huggingFace", REMOVE), "source"),
                Arguments.of(
                        "endpoint and source", with(model, "spec.endpoint", Map.of("url", "http://vllm:8000")), "spec"),
                Arguments.of(
                        "endpoint with inline credentials",
                        with(
                                with(with(model, "spec.source", REMOVE), "spec.model", REMOVE),
                                "spec.endpoint",
                                Map.of("url", "http://admin:hunter2@vllm:8000")),
                        "endpoint.url"),
                Arguments.of(
                        "inline api key",
                        with(
                                with(with(model, "spec.source", REMOVE), "spec.model", REMOVE),
                                "spec.endpoint",
                                Map.of("url", "http://vllm:8000", "apiKey", "sk-123")),
                        "apiKey"),
                Arguments.of("inline hf token", with(model, "spec.source.huggingFace.token", "hf_abc"), "token"),
                Arguments.of(
                        "gpu memory utilization above 1",
                        with(model, "spec.engine.gpuMemoryUtilization", 1.2),
                        "gpuMemoryUtilization"),
                Arguments.of("zero maxNumSeqs", with(model, "spec.engine.maxNumSeqs", 0), "maxNumSeqs"),
                Arguments.of(
                        "tensor parallel as string",
                        with(model, "spec.engine.tensorParallelSize", "two"),
                        "tensorParallelSize"),
                Arguments.of("bad cache size", with(model, "spec.source.cache.size", "lots"), "size"),
                Arguments.of(
                        "s3 weights with http uri",
                        with(
                                with(model, "spec.source.huggingFace", REMOVE),
                                "spec.source.s3",
                                Map.of("uri", "http://weights/m")),
                        "uri"),
                Arguments.of("unknown autoscaling mode", with(model, "spec.autoscaling.mode", "hpa"), "mode"),
                Arguments.of("zero scrape period", with(model, "spec.autoscaling.periodSeconds", 0), "periodSeconds"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRewriteJobs")
    void rewriteJobRejected(String name, Map<String, Object> manifest, String field) throws Exception {
        assertRejectedNaming(CrdValidator.rewriteJobs().validate(manifest), field);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRewriterModels")
    void rewriterModelRejected(String name, Map<String, Object> manifest, String field) throws Exception {
        assertRejectedNaming(CrdValidator.rewriterModels().validate(manifest), field);
    }

    @Test
    void validManifestsPass() throws Exception {
        assertEquals(List.of(), CrdValidator.rewriteJobs().validate(Manifests.rewriteJob()));
        assertEquals(List.of(), CrdValidator.rewriterModels().validate(Manifests.rewriterModel()));
    }

    @Test
    void renderOnlyJobWithoutModelPasses() throws Exception {
        Map<String, Object> job = with(
                with(
                        with(
                                with(Manifests.rewriteJob(), "spec.modelRef", REMOVE),
                                "spec.recipe.prompts",
                                List.of(Map.of("name", "card", "render", "{{ meta.word }}: {{ meta.definition }}"))),
                        "spec.recipe.routes",
                        REMOVE),
                "spec.recipe.fanout",
                REMOVE);
        assertEquals(List.of(), CrdValidator.rewriteJobs().validate(job));
    }

    @Test
    void externalEndpointModelPasses() throws Exception {
        Map<String, Object> external =
                with(with(Manifests.rewriterModel(), "spec.source", REMOVE), "spec.model", REMOVE);
        external = with(
                with(external, "spec.engine", REMOVE),
                "spec.endpoint",
                Map.of(
                        "url",
                        "https://llm.internal.example/openai",
                        "apiKeySecretRef",
                        Map.of("name", "llm-key", "key", "token")));
        assertEquals(List.of(), CrdValidator.rewriterModels().validate(external));
    }

    @Test
    void immutableFieldsCannotBeEdited() throws Exception {
        Map<String, Object> old = Manifests.rewriteJob();
        CrdValidator crd = CrdValidator.rewriteJobs();
        assertRejectedNaming(crd.validate(with(old, "spec.input.uri", "s3://corpus/web/2026-11/"), old), "input");
        assertRejectedNaming(crd.validate(with(old, "spec.output.compression", "gzip"), old), "output");
        assertRejectedNaming(
                crd.validate(with(old, "spec.recipe.prompts[0].sampling.temperature", 0.2), old), "recipe");
        // the model, like the recipe: every shard of one output comes from one model
        assertRejectedNaming(
                crd.validate(with(old, "spec.modelRef.name", "qwen-large"), old),
                "spec.modelRef: modelRef is immutable once set; create a new RewriteJob");
        // ... nor added or removed, even where the recipe calls no model (a field's transition rule does not see that)
        Map<String, Object> renderOnly = with(
                with(
                        with(
                                with(
                                        old,
                                        "spec.recipe.prompts",
                                        List.of(Map.of("name", "card", "render", "{{ meta.w }}"))),
                                "spec.recipe.routes",
                                REMOVE),
                        "spec.recipe.fanout",
                        REMOVE),
                "spec.recipe.validators",
                REMOVE);
        Map<String, Object> noModel = with(renderOnly, "spec.modelRef", REMOVE);
        assertEquals(List.of(), crd.validate(noModel), "a job that calls no model needs none");
        assertRejectedNaming(crd.validate(noModel, renderOnly), "modelRef cannot be added or removed");
        assertRejectedNaming(crd.validate(renderOnly, noModel), "modelRef cannot be added or removed");
        // and a new job (no old object, as palimpsest lint and local see every manifest) names any model
        assertEquals(List.of(), crd.validate(with(old, "spec.modelRef.name", "qwen-large")));
        // mutable fields may change while the job runs
        assertEquals(
                List.of(), crd.validate(with(with(old, "spec.workers.parallelism", 12), "spec.suspend", true), old));
    }

    private static void assertRejectedNaming(List<String> errors, String field) {
        assertFalse(errors.isEmpty(), "expected a rejection naming " + field);
        assertTrue(errors.stream().anyMatch(e -> e.contains(field)), () -> "no error names '" + field + "': " + errors);
    }
}
