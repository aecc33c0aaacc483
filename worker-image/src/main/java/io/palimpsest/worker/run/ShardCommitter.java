package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlanReplacedException;
import io.palimpsest.worker.storage.HardLinksRefusedException;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Commits a shard whose parts are all done: checks the accounting, assembles each stream's parts
 * into its final file (the bytes are a function of the part markers alone, so a twin assembling at
 * the same time writes identical files), then creates the receipt conditionally. Exactly one attempt
 * creates the receipt; the other learns it lost and stops without error.
 */
public final class ShardCommitter {
    private static final Logger LOG = Logger.getLogger(ShardCommitter.class.getName());

    /** Whether this call created the receipt, and the receipt in force either way. */
    public record Outcome(boolean committedByUs, Receipt receipt) {}

    /** What the receipt says about who committed, besides what the parts say. */
    public record Context(
            int attempt,
            String writer,
            String job,
            String jobUid,
            String recipeHash,
            String model,
            String startedAt,
            long startNanos,
            long resumedFromItem,
            boolean simulated,
            String planSha256) {}

    private final Storage storage;
    private final ShardLayout layout;
    private final CheckpointStore checkpoints;
    private final ObjectMapper json;

    public ShardCommitter(Storage storage, ShardLayout layout, CheckpointStore checkpoints, ObjectMapper json) {
        this.storage = storage;
        this.layout = layout;
        this.checkpoints = checkpoints;
        this.json = json;
    }

    public Outcome commit(CheckpointStore.State state, Context context) throws IOException {
        verifyComplete(state);
        List<PartMarker> parts = state.parts();
        PlanIdentity.confirm(storage, context.planSha256(), layout.shardName(), "committing");
        for (PartMarker part : parts) {
            String otherPlan = checkpoints.ofAnotherPlan(part);
            if (otherPlan != null) {
                // a run of an earlier plan, still writing after the output was planned again, wrote it here
                throw new CheckpointPartMismatch(
                        layout.shardName() + " checkpoint " + otherPlan + "; nothing is committed", part);
            }
        }
        ItemCounts total = new ItemCounts();
        parts.forEach(p -> total.add(p.counts()));
        if (!total.balanced() || total.read != state.total()) {
            throw new IllegalStateException(layout.shardName() + " accounting does not add up: " + total
                    + " for a shard of " + state.total() + " items");
        }
        Map<String, StreamFile> outputs = new LinkedHashMap<>();
        for (String stream : parts.get(0).streams().keySet()) {
            if (storage.exists(layout.receiptKey())) {
                // a twin committed while this attempt assembled: its receipt names the output files, which
                // this attempt's parts (one of them redone after a mismatch) must not replace
                return new Outcome(false, receiptOf(context.planSha256()));
            }
            outputs.put(stream, assemble(stream, parts));
        }
        for (Map.Entry<String, StreamFile> output : outputs.entrySet()) {
            long expected = ShardLayout.REJECTS_STREAM.equals(output.getKey())
                    ? output.getValue().records()
                    : total.variants.getOrDefault(output.getKey(), 0L);
            if (output.getValue().records() != expected) {
                throw new IllegalStateException(layout.shardName() + " variant " + output.getKey() + " has "
                        + output.getValue().records() + " records but the parts counted " + expected);
            }
        }
        Receipt receipt = new Receipt(
                layout.shard(),
                context.attempt(),
                context.writer(),
                context.job(),
                context.jobUid(),
                context.recipeHash(),
                context.model(),
                total,
                outputs,
                parts.size(),
                new Receipt.Timings(
                        context.startedAt(),
                        Instant.now().toString(),
                        (System.nanoTime() - context.startNanos()) / 1e9,
                        context.resumedFromItem()),
                context.simulated() ? Boolean.TRUE : null,
                context.planSha256());
        byte[] content = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(receipt);
        // once more, after the assembly took its time: from here to the create is the window docs/RELIABILITY.md
        // names, and a receipt created in it names its plan, which every reader compares with the plan in force
        PlanIdentity.confirm(storage, context.planSha256(), layout.shardName(), "creating its receipt");
        boolean created;
        try {
            created = storage.createIfAbsent(layout.receiptKey(), content);
        } catch (HardLinksRefusedException noLinks) {
            withdrawAssembled(outputs.values(), noLinks);
            throw noLinks;
        }
        if (created) {
            try {
                cleanUp(outputs.keySet());
            } catch (IOException | UncheckedIOException e) {
                // the receipt is written: the shard is committed whatever is left; a later attempt cleans up
                LOG.warning(layout.shardName() + ": committed; cleaning up its checkpoints failed (" + e
                        + "); the next run over this output removes them");
            }
            return new Outcome(true, receipt);
        }
        return new Outcome(false, receiptOf(context.planSha256()));
    }

    /**
     * The receipt's folder makes no hard links, so no attempt of any shard can create a receipt there: the files this
     * commit assembled would stay in the variants' folders without one, looking like a shard's output to whoever lists
     * them, so they go (their parts stay, and a commit on a volume that makes links assembles them again). Not when a
     * receipt is there after all: its files are committed, whoever assembled them.
     */
    private void withdrawAssembled(Collection<StreamFile> assembled, HardLinksRefusedException noLinks) {
        try {
            if (storage.exists(layout.receiptKey())) {
                return;
            }
            for (StreamFile file : assembled) {
                storage.delete(file.key());
            }
        } catch (IOException | RuntimeException e) {
            noLinks.addSuppressed(e);
            LOG.warning(layout.shardName() + ": could not delete the output files assembled for a receipt the volume"
                    + " refused (" + e + "); they are not committed, as no receipt lists them");
        }
    }

