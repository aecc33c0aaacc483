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

    public void deleteAll() throws IOException {
        storage.deleteAll(layout.checkpointPrefix());
    }
}
