package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
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

    private static ShardCommitter.Context context() {
        return new ShardCommitter.Context(0, "w", "job", "uid", null, null, "now", System.nanoTime(), 0, false);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
