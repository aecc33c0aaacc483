package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.model.ModelNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecValidatorTest {

    @ParameterizedTest(name = "in={0} out={1} -> {2}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                "s3://corpus/en          | s3://corpus/en-rewritten      | -",
                "s3://corpus/en          | s3://other/en                 | -",
                "pvc://data/in           | pvc://data/out                | -",
                "s3://corpus/en          | s3://corpus/en/               | spec.output.uri",
                "s3://corpus/en          | s3://corpus/en/out            | spec.output.uri",
                "s3://corpus/en/sub      | s3://corpus/en                | spec.input.uri",
                "pvc://data/             | pvc://data/out                | spec.output.uri",
                "file:///data/in         | s3://corpus/out               | spec.input.uri",
                "s3://corpus/in          | file:///tmp/out               | spec.output.uri",
            })
    void uris(String in, String out, String badField) {
        List<FieldError> violations = SpecValidator.validate(TestJobs.job("rw", in, out));
        if (badField == null) {
            assertEquals(List.of(), violations);
        } else {
            assertEquals(1, violations.size(), violations.toString());
            assertEquals(badField, violations.get(0).field());
            assertTrue(violations.get(0).toString().startsWith(badField + ": "));
        }
    }

    /** A toleration the API server would refuse in the worker pods fails the job as InvalidSpec, as lint refuses it. */
    @Test
    void aWorkerTolerationTheApiServerWouldRefuseIsAnInvalidSpec() {
        RewriteJob job = TestJobs.job("rw", "s3://c/in", "s3://c/out");
        io.palimpsest.api.common.Scheduling scheduling = new io.palimpsest.api.common.Scheduling();
        scheduling.setTolerations(List.of(new io.fabric8.kubernetes.api.model.TolerationBuilder()
                .withKey("spot")
                .withOperator("Equals")
                .build()));
        if (job.getSpec().getWorkers() == null) {
            job.getSpec().setWorkers(new io.palimpsest.api.v1alpha1.RewriteJobSpec.Workers());
        }
        job.getSpec().getWorkers().setScheduling(scheduling);
        List<FieldError> violations = SpecValidator.validate(job);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals(
                "spec.workers.scheduling.tolerations[0].operator",
                violations.get(0).field());
    }

    /**
     * A toleration key, nodeSelector value and topologyKey that are no Kubernetes label key or value would
     * make the API server refuse the worker Job: the job fails InvalidSpec on each field, as lint refuses them.
     */
    @Test
    void workerLabelKeysAndValuesTheApiServerWouldRefuseAreAnInvalidSpec() {
        RewriteJob job = TestJobs.job("rw", "s3://c/in", "s3://c/out");
        io.palimpsest.api.common.Scheduling scheduling = new io.palimpsest.api.common.Scheduling();
        scheduling.setNodeSelector(Map.of("example.com/pool", "spot pool"));
        scheduling.setTolerations(List.of(new io.fabric8.kubernetes.api.model.TolerationBuilder()
                .withKey("spot_")
                .withOperator("Exists")
                .build()));
        scheduling.setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder()
                .withNewPodAntiAffinity()
                .addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withTopologyKey("Kubernetes.io/hostname")
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity()
                .build());
        if (job.getSpec().getWorkers() == null) {
            job.getSpec().setWorkers(new io.palimpsest.api.v1alpha1.RewriteJobSpec.Workers());
        }
        job.getSpec().getWorkers().setScheduling(scheduling);
        List<String> fields = SpecValidator.validate(job).stream()
                .map(FieldError::field)
                .sorted()
                .toList();
        assertEquals(
                List.of(
                        "spec.workers.scheduling.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
                                + ".topologyKey",
                        "spec.workers.scheduling.nodeSelector.example.com/pool",
                        "spec.workers.scheduling.tolerations[0].key"),
                fields);
    }

    /** A worker memory of 8GB (not a Kubernetes quantity) fails the job as InvalidSpec before any Job is made. */
    @Test
    void aWorkerResourceThatIsNoQuantityIsAnInvalidSpec() {
        RewriteJob job = TestJobs.job("rw", "s3://c/in", "s3://c/out");
        if (job.getSpec().getWorkers() == null) {
            job.getSpec().setWorkers(new io.palimpsest.api.v1alpha1.RewriteJobSpec.Workers());
        }
        job.getSpec()
                .getWorkers()
                .setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                        .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("8GB"))
                        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("8Gi"))
                        .build());
        List<FieldError> violations = SpecValidator.validate(job);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals("spec.workers.resources.requests.memory", violations.get(0).field());
    }

    /**
     * Pull secrets, requests above limits and a required node affinity without terms are copied into the
     * worker pods as written, and the API server would refuse the worker Job: the job fails InvalidSpec
     * on each field before any Job is made, in the words lint uses.
     */
    @Test
    void workerPodFieldsTheApiServerWouldRefuseAreAnInvalidSpec() {
        RewriteJob job = TestJobs.job("rw", "s3://c/in", "s3://c/out");
        if (job.getSpec().getWorkers() == null) {
            job.getSpec().setWorkers(new io.palimpsest.api.v1alpha1.RewriteJobSpec.Workers());
        }
        var workers = job.getSpec().getWorkers();
        workers.setImagePullSecrets(List.of(
                new io.fabric8.kubernetes.api.model.LocalObjectReference(),
                new io.fabric8.kubernetes.api.model.LocalObjectReference("Bad_Name")));
        workers.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("16Gi"))
                .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("8Gi"))
                .build());
        io.palimpsest.api.common.Scheduling scheduling = new io.palimpsest.api.common.Scheduling();
        scheduling.setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build());
        workers.setScheduling(scheduling);
        List<String> violations = SpecValidator.validate(job).stream()
                .map(FieldError::toString)
                .sorted()
                .toList();
        assertEquals(
                List.of(
                        "spec.workers.imagePullSecrets[0].name: Required value: the name of a Secret of the namespace",
                        "spec.workers.imagePullSecrets[1].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123"
                                + " subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
                                + " start and end with an alphanumeric character (e.g. 'example.com'); it names a"
                                + " Secret, so no pod could pull with it",
                        "spec.workers.resources.requests.memory: Invalid value: \"16Gi\": must be less than or equal"
                                + " to memory limit of 8Gi",
                        "spec.workers.scheduling.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms: Required value: must have at least one node selector term"),
                violations);
    }

    @Test
    void namesMustLeaveRoomForPodHostnames() {
        RewriteJob ok = TestJobs.job("a".repeat(SpecValidator.MAX_NAME_LENGTH), "s3://c/in", "s3://c/out");
        RewriteJob tooLong = TestJobs.job("a".repeat(SpecValidator.MAX_NAME_LENGTH + 1), "s3://c/in", "s3://c/out");
        assertEquals(List.of(), SpecValidator.validate(ok));
        assertEquals("metadata.name", SpecValidator.validate(tooLong).get(0).field());
    }

    @Test
    void aNameWithADotCannotNameItsPods() {
        assertTrue(SpecValidator.validate(TestJobs.job("report-v1.2", "s3://c/in", "s3://c/out")).stream()
                .anyMatch(v ->
                        v.field().equals("metadata.name") && v.message().contains("cannot start a pod's host name")));
    }

    @Test
    void everyViolationIsReported() {
        RewriteJob job = TestJobs.job("rw", "file:///in", "file:///in");
        job.getSpec().setModelRef(null);
        String described = FieldError.describe(SpecValidator.validate(job));
        assertTrue(
                described.contains("spec.modelRef: is required: the recipe calls a model at recipe.prompts[0].user"),
                described);
        assertTrue(described.contains("spec.input.uri: file://"), described);
        assertTrue(described.contains("spec.output.uri: equals spec.input.uri"), described);
    }

    @Test
    void aRecipeThatCallsNoModelNeedsNone() {
        RewriteJob job = TestJobs.job("cards", "s3://c/in", "s3://c/out");
        job.getSpec().setModelRef(null);
        job.getSpec().getRecipe().getPrompts().get(0).setRender("{{ meta.word }}: {{ meta.definition }}");
        assertEquals(List.of(), SpecValidator.validate(job));
    }

    /**
     * Where the cluster's CRD predates modelRef's transition rule, the operator holds the job to the model its
     * worker Job was made with.
     */
    @Test
    void theModelIsKeptFromTheWorkerJobOn() {
        RewriteJob job = TestJobs.job("rw", "s3://c/in", "s3://c/out");
        assertEquals(List.of(), SpecValidator.keptSinceStart(job, null), "nothing made yet: nothing to keep");
        assertEquals(List.of(), SpecValidator.keptSinceStart(job, workerJobOn("mistral")));
        assertEquals(
                List.of(new FieldError(
                        "spec.modelRef",
                        "modelRef is immutable once set; create a new RewriteJob (this job's workers run on"
                                + " RewriterModel \"qwen\": set spec.modelRef.name back to \"qwen\" to go on)")),
                SpecValidator.keptSinceStart(job, workerJobOn("qwen")));
        assertEquals(
                "spec.modelRef",
                SpecValidator.keptSinceStart(job, workerJobOn(null)).get(0).field());
        job.getSpec().setModelRef(null);
        assertEquals(List.of(), SpecValidator.keptSinceStart(job, workerJobOn(null)));
        assertTrue(SpecValidator.keptSinceStart(job, workerJobOn("qwen"))
                .get(0)
                .message()
                .contains("set spec.modelRef.name back to \"qwen\""));
    }

    private static Job workerJobOn(String model) {
        Map<String, String> labels = new HashMap<>(Map.of(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_WORK));
        if (model != null) {
            labels.put(ModelNames.MODEL_LABEL, model);
        }
        return new JobBuilder()
                .withNewMetadata()
                .withName("rw-work")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .endTemplate()
                .endSpec()
                .build();
    }
}
