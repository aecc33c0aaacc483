package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.worker.FinishedInputs;
import io.palimpsest.api.worker.PlanRefusals;
import io.palimpsest.api.worker.PlanSummary;
import io.palimpsest.worker.config.InputNotReadyException;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.CorruptFileException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.CorruptFiles;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.FilesWithoutDocuments;
import io.palimpsest.worker.plan.ForeignOutput;
import io.palimpsest.worker.plan.InputSample;
import io.palimpsest.worker.plan.ItemsForLimit;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.MissingIds;
import io.palimpsest.worker.plan.NestedOutputs;
import io.palimpsest.worker.plan.PlannedInput;
import io.palimpsest.worker.plan.RecipeMarker;
import io.palimpsest.worker.plan.ScratchBudget;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.UnfinishedInputs;
import io.palimpsest.worker.plan.UnwritableOutput;
import io.palimpsest.worker.recipe.PlainValues;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.ObjectArchivedException;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code palimpsest plan}: list the input, cut shards, read the first records of a file of each kind
 * (a job that would read no document is refused), compile the recipe against the first
 * document, check the output was made by this recipe, store the manifest, index the ids repeated
 * across shards (a pass over the input, skipped when the output holds the index of this manifest),
 * report the shard count.
 * A refusal of the job, its input sample or its output comes before anything is written. The duplicate-id pass reads
 * every file, so its refusals (a file that cannot be decoded, one without the idField, one that holds no document)
 * come after the manifest is stored, and before its index is: no worker runs a plan without its index, and the
 * next {@code plan} reads the input again.
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description =
                "List the input, cut it into shards and write <output>/_palimpsest/manifest.jsonl, then read the shards once to"
                        + " index ids repeated across them (_palimpsest/duplicates/); prints the shard count.")
final class PlanCommand implements Callable<Integer> {

    @Mixin
    PodJobOptions pod;

    @Option(
            names = "--out",
            description = "The run's output, when it was not spec.output.uri (a path, or a URI such as"
                    + " s3://bucket/prefix/), as local --out wrote it.")
    String out;

    @Option(
            names = "--accept-recipe-change",
            description =
                    "Plan even though the output was made with another recipe or model (its committed shards stay as they are"
                            + " and count in the output's totals, which tally and local say apart; checkpoints of the"
                            + " other recipe or model are discarded, not resumed).")
    boolean acceptRecipeChange;

    @Option(
            names = "--fleet-workers",
            description =
                    "Workers the job's model keeps busy at once (set by the operator from the model's largest fleet): shards"
                            + " longer than a quarter of one worker's share of the input are cut into item ranges. Unset: whole files.")
    Integer fleetWorkers;

    @Option(
            names = "--accept-incomplete-input",
            description =
                    "Read an input that holds another campaign's output whose shards are not all committed as it is: its"
                            + " committed shards only (for a campaign known to have ended, some shards failed for good).")
    boolean acceptIncompleteInput;

