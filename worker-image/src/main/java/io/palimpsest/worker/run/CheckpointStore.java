package io.palimpsest.worker.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;

/**
 * Reads and creates part markers. Only the contiguous run of markers from part 0 counts: a marker
 * after a gap (which a correct writer never leaves) is ignored and its items are redone.
 */
public final class CheckpointStore {

    private final Storage storage;
    private final ShardLayout layout;
    private final ObjectMapper json;

    public CheckpointStore(Storage storage, ShardLayout layout, ObjectMapper json) {
        this.storage = storage;
        this.layout = layout;
        this.json = json;
    }

    /** The committed parts, in order, from part 0 up to the first gap. */
    public List<PartMarker> committedParts() throws IOException {
        List<PartMarker> parts = new ArrayList<>();
        for (StoredObject object : storage.list(layout.checkpointPrefix())) {
            if (!ShardLayout.isMarker(object.key())) {
                continue;
            }
            PartMarker marker = read(object.key());
            if (marker.part() != parts.size()) {
                break;
            }
            parts.add(marker);
            if (marker.last()) {
                break;
            }
        }
        return parts;
    }

    public PartMarker read(String key) throws IOException {
        return json.readValue(storage.readAll(key), PartMarker.class);
    }

    /** Creates the marker unless another attempt created this part first; returns the marker in force. */
    public PartMarker createOrGetExisting(PartMarker marker) throws IOException {
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
     * the documents, and must be redone once the setting is fixed. Earlier parts stay.
     */
    public int withdrawTrailingRejectOnlyParts(String writer) throws IOException {
        List<PartMarker> parts = committedParts();
        int withdrawn = 0;
        for (int i = parts.size() - 1; i >= 0; i--) {
            PartMarker part = parts.get(i);
            if (!writer.equals(part.writer()) || part.counts().written > 0) {
                break;
            }
            storage.delete(layout.markerKey(part.part()));
            withdrawn++;
        }
        return withdrawn;
    }

    public void deleteAll() throws IOException {
        storage.deleteAll(layout.checkpointPrefix());
    }
}
