package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.FinishedInputs;
import io.palimpsest.worker.config.InputNotReadyException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.ManyReads;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageUri;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.text.Plural;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Another campaign's output is read only whole. An input that is another campaign's output, inside it or
 * around it, while that campaign's shards are not all committed (fewer receipts under {@code
 * _palimpsest/receipts/} than shards in its {@code _palimpsest/manifest.jsonl}) would give only the shards
 * committed so far, and this job would Succeed with a fraction of it: two chained stages started at once,
 * or a stage started after the one before it failed. The planner refuses it, naming that output and how
 * many of its shards are committed, as the operator holds a job whose input is an unfinished RewriteJob's
 * output ({@code InputInProgress}). A receipt that names another plan than the campaign's plan in force ({@link
 * PlanIdentity}: left by a run of a plan that output held before it was emptied and planned again) is not one of its
 * shards committed; the receipts are read for it (a GET each) only where such a one could change the answer: when
 * they are as many as the shards, and when a job that Succeeded there is taken to be held by them. Below and at the
 * input the listing the planner makes anyway is read; above it, one look per folder (one HEAD on S3; credentials that
 * may not read above their prefix leave it unchecked, with a warning).
 *
 * <p>A campaign that has ended with shards that failed for good (its job Succeeded within {@code
 * spec.retry.maxFailedShards}) stays short of receipts for ever. Such an output is taken as it is when the
 * planner is told it is finished ({@link Accepting}): by the operator, naming the campaigns of the RewriteJobs
 * that have Succeeded ({@link FinishedInputs#ENV}), or by a user who knows the campaign has ended ({@code
 * --finished-input <output>}, {@code --accept-incomplete-input}); a warning then names how many of its shards are
 * committed. A campaign the operator names is taken only while the output still holds it: the same number of
 * shards planned, at least the receipts that job committed, the recipe it recorded. An output written again since
 * (a rerun into it, perhaps left part-way) holds another campaign, which is refused naming both.
 *
 * <p>A shard's output files are assembled in its variants' folders just before its receipt is created, so a last
 * attempt that stopped between the two leaves them there with no receipt, and its shard is not committed. Of a
 * campaign it reads, whole or taken as it is, the planner leaves out such files: every {@code
 * <variant>/shard-NNNNN.jsonl} file of that output that no receipt of its plan in force lists (receipts list the
 * files they commit, {@code outputs}), saying how many and why in one note. The receipts are read for it only when
 * such a file is among what the input holds, and a whole campaign's are read anyway.
 */
public final class UnfinishedInputs {
    private static final String RECEIPTS =
            "_palimpsest/receipts/"; // ShardLayout.receiptsFolder(): plan may not depend on run
    private static final ObjectMapper MARKER_JSON = new ObjectMapper();
    /** A shard's output file of one variant, as its commit assembles it, under the campaign's output. */
    private static final Pattern OUTPUT_FILE = Pattern.compile("[^/_][^/]*/shard-[0-9]+\\.jsonl(\\.[A-Za-z0-9]+)?");
    /** The files a note of files left out names. */
    private static final int NAMED = 3;

    private UnfinishedInputs() {}

    /**
     * Which campaigns that are not whole are read as they are.
     *
     * @param any               every one ({@code --accept-incomplete-input}: the user knows they have ended)
     * @param finishedOutputs   the outputs whose campaign, whichever it is, the user knows has ended ({@code
     *                          --finished-input}), as URIs the input's settings open
     * @param finishedCampaigns the campaigns of the RewriteJobs that have Succeeded ({@link FinishedInputs#ENV}, from
     *                          the operator): each is read as it is only while its output still holds it
     */
    public record Accepting(
            boolean any, List<String> finishedOutputs, List<FinishedInputs.Campaign> finishedCampaigns) {
        public static final Accepting NONE = new Accepting(false, List.of());

        public Accepting {
            finishedOutputs = List.copyOf(finishedOutputs);
            finishedCampaigns = List.copyOf(finishedCampaigns);
        }

        public Accepting(boolean any, List<String> finishedOutputs) {
            this(any, finishedOutputs, List.of());
        }
    }

    /** {@link #refuse(String, InputRoot, List, NestedOutputs.Opener, Accepting)} accepting no unfinished campaign. */
    public static List<StoredObject> refuse(
            String inputUri, InputRoot input, List<StoredObject> listed, NestedOutputs.Opener opener)
            throws IOException {
        return refuse(inputUri, input, listed, opener, Accepting.NONE);
    }

