package io.palimpsest.api.lint;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.ResolvedJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code palimpsest lint}: reads manifests (a file or a folder of YAML files, several documents
 * each) and checks every RewriteJob and RewriterModel as a strict API server would
 * ({@link CrdSchema}) and as the operator would ({@link NameLimits}, {@link ModelSpecRules}), then
 * what only the set as a whole can tell: that each job's modelRef names
 * a RewriterModel among them, and that output and input do not overlap; given the worker's
 * {@link RecipeCompiler}, it also compiles each job's recipe as the planner does. Every problem is
 * reported, with file, line and field. {@code palimpsest local} runs the same check.
 */
public final class ManifestLinter {
    /** The field of the problem "modelRef names no RewriterModel among the manifests". */
    public static final String MODEL_REF = "spec.modelRef.name";

    /**
     * The simulator's scripted replies, which {@code local --simulate} and {@code preview --simulate}
     * read from beside the manifests: a recipe folder holds one, and it is no manifest to warn about.
     */
    public static final String SIM_RULES_FILE = "sim-rules.yaml";

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .build();

    private final RecipeCompiler recipes;

    /** Checks the manifests without compiling their recipes (the API server's and operator's view). */
    public ManifestLinter() {
        this(RecipeCompiler.NONE);
    }

    /** Also compiles each job's recipe, as the planner will, each problem at its line. */
    public ManifestLinter(RecipeCompiler recipes) {
        this.recipes = recipes;
    }