    /**
     * After the receipt: the checkpoints go, and so do temporary files of this shard's keys that a
     * killed attempt left behind (a twin still writing one loses nothing: the shard is committed).
     */
    public void cleanUp(Collection<String> streams) throws IOException {
        checkpoints.deleteAll();
        for (String stream : streams) {
            storage.deleteTemporaries(layout.finalKey(stream));
        }
        storage.deleteTemporaries(layout.receiptKey());
    }

    public Receipt readReceipt() throws IOException {
        return json.readValue(new String(storage.readAll(layout.receiptKey()), StandardCharsets.UTF_8), Receipt.class);
    }

    /**
     * The shard's receipt, as the commit of the plan {@code plan}: {@link PlanReplacedException} naming the receipt when
     * it names another plan (a receipt without a plan, an earlier version's, is taken as before; a null {@code plan}
     * compares nothing).
     */
    public Receipt receiptOf(String plan) throws IOException {
        Receipt receipt = readReceipt();
        if (PlanIdentity.another(receipt.planSha256(), plan)) {
            throw new PlanReplacedException(ofAnotherPlan(storage.describe(layout.receiptKey()), receipt, plan));
        }
        return receipt;
    }

    /** Why a receipt at {@code where} that names another plan than {@code plan} is not taken as that plan's commit. */
    public static String ofAnotherPlan(String where, Receipt receipt, String plan) {
        return ofAnotherPlan(where, receipt.planSha256(), receipt.shard(), receipt.counts().read, plan);
    }

    /**
     * {@link PlanReplacedException} naming the receipt {@code key} of {@code output}, read as {@code receipt}, when it
     * names another plan than {@code plan}, the plan in force (for readers that read receipts as JSON trees).
     */
    public static void confirmPlan(Storage output, String key, JsonNode receipt, String plan)
            throws PlanReplacedException {
        String recorded = receipt.path("planSha256").isTextual()
                ? receipt.path("planSha256").asText()
                : null;
        if (PlanIdentity.another(recorded, plan)) {
            throw new PlanReplacedException(ofAnotherPlan(
                    output.describe(key),
                    recorded,
                    receipt.path("shard").asInt(),
                    receipt.path("counts").path("read").asLong(),
                    plan));
        }
    }

    private static String ofAnotherPlan(String where, String recorded, int shard, long read, String plan) {
        return where + " names plan " + recorded + ", the plan in force is " + plan + ": it was committed by a run of"
                + " another plan (one still running after the output was planned again) and counts that plan's shard "
                + shard + " (" + read + " documents read), not this plan's; it is neither taken as this plan's commit"
                + " nor run over. Stop every run of the other plan, delete that receipt and the files it lists, and run"
                + " the shard again";
    }

    private void verifyComplete(CheckpointStore.State state) {
        if (state.total() == null) {
            throw new IllegalStateException(
                    layout.shardName() + " is not complete: no part records the end of the input");
        }
        if (!state.complete()) {
            throw new IllegalStateException(layout.shardName() + " is not complete: items "
                    + state.done().gapsBelow(state.total(), 5) + " of " + state.total() + " are in no part");
        }
    }

    private StreamFile assemble(String stream, List<PartMarker> parts) throws IOException {
        List<String> keys = new ArrayList<>();
        long records = 0;
        MessageDigest digest = sha256();
        long bytes = 0;
        for (PartMarker part : parts) {
            StreamFile file = part.streams().get(stream);
            if (file == null) {
                throw new IllegalStateException(
                        layout.shardName() + " part " + part.part() + " has no file for stream " + stream);
            }
            keys.add(file.key());
            records += file.records();
            MessageDigest partDigest = sha256();
            long partBytes;
            try (InputStream in =
                    new DigestInputStream(new DigestInputStream(storage.open(file.key()), digest), partDigest)) {
                partBytes = in.transferTo(OutputStream.nullOutputStream());
            } catch (NoSuchFileException e) {
                throw new CheckpointPartMismatch(
                        layout.shardName() + " checkpoint part " + part.part() + " (" + file.key() + ", stream "
                                + stream + ") is gone from the store, its marker recorded " + file.bytes()
                                + " bytes; nothing is committed",
                        part);
            }
            bytes += partBytes;
            String partSha256 = HexFormat.of().formatHex(partDigest.digest());
            if (partBytes != file.bytes()
                    || (file.sha256() != null && !file.sha256().equals(partSha256))) {
                // what the store holds is not what the part's writer wrote: committing it would publish other bytes
                throw new CheckpointPartMismatch(
                        layout.shardName() + " checkpoint part " + part.part() + " ("
                                + file.key() + ", stream " + stream + ") holds " + partBytes + " bytes with sha256 "
                                + partSha256 + ", its marker recorded " + file.bytes() + " bytes with sha256 "
                                + file.sha256() + "; nothing is committed",
                        part);
            }
        }
        String target = layout.finalKey(stream);
        storage.concatenate(keys, target);
        return new StreamFile(target, records, bytes, HexFormat.of().formatHex(digest.digest()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A checkpoint part's file differs from what its marker recorded (size or SHA-256), or is gone:
     * the part is withdrawn ({@link CheckpointStore#withdrawDamaged}) and its items redone.
     */
    static final class CheckpointPartMismatch extends IOException {
        private final transient PartMarker part;

        CheckpointPartMismatch(String message, PartMarker part) {
            super(message);
            this.part = part;
        }

        /** The marker as the commit read it. */
        PartMarker part() {
            return part;
        }
    }
}