    /**
     * @param inputUri the input as the job names it
     * @param listed   the objects the input's listing gave (every key under a folder input; the file of a one-file
     *                 input)
     * @param opener   opens a storage at a URI with the input's settings
     * @param accepting the campaigns that are read as they are, with a warning, though not whole
     * @return {@code listed} without the output files of a campaign there that no receipt of its plan in force lists
     */
    public static List<StoredObject> refuse(
            String inputUri,
            InputRoot input,
            List<StoredObject> listed,
            NestedOutputs.Opener opener,
            Accepting accepting)
            throws IOException {
        Check check = new Check(inputUri, opener, accepting);
        Storage storage = input.storage();
        List<String> listedKeys = listed.stream().map(StoredObject::key).toList();
        for (String key : listedKeys) {
            if (!key.equals(ShardManifest.KEY) && !key.endsWith("/" + ShardManifest.KEY)) {
                continue;
            }
            String prefix = key.substring(0, key.length() - ShardManifest.KEY.length());
            List<String> receipts = listedKeys.stream()
                    .filter(k -> k.startsWith(prefix + RECEIPTS) && k.endsWith(".json"))
                    .toList();
            Map<String, String> outputFiles = new LinkedHashMap<>();
            for (String k : listedKeys) {
                if (k.startsWith(prefix)) {
                    outputFile(outputFiles, k.substring(prefix.length()), k);
                }
            }
            check.campaign(storage, prefix, receipts, outputFiles);
        }
        if (storage instanceof FileStorage files) {
            List<Path> folders = new ArrayList<>();
            for (Path p = files.root().getParent(); p != null; p = p.getParent()) {
                folders.add(0, p);
            }
            if (input.singleKey().isPresent()) {
                folders.add(files.root());
            }
            for (Path folder : folders) {
                if (Files.isRegularFile(folder.resolve(ShardManifest.KEY))) {
                    FileStorage above = new FileStorage(folder);
                    check.campaign(
                            above,
                            "",
                            receipts(above, ""),
                            outputFiles(
                                    folder.relativize(files.root()).toString().replace(File.separatorChar, '/'),
                                    listedKeys));
                }
            }
            return check.kept(input, listed);
        }
        StorageUri parsed = StorageUri.parse(inputUri);
        if (parsed.scheme() != StorageUri.Scheme.S3) {
            return check.kept(input, listed);
        }
        List<String> segments = Arrays.stream(parsed.path().split("/"))
                .filter(s -> !s.isEmpty() && !s.equals("."))
                .toList();
        // the folders above the input (a one-file input's path ends in the file: its own folder is among them)
        int depths = segments.size();
        if (depths == 0) {
            return check.kept(input, listed);
        }
        // the folders of the input's storage: a one-file input's are its file's
        List<String> root = input.singleKey().isPresent() ? segments.subList(0, depths - 1) : segments;
        List<String> refused = new ArrayList<>();
        try (Storage bucket = opener.open("s3://" + parsed.authority())) {
            for (int depth = 0; depth < depths; depth++) {
                String folder = String.join("/", segments.subList(0, depth));
                String prefix = folder.isEmpty() ? "" : folder + "/";
                try {
                    if (bucket.exists(prefix + ShardManifest.KEY)) {
                        check.campaign(
                                bucket,
                                prefix,
                                receipts(bucket, prefix),
                                outputFiles(String.join("/", root.subList(depth, root.size())), listedKeys));
                    }
                } catch (StoreRefusedException e) {
                    refused.add(bucket.describe(prefix + ShardManifest.KEY));
                }
            }
        }
        if (!refused.isEmpty()) {
            System.err.println("warning: the input's credentials may not read " + String.join(", ", refused)
                    + ", so whether " + inputUri + " is inside another campaign's unfinished output there was not"
                    + " checked");
        }
        return check.kept(input, listed);
    }

    /**
     * The listed keys that are output files of a campaign whose output holds the input's storage at {@code at}
     * (a folder under that output, "" for the output itself), by their key under that output.
     */
    private static Map<String, String> outputFiles(String at, List<String> listedKeys) {
        String above = at.isEmpty() ? "" : at + "/";
        Map<String, String> files = new LinkedHashMap<>();
        for (String k : listedKeys) {
            outputFile(files, above + k, k);
        }
        return files;
    }

