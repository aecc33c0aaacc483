package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
import io.palimpsest.worker.text.Plural;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code palimpsest lint}: the manifests checked as a strict API server would (schema, defaults,
 * CEL rules, unknown fields), plus that every modelRef names a RewriterModel among them, and each
 * job's recipe compiled as the planner compiles it ({@link RecipeCheck}). Lists every problem ordered
 * by file (as given), line and field; exits {@link ExitCodes#INVALID_JOB} when there is one. It reads the manifests
 * only, so it runs offline; {@code --input} reaches the job's input too and cuts it with the planner's own code
 * ({@link PlanCommand#cut}), storing nothing, so what the planner refuses there it refuses in the same words.
 */
@Command(
        name = "lint",
        mixinStandardHelpOptions = true,
        description =
                "Check RewriteJob and RewriterModel manifests as the cluster would, recipes compiled as the planner"
                        + " compiles them; list every problem by file, line and field.")
final class LintCommand implements Callable<Integer> {

    @Option(
            names = {"-f", "--filename"},
            required = true,
            description = "A manifest file or a folder of manifests; may be repeated: all are checked as one set.")
    List<Path> manifests;

    @Option(
            names = "--print-resolved",
            description =
                    "When the manifests pass, print the job as a worker runs it (what the operator puts in job.yaml).")
    boolean printResolved;

    @Option(
            names = "--input",
            description = "Also reach the job's input, as the planner does, and report what the planner would refuse"
                    + " there: an input that does not exist, globs that take no file or only empty ones, files"
                    + " that are a dataset's card or metadata (README.md beside data/*.parquet), a textField the"
                    + " first records of a kind of file do not hold. It lists the input and reads the first records"
                    + " of each kind of file (file://, and s3:// with the credentials and endpoint local uses;"
                    + " pvc:// where its claim is mounted, under $PALIMPSEST_PVC_ROOT). One RewriteJob among the"
                    + " manifests. Without it lint reads the manifests only and reaches nothing.")
    boolean input;

    @Override
    public Integer call() throws Exception {
        if (printResolved) {
            var loaded = new JobManifests().load(manifests, true);
            System.out.print(new ObjectMapper(new YAMLFactory()).writeValueAsString(loaded.job()));
            return ExitCodes.DONE;
        }
        ManifestLinter.Result result;
        try {
            result = new ManifestLinter(RecipeCheck.compiler()).lint(manifests);
        } catch (NoSuchFileException e) {
            System.err.println(e.getMessage());
            return ExitCodes.INVALID_JOB;
        }
        if (result.holdsNoManifest()) {
            System.err.println(JobManifests.holdsNo(manifests, "RewriteJob or RewriterModel manifest", result));
            return ExitCodes.INVALID_JOB;
        }
        // a GitOps folder holds other objects too: named, so a misspelt apiVersion or kind is not missed
        result.others().forEach(o -> System.err.println("warning: " + o + "; not checked"));
        // file:// is for palimpsest local; the operator refuses it, so a set that passes here is told so
        for (var job : result.jobs()) {
            var spec = job.object().getSpec();
            for (String field : List.of("spec.input.uri", "spec.output.uri")) {
                String uri = field.equals("spec.input.uri")
                        ? (spec.getInput() == null ? null : spec.getInput().getUri())
                        : (spec.getOutput() == null ? null : spec.getOutput().getUri());
                StorageUris.clusterProblem(uri)
                        .ifPresent(p -> System.err.println("warning: " + job.file() + ":" + job.lineOf(field) + ": "
                                + field + ": " + p + " (on a cluster the job fails InvalidSpec)"));
            }
            // what the recipe may do wrong with some documents: plan, local and the operator tell it too
            if (result.ok()) {
                var model = result.modelOf(job.object());
                for (var w : RecipeCheck.warnings(
                        spec.getRecipe(), model == null ? null : JobResolver.maxModelLen(model.object()))) {
                    System.err.println("warning: " + job.file() + ":" + job.lineOf(w.path()) + ": " + w);
                }
            }
        }
        if (!result.ok()) {
            result.problems().forEach(System.err::println);
            System.err.println(result.problems().size() + " problem(s)");
            return ExitCodes.INVALID_JOB;
        }
        if (input) {
            inputAsPlanned();
        }
        String what = result.jobs().isEmpty() && result.models().isEmpty()
                ? "a resolved job"
                : count(result.jobs().size(), "RewriteJob") + ", "
                        + count(result.models().size(), "RewriterModel");
        System.out.printf(
                "%s: ok (%s)%n",
                String.join(", ", manifests.stream().map(Path::toString).toList()), what);
        return ExitCodes.DONE;
    }

    /**
     * The job's input, listed and cut as the planner cuts it (its own code: {@link PlanCommand#cut}), and said in one
     * line; what the planner would refuse is thrown at the manifest's line, as {@code local} refuses it.
     */
    private void inputAsPlanned() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JobManifests.Loaded loaded = new JobManifests().load(manifests, true);
        ResolvedJob job = loaded.job();
        try {
            LocalPaths.resolve(job, loaded.jobFile(), null);
            try (JobRuntime runtime =
                    new JobRuntime(job, WorkerEnvironment.system().onThisMachine(), json)) {
                runtime.checkStoresAtStart();
                List<Shard> shards = PlanCommand.cut(
                        runtime,
                        PlanCommand.planner(runtime, json, PlanCommand.accepting(runtime, false, List.of())),
                        null);
                long files = shards.stream().mapToLong(s -> s.files().size()).sum();
                long bytes = shards.stream().mapToLong(Shard::bytes).sum();
                System.out.printf(
                        "input %s: %s, %d bytes, %s as the planner cuts it (whole files; a cluster's planner may cut"
                                + " long ones for its fleet)%n",
                        job.getSpec().getInput().getUri(),
                        Plural.of(files, "file"),
                        bytes,
                        Plural.of(shards.size(), "shard"));
            }
        } catch (InvalidJobException e) {
            throw loaded.located(e, List.of());
        } catch (Exception e) {
            throw StoreRefusals.located(e, loaded, List.of());
        }
    }

    private static String count(int n, String kind) {
        return n + " " + kind + (n == 1 ? "" : "s");
    }
}
