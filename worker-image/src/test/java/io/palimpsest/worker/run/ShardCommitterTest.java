package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlanReplacedException;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit never publishes a checkpoint part whose file is not what its marker recorded. */
class ShardCommitterTest {

    private final ObjectMapper json = new ObjectMapper();
    private final ShardLayout layout = new ShardLayout(0, Compression.NONE);

    @TempDir
    Path dir;

    @Test
    void aPartThatDiffersFromItsMarkerIsNeverCommittedAsIs() throws Exception {
        Storage storage = new FileStorage(dir);
        CheckpointStore checkpoints = new CheckpointStore(storage, layout, json);
        byte[] written = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n".getBytes(StandardCharsets.UTF_8);
        Map<String, StreamFile> streams = new LinkedHashMap<>();
        String upper = layout.partDataKey(0, "w", "upper");
        storage.put(upper, written);
        streams.put("upper", new StreamFile(upper, 2, written.length, sha256(written)));
        String rejects = layout.partDataKey(0, "w", ShardLayout.REJECTS_STREAM);
        storage.put(rejects, new byte[0]);
        streams.put(ShardLayout.REJECTS_STREAM, new StreamFile(rejects, 0, 0, sha256(new byte[0])));
        ItemCounts counts = new ItemCounts();
        counts.read = 2;
        counts.written = 2;
        counts.variants.put("upper", 2L);
        ItemRanges items = new ItemRanges();
        items.addRange(0, 2);
        checkpoints.createOrGetExisting(new PartMarker(0, items, 2L, "w", streams, counts));
        byte[] altered = written.clone();
        altered[8] = 'c'; // same size, other bytes
        storage.put(upper, altered);

        ShardCommitter committer = new ShardCommitter(storage, layout, checkpoints, json);
        ShardCommitter.CheckpointPartMismatch mismatch = assertThrows(
                ShardCommitter.CheckpointPartMismatch.class, () -> committer.commit(checkpoints.read(), context()));
        assertEquals(0, mismatch.part().part());
        assertTrue(mismatch.getMessage().contains("its marker recorded"), mismatch.getMessage());
        assertFalse(storage.exists(layout.receiptKey()), "no receipt");
        assertFalse(storage.exists(layout.finalKey("upper")), "no output");

        assertTrue(checkpoints.withdrawDamaged(mismatch.part()));
        assertFalse(storage.exists(layout.markerKey(0)), "the marker is withdrawn");
        assertFalse(storage.exists(upper), "and its file");
        assertFalse(checkpoints.withdrawDamaged(mismatch.part()), "once");
        assertEquals(0, checkpoints.read().done().size(), "its items are in no part");
    }