    /** Adds {@code key} as {@code underOutput} when that is a shard's output file of one variant. */
    private static void outputFile(Map<String, String> files, String underOutput, String key) {
        if (OUTPUT_FILE.matcher(underOutput).matches()) {
            files.put(underOutput, key);
        }
    }

    /**
     * Whether the campaign found (its plan's shards, its receipts, the recipe its marker records) is still {@code
     * succeeded}'s: as many shards planned, at least the receipts that job committed (a campaign that has ended gains
     * receipts only from a rerun of the same plan), the same recipe. What the job's status did not record is not
     * compared.
     */
    static boolean holds(FinishedInputs.Campaign succeeded, long shards, long receipts, String recipeHash) {
        return (succeeded.getShards() == null || succeeded.getShards() == shards)
                && (succeeded.getCommitted() == null || receipts >= succeeded.getCommitted())
                && (succeeded.getRecipeHash() == null
                        || succeeded.getRecipeHash().equals(recipeHash));
    }

    /** The campaign of a job that has Succeeded, as a refusal names it. */
    private static String said(FinishedInputs.Campaign c) {
        return "RewriteJob " + c.getJob() + " Succeeded with there ("
                + (c.getShards() == null ? "shards not recorded" : Plural.of(c.getShards(), "shard"))
                + (c.getCommitted() == null ? "" : ", " + c.getCommitted() + " committed")
                + (c.getRecipeHash() == null ? "" : ", recipe " + c.getRecipeHash()) + ")";
    }

    /** The recipe hash the campaign at {@code prefix} records ({@link RecipeMarker#KEY}); null when none is. */
    private static String recipeHash(Storage storage, String prefix) throws IOException {
        return new RecipeMarker(MARKER_JSON)
                .markerAt(storage, prefix)
                .map(RecipeMarker.Recorded::recipeHash)
                .orElse(null);
    }

    private static List<String> receipts(Storage storage, String prefix) throws IOException {
        return storage.list(prefix + RECEIPTS).stream()
                .map(StoredObject::key)
                .filter(k -> k.endsWith(".json"))
                .toList();
    }

    /**
     * A campaign's receipts, counted by their keys and read (a GET each) only where one of another plan than the plan
     * in force would change the answer: where the keys are as many as its shards (whole, or not), and where a job that
     * Succeeded there is held by as many committed as it recorded. A receipt that names another plan (left by a run of
     * a plan the output held before it was emptied and planned again, {@link PlanIdentity}) is not one of its shards
     * committed; one of an earlier version names none and counts as before.
     */
    private static final class Receipts {
        private final Storage storage;
        private final List<String> keys;
        private final String plan;
        /** How many name another plan; null until they are read. */
        private Long ofAnotherPlan;
        /** The files the receipts of the plan in force list, by their key under the output; null until read. */
        private Set<String> listed;

        Receipts(Storage storage, List<String> keys, String plan) {
            this.storage = storage;
            this.keys = keys;
            this.plan = plan;
        }

        /** The shards committed under the plan in force, read. */
        long committed() throws IOException {
            if (ofAnotherPlan == null) {
                long[] another = {0};
                Set<String> files = new HashSet<>();
                ManyReads.inOrder(storage, keys, ManyReads.IN_FLIGHT, (key, bytes) -> {
                    JsonNode receipt = MARKER_JSON.readTree(bytes);
                    JsonNode recorded = receipt == null ? null : receipt.get("planSha256");
                    if (PlanIdentity.another(
                            recorded == null || !recorded.isTextual() ? null : recorded.asText(), plan)) {
                        another[0]++;
                    } else if (receipt != null) {
                        for (JsonNode output : receipt.path("outputs")) {
                            if (output.path("key").isTextual()) {
                                files.add(output.path("key").asText());
                            }
                        }
                    }
                });
                ofAnotherPlan = another[0];
                listed = files;
            }
            return keys.size() - ofAnotherPlan;
        }

        /** The files the receipts of the plan in force list (they commit), by their key under the output; read. */
        Set<String> listed() throws IOException {
            committed();
            return listed;
        }

        /** The shards committed, as far as they were read: by key where the receipts were not read. */
        long counted() {
            return keys.size() - (ofAnotherPlan == null ? 0 : ofAnotherPlan);
        }

