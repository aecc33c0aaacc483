package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
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
 * by file (as given), line and field; exits {@link ExitCodes#INVALID_JOB} when there is one.
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
        String what = result.jobs().isEmpty() && result.models().isEmpty()
                ? "a resolved job"
                : count(result.jobs().size(), "RewriteJob") + ", "
                        + count(result.models().size(), "RewriterModel");
        System.out.printf(
                "%s: ok (%s)%n",
                String.join(", ", manifests.stream().map(Path::toString).toList()), what);
        return ExitCodes.DONE;
    }

    private static String count(int n, String kind) {
        return n + " " + kind + (n == 1 ? "" : "s");
    }
}