    @Option(
            names = "--finished-input",
            paramLabel = "<output-uri>",
            description =
                    "The output of a campaign you know has ended: read as it is, with a warning, though some of its"
                            + " shards failed. Repeatable. (The operator tells its planner the campaigns of the"
                            + " RewriteJobs that have Succeeded in $" + FinishedInputs.ENV + ", each read as it is"
                            + " only while its output still holds that campaign.)")
    List<String> finishedInputs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JobManifests.Loaded loaded = null;
        try {
            loaded = pod.load(out);
            try (JobRuntime runtime = new JobRuntime(loaded.job(), pod.environment(), json)) {
                if (fleetWorkers != null && fleetWorkers < 1) {
                    throw new InvalidJobException("--fleet-workers must be at least 1, got " + fleetWorkers);
                }
                PlanSummary summary = plan(
                        runtime,
                        json,
                        acceptRecipeChange,
                        fleetWorkers,
                        accepting(runtime, acceptIncompleteInput, finishedInputs));
                String line = json.writeValueAsString(summary);
                System.out.println(summary.getShards());
                pod.report(line);
                return 0;
            }
        } catch (InvalidJobException e) {
            // the operator puts this in the PlanningFailed condition; a refusal for the input's state is marked, so
            // that the job plans again once the RewriteJob writing its input has Succeeded. The words alone, as a
            // pod's resolved job (no manifest lines) gives them
            pod.report(reported(e, pod.startedByOperator()));
            // read from manifests (-f): the field a refusal is about, at its line, as local names it
            throw loaded == null ? e : loaded.located(e, LocalCommand.overridden(out, null));
        } catch (Exception e) {
            throw loaded == null ? e : StoreRefusals.located(e, loaded, LocalCommand.overridden(out, null));
        }
    }

    /**
     * The words of a refusal for the operator's condition: marked when it is about the input's state; an output made
     * otherwise told, in the operator's pod, what the user can do there (a new RewriteJob), since the flags that
     * accept it are not the user's to pass to the operator's planner.
     */
    static String reported(InvalidJobException e, boolean startedByOperator) {
        if (e instanceof InputNotReadyException) {
            return PlanRefusals.INPUT_NOT_READY + e.getMessage();
        }
        if (e instanceof RecipeMarker.DriftRefusal drift && startedByOperator) {
            return drift.drift() + "; " + OutputDriftException.IN_POD;
        }
        return e.getMessage();
    }

    /**
     * The campaigns that are not whole read as they are: every one with {@code any}, those at the outputs named
     * by hand, and those the operator names in {@link FinishedInputs#ENV} while their output still holds them.
     */
    static UnfinishedInputs.Accepting accepting(JobRuntime runtime, boolean any, List<String> finishedOutputs) {
        List<FinishedInputs.Campaign> campaigns = List.of();
        Optional<String> told = runtime.env(FinishedInputs.ENV);
        if (told.isPresent()) {
            try {
                campaigns = FinishedInputs.decode(told.get());
            } catch (IllegalArgumentException e) {
                throw new InvalidJobException(e.getMessage());
            }
        }
        return new UnfinishedInputs.Accepting(any, finishedOutputs, campaigns);
    }

    static PlanSummary plan(JobRuntime runtime, ObjectMapper json, boolean acceptRecipeChange) throws IOException {
        return plan(runtime, json, acceptRecipeChange, null, UnfinishedInputs.Accepting.NONE);
    }

    /**
     * @param fleetWorkers workers the model keeps busy at once (null: shards are whole files)
     * @param accepting    the other campaigns' outputs read as they are though not whole ({@link UnfinishedInputs})
     */
    static PlanSummary plan(
            JobRuntime runtime,
            ObjectMapper json,
            boolean acceptRecipeChange,
            Integer fleetWorkers,
            UnfinishedInputs.Accepting accepting)
            throws IOException {
        runtime.checkStoresAtStart();
        JobPlanner planner = planner(runtime, json, accepting);
        List<Shard> shards = cut(runtime, planner, fleetWorkers);
        List<String> warnings;
        try {
            warnings = warn(RecipeCheck.compile(
                    runtime.spec.getRecipe(), maxModelLen(runtime), firstDocuments(runtime, shards)));
        } catch (RecipeCheck.Refused e) {
            throw e.invalidJob();
        }
        // someone's files and no campaign: one look at the output's first names, before the listing of it below
        ForeignOutput.refuse(runtime.spec.getOutput().getUri(), runtime.output());
        NestedOutputs.refuse(runtime.spec.getOutput().getUri(), runtime.output(), runtime::storageAt);
        UnwritableOutput.refuse(
                runtime.spec.getOutput().getUri(),
                runtime.output(),
                runtime.spec.getRecipe().getPrompts().stream()
                        .map(PromptVariant::getName)
                        .toList());
        RecipeMarker recipe =
                new RecipeMarker(json).withRecipe(runtime.spec.getRecipe()).withOutput(runtime.outputShape());
        if (!acceptRecipeChange) {
            refuseAnotherJobsOutput(runtime, recipe);
        }
        recipe.check(
                runtime.output(),
                runtime.job.getRecipeHash(),
                runtime.model(),
                runtime.modelIdentity(),
                acceptRecipeChange);
        PlannedInput input = PlannedInput.of(runtime.spec.getInput());
        List<String> inputChanges = inputChanges(runtime, json, input);
        if (!inputChanges.isEmpty() && JobPlanner.workStarted(runtime.output())) {
            throw inputDrift(runtime, json, input, inputChanges);
        }
        JobPlanner.Result result = planner.store(runtime.output(), shards);
        recipe.record(
                runtime.output(),
                runtime.job.getRecipeHash(),
                runtime.model(),
                runtime.modelIdentity(),
                runtime.job.getNamespace(),
                runtime.job.getName());
        if (!inputChanges.isEmpty()) {
            // nothing made under the old reading yet: the plan is read the new way, its id index made again
            System.err.println("note: " + runtime.output().describe(PlannedInput.KEY) + " recorded another reading of"
                    + " the input (" + String.join("; ", inputChanges) + "); nothing was committed yet, so the"
                    + " input is planned and indexed again the new way");
            runtime.output().deleteAll(DuplicateIdIndex.PREFIX);
        }
        input.record(runtime.output(), result.written() || !inputChanges.isEmpty(), json);
        indexDuplicateIds(runtime, json, result.shards());
        String manifest = runtime.output().describe(ShardManifest.KEY);
        if (result.replanned()) {
            System.err.println("note: " + manifest + " no longer matched the input (" + result.difference()
                    + "); nothing was committed yet, so the input was planned again");
        } else if (result.existingDiffers()) {
            System.err.println("warning: " + manifest + " no longer matches the input (" + result.difference()
                    + "); shards are committed against it, so it is kept and the job runs the planned files;"
                    + " write to a new output to take the current input");
        }
        PlanSummary summary = new PlanSummary();
        summary.setShards(result.shardCount());
        summary.setFiles(result.shards().stream()
                .flatMap(s -> s.files().stream())
                .map(f -> f.key())
                .distinct()
                .count());
        summary.setBytes(result.shards().stream().mapToLong(Shard::bytes).sum());
        summary.setManifest(manifest);
        summary.setWarnings(warnings.isEmpty() ? null : warnings);
        return summary;
    }

    /** Longest warning text the summary carries: the termination message holds 4 KiB in all. */
    static final int WARNINGS_MAX_CHARS = 2800;

    /**
     * Prints each of the recipe's {@link RecipeCheck#warnings} ({@code plan}, {@code local}, {@code preview});
     * returns their words, as many as the planner's termination message has room for.
     */
    static List<String> warn(List<RecipeCheck.Problem> warnings) {
        List<String> told = new ArrayList<>();
        int chars = 0;
        for (RecipeCheck.Problem w : warnings) {
            System.err.println("warning: " + w);
            chars += w.toString().length();
            if (chars <= WARNINGS_MAX_CHARS) {
                told.add(w.toString());
            }
        }
        return told;
    }

    /**
     * The planner of the job, looking at the input's listing as it plans ({@link UnfinishedInputs}): {@code plan}'s,
     * and {@code lint --input}'s, which cuts the input with it and stores nothing.
     */
    static JobPlanner planner(JobRuntime runtime, ObjectMapper json, UnfinishedInputs.Accepting accepting) {
        return new JobPlanner(new ShardPlanner(runtime.shardingPolicy()), new ShardManifest(json))
                .checkingInput((input, listed) -> UnfinishedInputs.refuse(
                        runtime.spec.getInput().getUri(), input, listed, runtime::inputStorageAt, accepting));
    }

    /**
     * The input cut into shards, its files counted for {@code input.limit} ({@link ItemsForLimit}) and a file of each
     * kind sampled ({@link InputSample}): {@code plan}'s shards, {@code preview}'s and {@code lint --input}'s.
     *
     * @param fleetWorkers workers the model keeps busy at once (null: shards are whole files)
     */
    static List<Shard> cut(JobRuntime runtime, JobPlanner planner, Integer fleetWorkers) throws IOException {
        // a Parquet file's count is in its footer and the sample reads its first rows: by ranges, no download
        var readers = runtime.readers();
        var inputStorage = runtime.input().storage();
        List<Shard> shards = planner.cut(
                runtime.input(),
                runtime.spec.getInput().getUri(),
                runtime.keyFilter(),
                runtime.spec.getInput().getLimit(),
                new ItemsForLimit(inputStorage, readers),
                fleetWorkers);
        new InputSample(inputStorage, readers, note -> System.err.println("note: " + note)).check(shards);
        return shards;
    }

    /** How the job reads the input otherwise than the output's record ({@link PlannedInput#changesTo}); empty when it does not. */
    static List<String> inputChanges(JobRuntime runtime, ObjectMapper json, PlannedInput input) throws IOException {
        return PlannedInput.read(runtime.output(), json)
                .map(recorded -> recorded.changesTo(input))
                .orElse(List.of());
    }

    /**
     * The refusal of a job that reads the input otherwise than the output's record says, about the first field
     * changed.
     */
    static InvalidJobException inputDrift(
            JobRuntime runtime, ObjectMapper json, PlannedInput input, List<String> changes) throws IOException {
        return new InvalidJobException(
                PlannedInput.refusal(runtime.output().describe(), changes),
                PlannedInput.read(runtime.output(), json)
                        .map(recorded -> recorded.fieldsChangedIn(input))
                        .orElse(List.of()));
    }

    /**
     * Reads every shard of the plan in force as its worker will, unless the output already holds the
     * index for this manifest, and stores which ids of each shard appeared first in an earlier one.
     */
    private static void indexDuplicateIds(JobRuntime runtime, ObjectMapper json, List<Shard> shards)
            throws IOException {
        long start = System.nanoTime();
        byte[] manifest = runtime.output().readAll(ShardManifest.KEY);
        var inputStorage = runtime.input().storage();
        ScratchBudget scratch = ScratchBudget.fromEnvironment(
                runtime.env(ScratchBudget.ENV).orElse(null), System.getProperty("java.io.tmpdir"));
        // a remote Parquet file is read by byte ranges as its workers read it: a shard that is an item range
        // fetches its own row groups, so a file cut into ranges is fetched about once, none of it on local disk
        var readers = runtime.readers();
        int threads = DuplicateIdIndex.threadsFromEnvironment(
                runtime.env(DuplicateIdIndex.THREADS_ENV).orElse(null));
        MissingIds missingIds = new MissingIds(readers.fields());
        CorruptFiles corrupt = new CorruptFiles(readers::formatOf);
        FilesWithoutDocuments noDocuments = new FilesWithoutDocuments(readers);
        // shards whose reading stopped before their end (a file that cannot be decoded or read): their files are
        // not judged by what the pass saw of them
        Set<Integer> stopped = ConcurrentHashMap.newKeySet();
        // shards read to their end with a file whose first items are no document: its worker fails the shard unless
        // the pass found a document in the file (then the plan vouches for it), known once every shard was read
        Map<Integer, List<ShardInput.UnreadableStart>> unreadableStarts = new ConcurrentSkipListMap<>();
        // every item read, as the run's summary counts them: documents with an id, and those without a usable one
        LongAdder items = new LongAdder();
        DuplicateIdIndex.ShardIds reader = (shard, ids) -> {
            // every document as it is, numbered as its worker numbers them: finding the repeats is this pass's job
            FilesWithoutDocuments.ShardTally tally = noDocuments.reading();
            List<ShardInput.UnreadableStart> startFailures = new ArrayList<>();
            try {
                ShardInput.eachId(
                        inputStorage,
                        shard,
                        readers,
                        ids,
                        item -> {
                            items.increment();
                            missingIds.take(item);
                            tally.take(item);
                        },
                        startFailures::add);
                tally.done();
                if (!startFailures.isEmpty()) {
                    // judged below, once every shard was read: its ids are taken unless its worker fails it
                    unreadableStarts.put(shard.index(), startFailures);
                }
                return true;
            } catch (CorruptFileException e) {
                // no attempt can read it: the plan is refused once every shard was read, naming such files
                stopped.add(shard.index());
                corrupt.take(e);
                return false;
            } catch (ShardDataException e) {
                stopped.add(shard.index());
                Optional<ObjectArchivedException> archived = ObjectArchivedException.in(e);
                if (archived.isPresent()) {
                    // the planner read it and knows no attempt of its shard can: no plan with a shard
                    // known to fail (the manifest just stored has no index, so no worker runs it)
                    throw InputSample.archivedInput(archived.get().object(), archived.get());
                }
                System.err.println("warning: shard " + shard.index() + ": " + e.getMessage()
                        + "; its ids take no part in the duplicate-id check (its worker fails it, committing nothing)");
                return false;
            }
        };
        // a file that cannot be decoded, one without the named idField in any record, or one whose records hold no
        // document fails the plan before its index is written
        DuplicateIdIndex.ReadCheck filesWithoutIds = unreadable -> {
            corrupt.refuse(inputStorage::describe);
            Set<String> unread = shards.stream()
                    .filter(s -> stopped.contains(s.index()))
                    .flatMap(s -> s.files().stream())
                    .map(ShardFile::key)
                    .collect(Collectors.toSet());
            missingIds.refuseFilesWithout(unread, inputStorage::describe);
            noDocuments.refuse(unread, inputStorage);
            return vouched(unreadableStarts, noDocuments);
        };
        DuplicateIdIndex.Summary index = new DuplicateIdIndex(json, DuplicateIdIndex.defaultMemory(), scratch, threads)
                .ensure(runtime.output(), shards, manifest, reader, filesWithoutIds);
        if (!index.built()) {
            return;
        }
        missingIds.strayRecords(inputStorage::describe).ifPresent(note -> System.err.println("note: " + note));
        String within = index.repeatsWithinShards() == 0
                ? ""
                : "; " + index.repeatsWithinShards()
                        + " document(s) repeat an id earlier in their own shard, rejected as duplicate_id";
        String read = idsAmong(index.documents(), items.sum(), shards.size(), (System.nanoTime() - start) / 1e9);
        if (index.duplicates() == 0) {
            System.err.printf("duplicate ids: none across shards (%s)%s%n", read, within);
        } else {
            System.err.printf(
                    "duplicate ids: %s; %d id(s) repeat one in an earlier shard"
                            + " (%d shard(s)): the first occurrence wins, the others will be rejected as duplicate_id%s%n",
                    read, index.duplicates(), index.shardsWithDuplicates(), within);
        }
    }

    /**
     * The files whose first items (or a range's) are no document though the pass found a document in them: the plan
     * vouches for them, so their workers reject those lines one by one rather than fail the shard
     * ({@link DuplicateIdIndex#WAIVED_STARTS}), and a note says so. A shard with such a file the pass found no
     * document in (one the plan is not refused for only because another of its shards could not be read) fails at
     * its worker all the same: it wins no id, with a warning. Once every shard was read and the plan not refused.
     */
    static DuplicateIdIndex.ReadVerdict vouched(
            Map<Integer, List<ShardInput.UnreadableStart>> unreadableStarts, FilesWithoutDocuments noDocuments) {
        Set<Integer> failing = new TreeSet<>();
        Set<String> waived = new TreeSet<>();
        unreadableStarts.forEach((shard, starts) -> {
            for (ShardInput.UnreadableStart start : starts) {
                if (noDocuments.documentIn(start.key())) {
                    waived.add(start.key());
                    System.err.println("note: shard " + shard + ": " + start.problem() + "; the planner read the whole"
                            + " file and found documents in it, so its worker rejects such lines as "
                            + start.rejectedAs().stream().map(ItemReason::code).collect(Collectors.joining(", "))
                            + ", each counted with its line, and reads on");
                } else {
                    failing.add(shard);
                    System.err.println("warning: shard " + shard + ": " + start.problem()
                            + "; its ids take no part in the duplicate-id check (its worker fails it, committing"
                            + " nothing)");
                }
            }
        });
        return new DuplicateIdIndex.ReadVerdict(failing, waived);
    }

    /**
     * What the duplicate-id pass counted: the ids it compared among the documents it read (the run's summary
     * counts the same documents as read), and how many records read were not compared: blank lines and empty
     * texts, malformed lines, records without a text or an id (some of them have an id; none is a document the
     * run rewrites: it skips or rejects them).
     */
    static String idsAmong(long ids, long read, int shards, double seconds) {
        long without = Math.max(0, read - ids);
        return String.format(
                "%s among %s read from %s in %.1f s%s",
                Plural.of(ids, "id"),
                Plural.of(Math.max(read, ids), "document"),
                Plural.of(shards, "shard"),
                seconds,
                without == 0
                        ? ""
                        : "; " + Plural.of(without, "record") + " not compared (empty, malformed, or no text or id)");
    }

    /** The context length of the job's model, as the operator resolved it into job.yaml; null when unknown. */
    static Integer maxModelLen(JobRuntime runtime) {
        return runtime.job.getModel() == null ? null : runtime.job.getModel().getMaxModelLen();
    }

    /**
     * The first readable documents of the plan (at most {@link RecipeCheck#SAMPLE}), for the recipe's probe
     * render; empty when its first shard has none. Each file is read on past lines that are no document, however
     * many: a file whose first document comes late is planned (its worker rejects those lines), so its documents
     * must meet the probe, or a template no document can render would reject every one of them. The sample read the
     * first file of each kind to its first document already, and a file with none is refused.
     */
    private static List<SourceDocument> firstDocuments(JobRuntime runtime, List<Shard> shards) {
        var readers = runtime.readers();
        List<SourceDocument> out = new ArrayList<>();
        for (var file : shards.get(0).files()) {
            try (var reader = readers.open(runtime.input().storage(), file.key())) {
                InputItem item;
                while (out.size() < RecipeCheck.SAMPLE && (item = reader.next()) != null) {
                    if (item instanceof Document d) {
                        out.add(new SourceDocument(d.id(), d.text(), PlainValues.objectOf(d.metadata())));
                    }
                }
            } catch (IOException | RuntimeException e) {
                return out; // unreadable input is the shard's to report, with its reason, not the plan's
            }
            if (out.size() >= RecipeCheck.SAMPLE) {
                break;
            }
        }
        return out;
    }

    /**
     * An output another job planned (another name in its marker) whose recipe or model differ is
     * another campaign's: said so, rather than as a recipe change of this one that
     * --accept-recipe-change would accept. So is one a job of another namespace planned (its marker's
     * {@code namespace}), even with the same name, recipe and model: resuming it would make one
     * campaign of two teams' jobs. A job renamed within its namespace (or where either namespace is
     * not known) with the same recipe and model runs on.
     */
    private static void refuseAnotherJobsOutput(JobRuntime runtime, RecipeMarker recipe) throws IOException {
        String elsewhere = recipe.ownedElsewhere(runtime.output(), runtime.job.getNamespace(), runtime.job.getName());
        if (elsewhere != null) {
            throw new RecipeMarker.DriftRefusal(
                    elsewhere,
                    ": ",
                    "write this job's output elsewhere (spec.output.uri, or --out locally); pass"
                            + " --accept-recipe-change (palimpsest plan, local) only if this job is that one moved to"
                            + " this namespace",
                    List.of());
        }
        String drift =
                recipe.drift(runtime.output(), runtime.job.getRecipeHash(), runtime.model(), runtime.modelIdentity());
        if (drift == null) {
            return;
        }
        String name = runtime.job.getName();
        Optional<String> other = recipe.recordedJob(runtime.output()).filter(job -> !job.equals(name));
        if (other.isPresent()) {
            throw new RecipeMarker.DriftRefusal(
                    runtime.output().describe() + " holds the output of job '" + other.get() + "', and this is job '"
                            + name + "' with another recipe or model (" + drift + ")",
                    ": ",
                    "write this job's output elsewhere (spec.output.uri, or --out locally); pass"
                            + " --accept-recipe-change only if this job is that one renamed and changed",
                    List.of());
        }
    }
}
