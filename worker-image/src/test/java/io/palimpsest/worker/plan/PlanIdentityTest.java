package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.storage.FileStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan in force is named by its manifest's bytes, with or without the offset index, and checked against. */
class PlanIdentityTest {

    private static final byte[] FIRST = "{\"index\":0}\n{\"index\":1}\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECOND = "{\"index\":0,\"other\":1}\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void theIdentityIsTheManifestsSha256WithOrWithoutItsOffsetIndex() throws Exception {
        FileStorage output = new FileStorage(dir);
        assertNull(PlanIdentity.inForce(output), "no plan");

        output.put(ShardManifest.KEY, FIRST);
        String whole = PlanIdentity.inForce(output);
        assertEquals(DuplicateIdIndex.sha256(FIRST), whole, "a plan of an earlier version, without an index");

        output.put(ShardOffsets.KEY, ShardOffsets.of(FIRST));
        assertEquals(whole, PlanIdentity.inForce(output), "the index names the same bytes");

        output.put(ShardManifest.KEY, SECOND);
        assertEquals(
                DuplicateIdIndex.sha256(SECOND),
                PlanIdentity.inForce(output),
                "an index of another manifest than the one stored: the stored bytes decide");

        output.delete(ShardManifest.KEY);
        assertNull(PlanIdentity.inForce(output), "an index without its plan is no plan");
    }

    @Test
    void confirmFailsNamingTheOutputAndBothPlansWhenThePlanWasReplaced() throws Exception {
        FileStorage output = new FileStorage(dir);
        output.put(ShardManifest.KEY, FIRST);
        output.put(ShardOffsets.KEY, ShardOffsets.of(FIRST));
        String first = PlanIdentity.inForce(output);
        assertDoesNotThrow(() -> PlanIdentity.confirm(output, first, "shard-00000", "creating its receipt"));

        output.put(ShardManifest.KEY, SECOND);
        output.put(ShardOffsets.KEY, ShardOffsets.of(SECOND));
        String second = PlanIdentity.inForce(output);
        assertNotEquals(first, second);

        PlanReplacedException replaced = assertThrows(
                PlanReplacedException.class,
                () -> PlanIdentity.confirm(output, first, "shard-00000", "creating its receipt"));
        String message = replaced.getMessage();
        assertTrue(
                message.startsWith("shard-00000: creating its receipt found the plan at "
                        + output.describe(ShardManifest.KEY) + " replaced"),
                message);
        assertTrue(message.contains("this attempt ran under plan " + first), message);
        assertTrue(message.contains("the plan in force is " + second), message);
        assertTrue(message.contains("nothing is committed"), message);
        assertTrue(message.contains("Stop every run of the earlier plan"), message);

        output.delete(ShardManifest.KEY);
        output.delete(ShardOffsets.KEY);
        PlanReplacedException gone = assertThrows(
                PlanReplacedException.class, () -> PlanIdentity.confirm(output, first, "shard-00000", "committing"));
        assertTrue(gone.getMessage().contains("the plan in force is none (the plan is gone)"), gone.getMessage());
    }

    @Test
    void onlyARecordedPlanThatDiffersIsAnother() {
        assertTrue(PlanIdentity.another("a", "b"));
        assertFalse(PlanIdentity.another("a", "a"));
        assertFalse(PlanIdentity.another(null, "b"), "an earlier version's receipt or marker names no plan");
        assertFalse(PlanIdentity.another("a", null), "a caller that read no plan compares nothing");
    }
}
