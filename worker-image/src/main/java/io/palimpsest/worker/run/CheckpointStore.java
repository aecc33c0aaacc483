package io.palimpsest.worker.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.plan.OutputShape;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.RecipeMarker;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Reads and creates part markers. Markers are numbered 0, 1, 2... (a writer takes the lowest free
 * number), and one counts only when its items overlap no earlier marker's (a correct writer never
 * creates such a one; if one were there, its items would be redone, never doubled). A number is
 * free again only when its part was withdrawn ({@link #withdrawDamaged}): the markers after it still
 * count, and the withdrawn part's items are redone under the free number.
 */
public final class CheckpointStore {

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class.getName());

    /** What the markers say: the parts that count, the items they cover, the shard's size if known, the next free number. */
    public record State(List<PartMarker> parts, ItemRanges done, Long total, int nextPart) {

        /** Every item of the shard is in exactly one part. */
        public boolean complete() {
            return total != null && done.isExactly(total);
        }
    }

    private final Storage storage;
    private final ShardLayout layout;
    private final ObjectMapper json;

    /** How the parts this store creates are made (their markers say so); null: not said. */
    private final String recipeHash;

    private final String model;
    private final String modelIdentity;
    /** The plan the parts this store creates are written under (their markers say so); null: not said. */
    private final String planSha256;
    /** How the records and files of the parts this store creates are shaped (their markers say so); null: not said. */
    private final OutputShape output;

    public CheckpointStore(Storage storage, ShardLayout layout, ObjectMapper json) {
        this(storage, layout, json, null, null, null, null);
    }

    /** A store whose new markers record the recipe hash and model the parts are made with. */
    public CheckpointStore(Storage storage, ShardLayout layout, ObjectMapper json, String recipeHash, String model) {
        this(storage, layout, json, recipeHash, model, null, null);
    }

    /** A store whose new markers also record the plan they are written under ({@link PlanIdentity}). */
    public CheckpointStore(
            Storage storage,
            ShardLayout layout,
            ObjectMapper json,
            String recipeHash,
            String model,
            String modelIdentity,
            String planSha256) {
        this(storage, layout, json, recipeHash, model, modelIdentity, planSha256, null);
    }

    /** A store whose new markers also record the {@link OutputShape} the parts are written with. */
    public CheckpointStore(
            Storage storage,
            ShardLayout layout,
            ObjectMapper json,
            String recipeHash,
            String model,
            String modelIdentity,
            String planSha256,
            OutputShape output) {
        this.output = output;
        this.planSha256 = planSha256;
        this.storage = storage;
        this.layout = layout;
        this.json = json;
        this.recipeHash = recipeHash;
        this.model = model;
        this.modelIdentity = modelIdentity;
    }

    /**
     * What makes the shard's parts unfit to resume for an attempt made with {@code recipeHash} and
     * {@code model}: the first part marker (in number order) that names another recipe or model, as
     * {@code "part N was made with recipe a"}, or that does not say (a marker of an earlier version,
     * which recorded neither: how it was made is unknown, so it may be another recipe's or model's);
     * null when every marker matches. A recipe hash or model the attempt does not have (null) is not
     * compared. Such parts are discarded, so that a receipt never counts work of another recipe or
     * model as its own.
     */
    public String madeOtherwise(String recipeHash, String model) throws IOException {
        return madeOtherwise(recipeHash, model, null);
    }

    /**
     * {@link #madeOtherwise(String, String)}, and a part whose marker names another model identity
     * (other weights behind the same name) than {@code modelIdentity}; a marker without one is not
     * compared, nor is the simulator's (its work is kept apart by {@code _palimpsest/simulated.json}).
     * Also a part written under another plan than this store's ({@link #ofAnotherPlan}), and one whose records and
     * files were shaped otherwise than this store's ({@link OutputShape}: {@code keepOriginal}, {@code compression}),
     * or that does not say (a marker of an earlier version) while this store knows its own.
     */
    public String madeOtherwise(String recipeHash, String model, String modelIdentity) throws IOException {
        for (StoredObject object : storage.list(layout.checkpointPrefix())) {
            if (!ShardLayout.isMarker(object.key())) {
                continue;
            }
            PartMarker marker = read(object.key());
            if (recipeHash != null && marker.recipeHash() == null) {
                return "part " + marker.part() + " records no recipe (written by an earlier version), so it cannot be"
                        + " known to be made with this attempt's recipe " + recipeHash;
            }
            if (recipeHash != null && !marker.recipeHash().equals(recipeHash)) {
                return "part " + marker.part() + " was made with recipe " + marker.recipeHash() + ", this attempt's is "
                        + recipeHash;
            }
            if (model != null && marker.model() == null) {
                return "part " + marker.part() + " records no model (written by an earlier version), so it cannot be"
                        + " known to be made with this attempt's model '" + model + "'";
            }
            if (model != null && !marker.model().equals(model)) {
                return "part " + marker.part() + " was made with model '" + marker.model() + "', this attempt's is '"
                        + model + "'";
            }
            if (!RecipeMarker.sameIdentity(marker.modelIdentity(), modelIdentity)) {
                return "part " + marker.part() + " was made with model '" + marker.model() + "' as ["
                        + marker.modelIdentity() + "], this attempt's is [" + modelIdentity + "]";
            }
            if (PlanIdentity.another(marker.planSha256(), planSha256)) {
                return ofAnotherPlan(marker);
            }
            if (output != null && marker.output() == null) {
                return "part " + marker.part() + " records no output settings (written by an earlier version), so it"
                        + " cannot be known to hold records and files shaped as this attempt's (spec.output.keepOriginal "
                        + output.keepOriginal() + ", spec.output.compression " + output.compression() + ")";
            }
            List<OutputShape.Change> shaped =
                    output == null ? List.of() : marker.output().changesTo(output);
            if (!shaped.isEmpty()) {
                OutputShape.Change first = shaped.get(0);
                return "part " + marker.part() + " was written with " + first.path() + " " + first.recorded()
                        + ", this attempt's is " + first.job();
            }
        }
        return null;
    }

    /**
     * What says part {@code marker} was written under another plan than this store's (a run of an earlier plan still
     * writing after the output was planned again); null when it was not, or when either does not say.
     */
    public String ofAnotherPlan(PartMarker marker) {
        if (!PlanIdentity.another(marker.planSha256(), planSha256)) {
            return null;
        }
        return "part " + marker.part() + " was written under plan " + marker.planSha256() + " (by writer "
                + marker.writer() + "), this attempt's plan is " + planSha256;
    }

    public State read() throws IOException {
        List<PartMarker> parts = new ArrayList<>();
        ItemRanges done = new ItemRanges();
        Long total = null;
        int next = 0;
        boolean gap = false;
        for (StoredObject object : storage.list(layout.checkpointPrefix())) {
            if (!ShardLayout.isMarker(object.key())) {
                continue;
            }
            PartMarker marker;
            try {
                marker = read(object.key());
            } catch (NoSuchFileException deletedMeanwhile) {
                continue; // withdrawn (or cleaned up) since the listing
            }
            // a number withdrawn after a mismatch is the next free one: its items are redone under it
            gap |= marker.part() != next;
            if (!gap) {
                next++;
            }
            if (!accept(done, marker)) {
                LOG.warning(layout.shardName() + " part " + marker.part()
                        + " overlaps earlier parts; its items are redone");
                continue;
            }
            parts.add(marker);
            if (marker.total() != null) {
                total = marker.total();
            }
        }
        return new State(parts, done, total, next);
    }

    /** Adds the marker's items to {@code done} if they overlap none of it; false (nothing added) otherwise. */
    static boolean accept(ItemRanges done, PartMarker marker) {
        if (marker.items().overlaps(done)) {
            return false;
        }
        done.addAll(marker.items());
        return true;
    }

    public PartMarker read(String key) throws IOException {
        JsonNode node = json.readTree(storage.readAll(key));
        if (node.has("items")) {
            return json.treeToValue(node, PartMarker.class);
        }
        // a marker of an earlier version (parts in input order): items [start, end), the shard's end when last
        ItemRanges items = new ItemRanges();
        items.addRange(node.path("start").asLong(), node.path("end").asLong());
        Long total = node.path("last").asBoolean() ? node.path("end").asLong() : null;
        return new PartMarker(
                node.path("part").asInt(),
                items,
                total,
                node.path("writer").asText(),
                json.convertValue(node.path("streams"), new TypeReference<Map<String, StreamFile>>() {}),
                json.treeToValue(node.path("counts"), ItemCounts.class));
    }

    /** Creates the marker unless another attempt created this part first; returns the marker in force. */
    public PartMarker createOrGetExisting(PartMarker marker) throws IOException {
        if (recipeHash != null || model != null || modelIdentity != null || planSha256 != null || output != null) {
            marker = marker.madeWith(recipeHash, model, modelIdentity, planSha256, output);
        }
        byte[] content = json.writeValueAsString(marker).getBytes(StandardCharsets.UTF_8);
        if (storage.createIfAbsent(layout.markerKey(marker.part()), content)) {
            return marker;
        }
        return read(layout.markerKey(marker.part()));
    }

    /**
     * Withdraws the trailing parts {@code writer} committed that hold no output at all (only rejects
     * and skips), newest first, stopping at the first part that does not match. For an attempt that
     * learnt the model refuses every request: the rejects it committed before it knew are not about
     * the documents, and must be redone once the setting is fixed. Earlier parts stay. Returns the
     * parts withdrawn.
     */
    public List<PartMarker> withdrawTrailingRejectOnlyParts(String writer) throws IOException {
        List<PartMarker> parts = read().parts();
        List<PartMarker> withdrawn = new ArrayList<>();
        for (int i = parts.size() - 1; i >= 0; i--) {
            PartMarker part = parts.get(i);
            if (!writer.equals(part.writer()) || part.counts().written > 0) {
                break;
            }
            storage.delete(layout.markerKey(part.part()));
            withdrawn.add(part);
        }
        return withdrawn;
    }

    /**
     * Withdraws a part whose file is not what its marker recorded: deletes the marker, then its files,
     * so that its items are in no part and the next pass redoes them. Only when the marker under its
     * number is still {@code damaged} (a twin may have withdrawn it and redone the part under the same
     * number already); false when it is not. A twin that read the marker before this and commits
     * afterwards reads every part again and finds this one's file changed or gone.
     */
    public boolean withdrawDamaged(PartMarker damaged) throws IOException {
        String key = layout.markerKey(damaged.part());
        PartMarker inForce;
        try {
            inForce = read(key);
        } catch (NoSuchFileException gone) {
            return false;
        }
        if (!inForce.writer().equals(damaged.writer())
                || !inForce.items().equals(damaged.items())
                || !inForce.streams().equals(damaged.streams())) {
            return false;
        }
        storage.delete(key);
        for (StreamFile file : damaged.streams().values()) {
            storage.delete(file.key());
        }
        return true;
    }

    public void deleteAll() throws IOException {
        storage.deleteAll(layout.checkpointPrefix());
    }
}