        /** What the receipts of another plan are, when some were read; empty otherwise. */
        String ofAnotherPlan() {
            if (ofAnotherPlan == null || ofAnotherPlan == 0) {
                return "";
            }
            boolean one = ofAnotherPlan == 1;
            return " (" + ofAnotherPlan + " more " + (one ? "receipt there names" : "receipts there name")
                    + " another plan than the one in force, " + plan + ": a run of a plan that output held before it"
                    + " was emptied and planned again left " + (one ? "it, and it is" : "them, and they are")
                    + " not counted)";
        }
    }

    /** The look at each campaign the input holds or is inside of. */
    private static final class Check {
        private final String inputUri;
        private final NestedOutputs.Opener opener;
        private final Accepting accepting;
        /** Where the outputs named finished are, as {@link #place} names them; opened at the first campaign not whole. */
        private Set<String> named;
        /** The campaigns of the jobs that have Succeeded by where they are; opened likewise. */
        private Map<String, List<FinishedInputs.Campaign>> campaigns;
        /** The listed keys left out: output files no receipt of their campaign's plan in force lists. */
        private final Set<String> leftOut = new HashSet<>();

        Check(String inputUri, NestedOutputs.Opener opener, Accepting accepting) {
            this.inputUri = inputUri;
            this.opener = opener;
            this.accepting = accepting;
        }

        /**
         * Refuses the campaign at {@code prefix} of {@code storage} when fewer of its shards are committed than
         * planned, unless it is accepted as it is; of one read, leaves out the output files no receipt lists.
         *
         * @param outputFiles the listed keys that are output files of that campaign, by their key under its output
         */
        void campaign(Storage storage, String prefix, List<String> receiptKeys, Map<String, String> outputFiles)
                throws IOException {
            String manifestKey = prefix + ShardManifest.KEY;
            byte[] manifest = storage.readAll(manifestKey);
            long shards = new String(manifest, StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank())
                    .count();
            Receipts receipts = new Receipts(storage, receiptKeys, PlanIdentity.of(manifest));
            refuseUnlessTaken(storage, prefix, manifestKey, shards, receipts);
            if (outputFiles.isEmpty()) {
                return;
            }
            Set<String> committed = receipts.listed();
            List<String> uncommitted = outputFiles.keySet().stream()
                    .filter(f -> !committed.contains(f))
                    .sorted()
                    .toList();
            if (uncommitted.isEmpty()) {
                return;
            }
            uncommitted.forEach(f -> leftOut.add(outputFiles.get(f)));
            System.err.println("note: " + Plural.of(uncommitted.size(), "file") + " of the output "
                    + storage.describe(prefix) + " left out of this job's input, as no receipt of its plan in force"
                    + " lists " + (uncommitted.size() == 1 ? "it" : "them") + " ("
                    + String.join(", ", uncommitted.subList(0, Math.min(NAMED, uncommitted.size())))
                    + (uncommitted.size() > NAMED ? ", ..." : "") + "): not committed there (a shard's last attempt"
                    + " stopped after assembling " + (uncommitted.size() == 1 ? "it" : "them")
                    + ", before its receipt)");
        }

        /** {@code listed} without the keys left out; refuses a one-file input that is left out. */
        List<StoredObject> kept(InputRoot input, List<StoredObject> listed) {
            if (input.singleKey().isPresent()
                    && leftOut.contains(input.singleKey().get())) {
                throw new InputNotReadyException(
                        ManifestField.job("spec.input.uri"),
                        "spec.input.uri " + inputUri + " is an output file that no receipt of its campaign's plan in"
                                + " force lists: its shard is not committed there, so it is not read; run that"
                                + " campaign's shard again (it commits the file with its receipt), or name another"
                                + " input");
            }
            if (leftOut.isEmpty()) {
                return listed;
            }
            return listed.stream().filter(o -> !leftOut.contains(o.key())).toList();
        }