    /**
     * A shard run under one plan, committed after another plan was stored in the output: no receipt, the final files
     * not written, and the message names both plans; under the plan in force it commits, and its receipt names it.
     */
    @Test
    void aCommitUnderAPlanNoLongerInForceCreatesNoReceipt() throws Exception {
        Storage storage = new FileStorage(dir);
        storage.put(ShardManifest.KEY, "{\"index\":0}\n".getBytes(StandardCharsets.UTF_8));
        String first = PlanIdentity.inForce(storage);
        CheckpointStore checkpoints = new CheckpointStore(storage, layout, json, null, null, null, first);
        onePart(storage, checkpoints);
        storage.put(ShardManifest.KEY, "{\"index\":0,\"files\":[]}\n".getBytes(StandardCharsets.UTF_8));
        String second = PlanIdentity.inForce(storage);
        ShardCommitter committer = new ShardCommitter(storage, layout, checkpoints, json);

        PlanReplacedException replaced =
                assertThrows(PlanReplacedException.class, () -> committer.commit(checkpoints.read(), context(first)));

        assertTrue(replaced.getMessage().contains("ran under plan " + first), replaced.getMessage());
        assertTrue(replaced.getMessage().contains("the plan in force is " + second), replaced.getMessage());
        assertFalse(storage.exists(layout.receiptKey()), "no receipt");
        assertFalse(storage.exists(layout.finalKey("upper")), "no output");

        // a part of the earlier plan is not committed under the one in force either: it is withdrawn and redone
        CheckpointStore current = new CheckpointStore(storage, layout, json, null, null, null, second);
        ShardCommitter.CheckpointPartMismatch ofAnotherPlan = assertThrows(
                ShardCommitter.CheckpointPartMismatch.class,
                () -> new ShardCommitter(storage, layout, current, json).commit(current.read(), context(second)));
        assertTrue(
                ofAnotherPlan.getMessage().contains("part 0 was written under plan " + first),
                ofAnotherPlan.getMessage());
        assertFalse(storage.exists(layout.receiptKey()), "no receipt");
        assertTrue(current.withdrawDamaged(ofAnotherPlan.part()));

        onePart(storage, current);
        ShardCommitter.Outcome outcome =
                new ShardCommitter(storage, layout, current, json).commit(current.read(), context(second));
        assertTrue(outcome.committedByUs());
        Receipt receipt = json.readValue(storage.readAll(layout.receiptKey()), Receipt.class);
        assertEquals(second, receipt.planSha256(), "the receipt names its plan");
        assertEquals(second, committer.receiptOf(second).planSha256(), "taken as the commit of its own plan");
        PlanReplacedException stale = assertThrows(PlanReplacedException.class, () -> committer.receiptOf(first));
        assertTrue(
                stale.getMessage().startsWith(storage.describe(layout.receiptKey()) + " names plan " + second),
                stale.getMessage());
    }

    /** A part written under another plan is not resumed (an earlier version's marker, naming none, is). */
    @Test
    void partsOfAnotherPlanAreNotResumed() throws Exception {
        Storage storage = new FileStorage(dir);
        onePart(storage, new CheckpointStore(storage, layout, json, null, null, null, "aa"));
        PartMarker marker = new CheckpointStore(storage, layout, json).read(layout.markerKey(0));
        assertEquals("aa", marker.planSha256(), "the marker names its plan");

        assertEquals(
                "part 0 was written under plan aa (by writer w), this attempt's plan is bb",
                new CheckpointStore(storage, layout, json, null, null, null, "bb").madeOtherwise(null, null, null));
        assertEquals(
                null,
                new CheckpointStore(storage, layout, json, null, null, null, "aa").madeOtherwise(null, null, null));

        new CheckpointStore(storage, layout, json).deleteAll();
        onePart(storage, new CheckpointStore(storage, layout, json));
        assertEquals(
                null,
                new CheckpointStore(storage, layout, json, null, null, null, "bb").madeOtherwise(null, null, null));
    }

    /** Part 0 of a two-document shard, in the store with its marker. */
    private void onePart(Storage storage, CheckpointStore checkpoints) throws Exception {
        byte[] written = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n".getBytes(StandardCharsets.UTF_8);
        Map<String, StreamFile> streams = new LinkedHashMap<>();
        String upper = layout.partDataKey(0, "w", "upper");
        storage.put(upper, written);
        streams.put("upper", new StreamFile(upper, 2, written.length, sha256(written)));
        String rejects = layout.partDataKey(0, "w", ShardLayout.REJECTS_STREAM);
        storage.put(rejects, new byte[0]);
        streams.put(ShardLayout.REJECTS_STREAM, new StreamFile(rejects, 0, 0, sha256(new byte[0])));
        ItemCounts counts = new ItemCounts();
        counts.read = 2;
        counts.written = 2;
        counts.variants.put("upper", 2L);
        ItemRanges items = new ItemRanges();
        items.addRange(0, 2);
        checkpoints.createOrGetExisting(new PartMarker(0, items, 2L, "w", streams, counts));
    }

    private static ShardCommitter.Context context(String plan) {
        return new ShardCommitter.Context(0, "w", "job", "uid", null, null, "now", System.nanoTime(), 0, false, plan);
    }

    private static ShardCommitter.Context context() {
        return context(null);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
