package io.palimpsest.worker.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.text.Plural;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The plan, stored once at {@code <output>/_palimpsest/manifest.jsonl}: one JSON line per shard,
 * in shard order, with no timestamps, so planning the same input twice writes the same bytes.
 */
public final class ShardManifest {

    public static final String KEY = "_palimpsest/manifest.jsonl";

    private final ObjectMapper json;

    public ShardManifest(ObjectMapper json) {
        this.json = json;
    }

    public byte[] serialize(List<Shard> shards) {
        StringBuilder out = new StringBuilder();
        for (Shard shard : shards) {
            try {
                out.append(json.writeValueAsString(shard)).append('\n');
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    public List<Shard> read(Storage output) throws IOException {
        return read(output.readAll(KEY), output.describe());
    }

    /** @param where the output, for messages */
    public List<Shard> read(byte[] content, String where) throws IOException {
        List<Shard> shards = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8))) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    shards.add(json.readValue(line, Shard.class));
                } catch (JsonProcessingException e) {
                    throw new IOException(
                            where + "/" + KEY + " line " + lineNumber + " is not a shard: " + e.getOriginalMessage(),
                            e);
                }
            }
        }
        return shards;
    }

    public Shard readShard(Storage output, int index) throws IOException {
        return readShard(output.readAll(KEY), output.describe(), index);
    }

    /** Shard {@code index} of the manifest {@code content} (read once by a worker, which also hashes it). */
    public Shard readShard(byte[] content, String where, int index) throws IOException {
        List<Shard> shards = read(content, where);
        if (index < 0 || index >= shards.size()) {
            throw new IllegalArgumentException("shard " + index + " does not exist: " + where + "/" + KEY + " has "
                    + Plural.of(shards.size(), "shard"));
        }
        Shard shard = shards.get(index);
        if (shard.index() != index) {
            throw new IOException(where + "/" + KEY + " line " + (index + 1) + " holds shard " + shard.index()
                    + ", expected " + index);
        }
        return shard;
    }
}