        /** Refuses the campaign when fewer of its shards are committed than planned, unless it is taken as it is. */
        private void refuseUnlessTaken(
                Storage storage, String prefix, String manifestKey, long shards, Receipts receipts) throws IOException {
            // only a receipt of another plan makes a campaign of this many receipts look whole: read them then
            if (receipts.keys.size() >= shards && receipts.committed() >= shards) {
                return;
            }
            String output = storage.describe(prefix);
            String place = place(output);
            boolean named = named().contains(place);
            List<FinishedInputs.Campaign> succeeded =
                    named ? List.of() : campaigns().getOrDefault(place, List.of());
            String recipe = succeeded.isEmpty() ? null : recipeHash(storage, prefix);
            for (FinishedInputs.Campaign c : succeeded) {
                if (c.getCommitted() != null && holds(c, shards, receipts.counted(), recipe)) {
                    receipts.committed(); // whether as many as that job committed are still of the plan in force
                    break;
                }
            }
            long committed = receipts.counted();
            String notWhole = "spec.input.uri " + inputUri + " holds the output " + output
                    + " of a campaign that is not whole: " + committed + " of " + Plural.of(shards, "shard")
                    + " committed" + receipts.ofAnotherPlan();
            long missing = shards - committed;
            if (named) {
                System.err.println("warning: " + notWhole + "; --finished-input names it as ended, so the other "
                        + Plural.of(missing, "shard") + " failed in that campaign and stay missing: this job reads"
                        + " the committed ones as they are, without the documents of those");
                return;
            }
            for (FinishedInputs.Campaign c : succeeded) {
                if (holds(c, shards, committed, recipe)) {
                    System.err.println("warning: " + notWhole + "; the job that wrote it (RewriteJob " + c.getJob()
                            + ") has Succeeded, so the other " + Plural.of(missing, "shard") + " failed in that job"
                            + " (within its spec.retry.maxFailedShards) and stay missing: this job reads the committed"
                            + " ones as they are, without the documents of those");
                    return;
                }
            }
            if (accepting.any()) {
                System.err.println("warning: " + notWhole + "; --accept-incomplete-input takes it as it is: this"
                        + " job reads the committed shards, without the documents of the other "
                        + Plural.of(missing, "shard"));
                return;
            }
            String another = "";
            if (!succeeded.isEmpty()) {
                another = ", recipe " + (recipe == null ? "not recorded" : recipe) + "; it is not the campaign "
                        + succeeded.stream().map(UnfinishedInputs::said).collect(Collectors.joining(", nor "))
                        + ": that output was written again since (a rerun into it, perhaps stopped part-way)";
            }
            throw new InputNotReadyException(
                    ManifestField.job("spec.input.uri"),
                    notWhole + another + " (receipts under "
                            + storage.describe(prefix + RECEIPTS) + " against the plan " + storage.describe(manifestKey)
                            + "); read now, it would give only the shards committed so far: plan this job once that campaign"
                            + " has finished every shard (run it again into the same output: it skips the shards already"
                            + " committed), or copy what it committed (without its _palimpsest/ folder) elsewhere and point"
                            + " spec.input.uri there; if that campaign has ended and its committed shards are all you want,"
                            + " plan with --accept-incomplete-input (plan, local) to read them as they are");
        }

        /** The outputs named by {@code --finished-input}, as {@link #place} names them. */
        private Set<String> named() {
            if (named == null) {
                named = new HashSet<>();
                for (String uri : accepting.finishedOutputs()) {
                    String at = placeOf(uri, "--finished-input " + uri);
                    if (at != null) {
                        named.add(at);
                    }
                }
            }
            return named;
        }

        /** The campaigns of the jobs that have Succeeded, by where their output is, as {@link #place} names it. */
        private Map<String, List<FinishedInputs.Campaign>> campaigns() {
            if (campaigns == null) {
                campaigns = new HashMap<>();
                for (FinishedInputs.Campaign c : accepting.finishedCampaigns()) {
                    String at = placeOf(c.getOutput(), "the output " + c.getOutput() + " of RewriteJob " + c.getJob());
                    if (at != null) {
                        campaigns.computeIfAbsent(at, k -> new ArrayList<>()).add(c);
                    }
                }
            }
            return campaigns;
        }

        /** Where {@code uri} is, as {@link #place} names it; null, with a warning, when it cannot be opened. */
        private String placeOf(String uri, String what) {
            try (Storage at = opener.open(uri)) {
                return place(at.describe());
            } catch (IOException | RuntimeException e) {
                // not read as finished: a campaign there that is not whole is refused as any other
                System.err.println("warning: " + what + " could not be opened (" + e.getMessage()
                        + "), so a campaign there that is not whole is refused");
                return null;
            }
        }

        /** A location as {@link Storage#describe} gives it, without the trailing slashes a folder may have. */
        private static String place(String described) {
            String out = described;
            while (out.endsWith("/")) {
                out = out.substring(0, out.length() - 1);
            }
            return out;
        }
    }
}