    /** One problem: where (file, line; 0 when unknown) and which field, and what is wrong. */
    public record Problem(Path file, int line, String field, String message) {
        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": " + (field == null || field.isEmpty() ? "" : field + ": ")
                    + message;
        }
    }

    /** A manifest as the API server would store it (defaults applied), with where it came from. */
    public record Found<T>(T object, Path file, int line, YamlLines lines) {
        /** The line of a field of this manifest (of its nearest enclosing field when it is missing). */
        public int lineOf(String field) {
            return lines == null ? line : lines.lineOf(field);
        }
    }

    /**
     * A document that is not Palimpsest's (a ConfigMap or Secret beside the manifests, say): not
     * checked, but named, so a file that holds only such documents is not mistaken for a valid job.
     */
    public record Other(Path file, int line, String kind, String name) {
        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": "
                    + (kind == null ? "a document with no kind" : kind + (name == null ? "" : " \"" + name + "\""))
                    + " is not a Palimpsest manifest (RewriteJob or RewriterModel)";
        }
    }

    /** What the files hold and what is wrong with them. */
    public record Result(
            List<Problem> problems,
            List<Found<RewriteJob>> jobs,
            List<Found<RewriterModel>> models,
            Found<ResolvedJob> resolvedJob,
            List<Other> others) {
        public boolean ok() {
            return problems.isEmpty();
        }

        /** No RewriteJob, RewriterModel or resolved job at all (problems in one count as one). */
        public boolean holdsNoManifest() {
            return problems.isEmpty() && jobs.isEmpty() && models.isEmpty() && resolvedJob == null;
        }

        /** Every problem, one a line. */
        public String describe() {
            return problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
        }

        /** The RewriterModel the job's modelRef names, among these manifests; null when none is named or found. */
        public Found<RewriterModel> modelOf(RewriteJob job) {
            String name = job.getSpec() == null || job.getSpec().getModelRef() == null
                    ? null
                    : job.getSpec().getModelRef().getName();
            if (name == null) {
                return null;
            }
            return models.stream()
                    .filter(m -> name.equals(m.object().getMetadata().getName())
                            && sameNamespace(
                                    m.object().getMetadata().getNamespace(),
                                    job.getMetadata().getNamespace()))
                    .findFirst()
                    .orElse(null);
        }
    }

    /** A file or a folder of {@code .yaml}/{@code .yml} files. */
    public Result lint(Path path) throws IOException {
        return lint(List.of(path));
    }

    /** Files and folders checked as one set (as {@code kubectl apply -f a -f b} applies them together). */
    public Result lint(List<Path> paths) throws IOException {
        List<Problem> problems = new ArrayList<>();
        List<Found<RewriteJob>> jobs = new ArrayList<>();
        List<Found<RewriterModel>> models = new ArrayList<>();
        Found<ResolvedJob> resolved = null;
        List<Found<Map<String, Object>>> rawJobs = new ArrayList<>();
        // jobs the schema refused, read as far as their types hold them, with the fields refused: their recipes
        List<Refused> refusedJobs = new ArrayList<>();
        List<Found<Map<String, Object>>> rawModels = new ArrayList<>();
        List<Other> others = new ArrayList<>();
        List<Path> files = yamlFiles(paths);
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            List<Map<String, Object>> documents;
            List<YamlLines> lines;
            try {
                documents = documents(text, file, problems);
                lines = YamlLines.index(text);
            } catch (JsonProcessingException e) {
                int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
                problems.add(new Problem(file, line, "", "not valid YAML: " + yamlMessage(e.getOriginalMessage())));
                continue;
            }
            for (int i = 0; i < documents.size(); i++) {
                Map<String, Object> document = documents.get(i);
                YamlLines where = i < lines.size() ? lines.get(i) : null;
                int line = where == null ? 0 : where.lineOf("");
                if (where != null && !where.repeated().isEmpty()) {
                    // kubectl refuses the file; which of the two values a parser keeps is no guide to the user's intent
                    for (YamlLines.Repeated r : where.repeated()) {
                        problems.add(new Problem(
                                file,
                                r.line(),
                                r.field(),
                                "Duplicate key: given twice in one mapping (first at line " + r.firstLine()
                                        + "); kubectl refuses the file, so keep one"));
                    }
                    continue;
                }
                Object kind = document.get("kind");
                if (isSimulatorRules(file, document)) {
                    continue; // the folder's simulator rules, read by local --simulate, not by the cluster
                }
                if ("RewriteJob".equals(kind)) {
                    rawJobs.add(new Found<>(document, file, line, where));
                    int before = problems.size();
                    RewriteJob job = check(CrdSchema.rewriteJobs(), document, RewriteJob.class, file, where, problems);
                    if (job == null && recipes != RecipeCompiler.NONE) {
                        readDespiteTheSchema(document)
                                .ifPresent(read -> refusedJobs.add(new Refused(
                                        new Found<>(read, file, line, where),
                                        problems.subList(before, problems.size()).stream()
                                                .map(Problem::field)
                                                .filter(Objects::nonNull)
                                                .toList())));
                    }
                    routeVariants(document, file, where, problems);
                    if (job != null && job.getSpec() == null) {
                        // the API server stores it; the operator fails it InvalidSpec in these words
                        problems.add(
                                new Problem(file, where == null ? line : where.lineOf("spec"), "spec", "is required"));
                        job = null;
                    }
                    if (job != null) {
                        jobs.add(new Found<>(job, file, line, where));
                        NameLimits.job(job.getMetadata().getName())
                                .ifPresent(why -> problems.add(nameProblem(file, line, where, why)));
                        for (FieldError e : JobSpecRules.check(job)) {
                            problems.add(new Problem(
                                    file, where == null ? line : where.lineOf(e.field()), e.field(), e.message()));
                        }
                    }
                } else if ("RewriterModel".equals(kind)) {
                    rawModels.add(new Found<>(document, file, line, where));
                    RewriterModel model =
                            check(CrdSchema.rewriterModels(), document, RewriterModel.class, file, where, problems);
                    if (model != null) {
                        models.add(new Found<>(model, file, line, where));
                        NameLimits.model(model).ifPresent(why -> problems.add(nameProblem(file, line, where, why)));
                        for (FieldError e : ModelSpecRules.check(model)) {
                            problems.add(new Problem(
                                    file, where == null ? line : where.lineOf(e.field()), e.field(), e.message()));
                        }
                    }
                } else if (kind == null && !document.containsKey("apiVersion") && document.containsKey("spec")) {
                    // the operator's job.yaml, already resolved (a worker pod's input)
                    ResolvedJob job = convert(document, ResolvedJob.class, file, where, problems);
                    if (job != null) {
                        resolved = new Found<>(job, file, line, where);
                    }
                } else if (kind == null
                        && String.valueOf(document.get("apiVersion")).startsWith("palimpsest.io/")) {
                    problems.add(new Problem(
                            file,
                            line,
                            "kind",
                            "Required value: a manifest needs apiVersion and kind (RewriteJob or RewriterModel)"));
                } else if (kind != null
                        && String.valueOf(document.get("apiVersion")).startsWith("palimpsest.io/")) {
                    problems.add(new Problem(
                            file,
                            where == null ? 0 : where.lineOf("kind"),
                            "kind",
                            "Unsupported value: \"" + kind + "\": palimpsest.io has RewriteJob and RewriterModel"));
                } else {
                    // other kinds (Secrets, ConfigMaps) may sit beside the manifests; not ours to judge, but named
                    Object name = path(document, "metadata", "name");
                    others.add(new Other(
                            file,
                            kind == null || where == null ? line : where.lineOf("kind"),
                            kind == null ? null : String.valueOf(kind),
                            name == null ? null : String.valueOf(name)));
                }
            }
        }
        modelRefs(rawJobs, rawModels, problems);
        sameNames(rawJobs, "RewriteJob", problems);
        sameNames(rawModels, "RewriterModel", problems);
        crossChecks(jobs, problems);
        Result checked = new Result(List.of(), List.copyOf(jobs), List.copyOf(models), resolved, List.copyOf(others));
        for (Found<RewriteJob> job : jobs) {
            Found<RewriterModel> model = checked.modelOf(job.object());
            for (RecipeCompiler.Problem p : recipes.problems(job.object(), model == null ? null : model.object())) {
                int line = job.lines() == null ? job.line() : job.lines().lineOf(p.field(), p.lineInValue());
                problems.add(new Problem(job.file(), line, p.field(), p.message()));
            }
        }
        for (Refused refused : refusedJobs) {
            problems.addAll(recipeProblemsBeside(refused, checked));
        }
        return new Result(
                inReadingOrder(problems, files), List.copyOf(jobs), List.copyOf(models), resolved, List.copyOf(others));
    }

    /** A RewriteJob the schema refused, as far as it reads, and the fields the schema refused in it. */
    private record Refused(Found<RewriteJob> job, List<String> fields) {}

    /**
     * A job the schema refused, read as its types hold it (unknown fields left out, defaults filled in), so that its
     * recipe can be compiled too: one run of lint lists a template's problem beside a bound's, where the template's
     * showed only once the bound was fixed. Empty when the document cannot be read so.
     */
    private static Optional<RewriteJob> readDespiteTheSchema(Map<String, Object> document) {
        try {
            RewriteJob job = YAML.convertValue(CrdSchema.rewriteJobs().withDefaults(document), RewriteJob.class);
            return job == null || job.getSpec() == null || job.getSpec().getRecipe() == null
                    ? Optional.empty()
                    : Optional.of(job);
        } catch (RuntimeException e) {
            return Optional.empty(); // its schema problems are listed; the recipe is compiled once they are fixed
        }
    }

    /**
     * The recipe problems of a job the schema refused, but those at or under a field the schema refused already (a
     * bound the schema and the compiler both judge is listed once, in the schema's words).
     */
    private List<Problem> recipeProblemsBeside(Refused refused, Result checked) {
        Found<RewriteJob> job = refused.job();
        Found<RewriterModel> model = checked.modelOf(job.object());
        List<RecipeCompiler.Problem> found;
        try {
            found = recipes.problems(job.object(), model == null ? null : model.object());
        } catch (RuntimeException e) {
            return List.of(); // a recipe the schema's problems leave unreadable to the compiler: compiled once fixed
        }
        List<Problem> problems = new ArrayList<>();
        for (RecipeCompiler.Problem p : found) {
            boolean judged = refused.fields().stream()
                    .anyMatch(f -> p.field().equals(f)
                            || p.field().startsWith(f + ".")
                            || p.field().startsWith(f + "["));
            if (!judged) {
                int line = job.lines() == null ? job.line() : job.lines().lineOf(p.field(), p.lineInValue());
                problems.add(new Problem(job.file(), line, p.field(), p.message()));
            }
        }
        return problems;
    }

    /**
     * The problems as a reader meets them: by file in the order the files were read, then line (0, a
     * problem with no line, first), then field. The checks of the set as a whole and of the recipes run
     * after every file is read, so without this a problem at line 33 would be listed before one at line 11.
     * A stable sort: problems at one file, line and field keep the order they were found in, and none is dropped.
     */
    private static List<Problem> inReadingOrder(List<Problem> problems, List<Path> files) {
        Map<Path, Integer> order = new HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            order.putIfAbsent(files.get(i), i);
        }
        return problems.stream()
                .sorted(Comparator.<Problem>comparingInt(p -> order.getOrDefault(p.file(), files.size()))
                        .thenComparingInt(Problem::line)
                        .thenComparing(p -> p.field() == null ? "" : p.field()))
                .toList();
    }

    /**
     * The simulator rules file beside the manifests ({@link #SIM_RULES_FILE}): by its name and its
     * shape (a {@code rules} list, no apiVersion or kind); any other document in it is read as usual.
     */
    private static boolean isSimulatorRules(Path file, Map<String, Object> document) {
        return file.getFileName() != null
                && SIM_RULES_FILE.equals(file.getFileName().toString())
                && !document.containsKey("apiVersion")
                && !document.containsKey("kind")
                && document.get("rules") instanceof List<?>;
    }

    private static Problem nameProblem(Path file, int line, YamlLines where, String why) {
        return new Problem(file, where == null ? line : where.lineOf("metadata.name"), "metadata.name", why);
    }

    /** Each job's modelRef must name a RewriterModel among the manifests (checked on the raw documents, so it shows beside schema errors). */
    private static void modelRefs(
            List<Found<Map<String, Object>>> jobs, List<Found<Map<String, Object>>> rawModels, List<Problem> problems) {
        List<Map<String, Object>> models = rawModels.stream().map(Found::object).toList();
        for (Found<Map<String, Object>> found : jobs) {
            Object modelName = path(found.object(), "spec", "modelRef", "name");
            if (!(modelName instanceof String name)) {
                continue; // absent (a job that calls no model) or mistyped (the schema says so)
            }
            Object namespace = path(found.object(), "metadata", "namespace");
            boolean present = models.stream()
                    .anyMatch(m -> name.equals(path(m, "metadata", "name"))
                            && sameNamespace(
                                    (String) path(m, "metadata", "namespace"),
                                    namespace instanceof String ns ? ns : null));
            if (!present) {
                String known = models.stream()
                        .map(m -> String.valueOf(path(m, "metadata", "name")))
                        .collect(Collectors.joining(", "));
                problems.add(new Problem(
                        found.file(),
                        found.lineOf(MODEL_REF),
                        MODEL_REF,
                        "names RewriterModel \"" + name + "\", which is not among the given manifests"
                                + (known.isEmpty()
                                        ? " (they hold no RewriterModel: give the model's manifest too, -f on the"
                                                + " folder that holds both)"
                                        : " (they hold: " + known + ")")));
            }
        }
    }

    /**
     * Two manifests of one kind, name and namespace in one set: applied together, the second replaces
     * the first (a campaign's job or model silently not the one written above).
     */
    private static void sameNames(List<Found<Map<String, Object>>> found, String kind, List<Problem> problems) {
        Map<String, Found<Map<String, Object>>> first = new HashMap<>();
        for (Found<Map<String, Object>> f : found) {
            if (!(path(f.object(), "metadata", "name") instanceof String name)) {
                continue; // the schema names a missing or mistyped name
            }
            Object namespace = path(f.object(), "metadata", "namespace");
            String key = (namespace instanceof String ns ? ns : "") + "/" + name;
            Found<Map<String, Object>> earlier = first.putIfAbsent(key, f);
            if (earlier != null) {
                problems.add(new Problem(
                        f.file(),
                        f.lineOf("metadata.name"),
                        "metadata.name",
                        "Duplicate value: another " + kind + " named \"" + name + "\" is at " + earlier.file() + ":"
                                + earlier.lineOf("metadata.name") + "; applied together, this one would replace it"));
            }
        }
    }

    /**
     * Each route's variant that no prompt has, on its own line, with the prompts there are: the CRD's rule says only
     * that some route names one, on spec.recipe (found before the recipe is compiled, which names it too, so it is
     * said even though the rule's failure stops the job's other checks).
     */
    private static void routeVariants(Map<String, Object> job, Path file, YamlLines where, List<Problem> problems) {
        if (!(path(job, "spec", "recipe", "routes") instanceof List<?> routes)
                || !(path(job, "spec", "recipe", "prompts") instanceof List<?> prompts)) {
            return;
        }
        Set<String> names = new LinkedHashSet<>();
        for (Object prompt : prompts) {
            if (prompt instanceof Map<?, ?> p && p.get("name") instanceof String name) {
                names.add(name);
            }
        }
        for (int i = 0; i < routes.size(); i++) {
            if (!(routes.get(i) instanceof Map<?, ?> route) || !(route.get("variants") instanceof List<?> variants)) {
                continue;
            }
            for (int j = 0; j < variants.size(); j++) {
                if (variants.get(j) instanceof String variant && !names.contains(variant)) {
                    String field = "spec.recipe.routes[" + i + "].variants[" + j + "]";
                    problems.add(new Problem(
                            file,
                            where == null ? 0 : where.lineOf(field),
                            field,
                            "names variant \"" + variant + "\", which is not in prompts"
                                    + CrdSchema.suggestion(variant, names) + " (prompts: " + String.join(", ", names)
                                    + ")"));
                }
            }
        }
    }

    private static Object path(Map<String, Object> object, String... keys) {
        Object node = object;
        for (String key : keys) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(key);
        }
        return node;
    }

    private static void crossChecks(List<Found<RewriteJob>> jobs, List<Problem> problems) {
        for (Found<RewriteJob> found : jobs) {
            RewriteJob job = found.object();
            var spec = job.getSpec();
            if (spec == null) {
                continue;
            }
            String in = spec.getInput() == null ? null : spec.getInput().getUri();
            String out = spec.getOutput() == null ? null : spec.getOutput().getUri();
            if (in != null && out != null) {
                switch (StorageUris.overlap(in, out)) {
                    case SAME ->
                        problems.add(new Problem(
                                found.file(),
                                lineOf(found, "spec.output.uri"),
                                "spec.output.uri",
                                "equals spec.input.uri; the job would read its own output"));
                    case OUTPUT_INSIDE_INPUT ->
                        problems.add(new Problem(
                                found.file(),
                                lineOf(found, "spec.output.uri"),
                                "spec.output.uri",
                                "is inside spec.input.uri (" + in + "); the job would read its own output"));
                    case INPUT_INSIDE_OUTPUT ->
                        problems.add(new Problem(
                                found.file(),
                                lineOf(found, "spec.input.uri"),
                                "spec.input.uri",
                                "is inside spec.output.uri (" + out
                                        + "); outputs and receipts would mix with the input"));
                    case NONE -> {}
                }
            }
        }
    }

    private static int lineOf(Found<?> found, String field) {
        return found.lineOf(field);
    }

    private <T> T check(
            CrdSchema schema,
            Map<String, Object> document,
            Class<T> type,
            Path file,
            YamlLines where,
            List<Problem> problems) {
        List<FieldError> errors = schema.validate(document);
        for (FieldError error : errors) {
            problems.add(
                    new Problem(file, where == null ? 0 : where.lineOf(error.field()), error.field(), error.message()));
        }
        if (!errors.isEmpty()) {
            return null;
        }
        return convert(schema.withDefaults(document), type, file, where, problems);
    }

    private static <T> T convert(
            Map<String, Object> document, Class<T> type, Path file, YamlLines where, List<Problem> problems) {
        try {
            return YAML.convertValue(document, type);
        } catch (IllegalArgumentException e) {
            // the schema passed, so this is a value the types cannot hold (a quantity, say); say where, not which class
            String field = e.getCause() instanceof JsonMappingException m ? fieldPath(m) : "";
            problems.add(new Problem(
                    file,
                    where == null ? 0 : where.lineOf(field),
                    field,
                    "Invalid value: cannot be read as "
                            + (type == ResolvedJob.class ? "a resolved job" : "part of a " + type.getSimpleName())));
            return null;
        }
    }

    /** The parser's own words without its position lines and carets (the problem carries the line). */
    private static String yamlMessage(String message) {
        return message.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("in '") && !l.startsWith("^") && !l.startsWith("at [Source"))
                .collect(Collectors.joining(" "));
    }

    private static String fieldPath(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static boolean sameNamespace(String a, String b) {
        return Objects.equals(a == null ? "default" : a, b == null ? "default" : b) || a == null || b == null;
    }

    /**
     * The documents of a file that are mappings (what a manifest is); an empty document is skipped, as
     * kubectl skips it, and any other (a list, a string, a number) is a problem at its line: kubectl
     * refuses such a document, so it must not pass here unread.
     */
    private static List<Map<String, Object>> documents(String text, Path file, List<Problem> problems)
            throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        List<Problem> notObjects = new ArrayList<>();
        // document by document, not a MappingIterator: that unwraps a list at the root into its items, which
        // kubectl does not
        try (JsonParser parser = YAML.createParser(text)) {
            while (parser.nextToken() != null) {
                JsonLocation start = parser.currentTokenLocation();
                Object document = YAML.readValue(parser, Object.class);
                if (document instanceof Map<?, ?> map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) map;
                    documents.add(m);
                } else if (document != null) {
                    notObjects.add(
                            new Problem(
                                    file,
                                    start == null ? 0 : start.getLineNr(),
                                    "",
                                    "the document is " + (document instanceof List<?> ? "a list" : "a single value")
                                            + ", not a manifest: kubectl refuses it; write each RewriteJob or RewriterModel"
                                            + " as a mapping (apiVersion, kind, metadata, spec) in its own document, after ---"));
                }
            }
        }
        problems.addAll(notObjects); // only once the whole file has parsed: broken YAML is one problem, said once
        return documents;
    }

    /** The YAML files {@link #lint} reads: each once, in the order given (a folder's files sorted by name). */
    public static List<Path> yamlFiles(List<Path> paths) throws IOException {
        Map<Path, Path> files = new LinkedHashMap<>();
        for (Path path : paths) {
            for (Path file : yamlFiles(path)) {
                files.putIfAbsent(file.toAbsolutePath().normalize(), file);
            }
        }
        return List.copyOf(files.values());
    }

    static List<Path> yamlFiles(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(path + " does not exist");
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        }
    }
}
