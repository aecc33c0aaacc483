package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One shard's list from the plan's {@link DuplicateIdIndex}, read as the shard is: the list is in item
 * order, so each pass holds one entry of it at a time, whatever the number of documents or repeats.
 * An entry whose item is not the document the plan read there (another id, or no document) means the
 * input changed since it was planned: the shard fails as unreadable data rather than reject the wrong
 * document or keep a repeat. Closing it deletes the local copy of the list.
 */
public final class ListedRepeats implements DuplicateIdIndex.ShardRepeats {

    private final int shard;
    /** The local copy of the list; null when the shard has no repeats. */
    private final Path list;

    private final ObjectMapper json;

    ListedRepeats(int shard, Path list, ObjectMapper json) {
        this.shard = shard;
        this.list = list;
        this.json = json;
    }

    static DuplicateIdIndex.Repeat parse(ObjectMapper json, String line) throws IOException {
        JsonNode entry = json.readTree(line);
        return new DuplicateIdIndex.Repeat(
                entry.get("item").asLong(),
                entry.get("id").asText(),
                entry.get("first").asInt());
    }

    @Override
    public RepeatedIds open() throws IOException {
        if (list == null) {
            return (item, doc) -> null;
        }
        BufferedReader lines = Files.newBufferedReader(list, StandardCharsets.UTF_8);
        return new RepeatedIds() {
            private DuplicateIdIndex.Repeat next = read();

            private DuplicateIdIndex.Repeat read() {
                try {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (!line.isBlank()) {
                            return parse(json, line);
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(
                            "reading the duplicate-id list of shard " + shard + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public String repeatOf(long item, Document doc) {
                if (next != null && next.item() < item) {
                    throw changed(next, "no document");
                }
                if (next == null || next.item() > item) {
                    return null;
                }
                DuplicateIdIndex.Repeat listed = next;
                next = read();
                if (!listed.id().equals(doc.id())) {
                    throw changed(listed, "a document with id '" + doc.id() + "'");
                }
                return listed.first() == shard
                        ? RepeatedIds.earlierInShard(doc.id())
                        : RepeatedIds.firstInShard(doc.id(), listed.first());
            }

            @Override
            public void close() throws IOException {
                lines.close();
            }
        };
    }

    private ShardDataException changed(DuplicateIdIndex.Repeat listed, String found) {
        return new ShardDataException(
                "item " + listed.item() + " of shard " + shard + " is " + found + ", but when the job was planned it"
                        + " was a document with id '" + listed.id() + "' (listed in the plan's duplicate-id index):"
                        + " the input changed since it was planned",
                null);
    }

    @Override
    public void close() throws IOException {
        if (list != null) {
            Files.deleteIfExists(list);
        }
    }
}
