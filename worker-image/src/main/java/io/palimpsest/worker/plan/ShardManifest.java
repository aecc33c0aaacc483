package io.palimpsest.worker.plan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.Storage;

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
        List<Shard> shards = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(output.open(KEY), StandardCharsets.UTF_8))) {
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
                    throw new IOException(output.describe() + "/" + KEY + " line " + lineNumber + " is not a shard: " + e.getOriginalMessage(), e);
                }
            }
        }
        return shards;
    }

    public Shard readShard(Storage output, int index) throws IOException {
        List<Shard> shards = read(output);
        if (index < 0 || index >= shards.size()) {
            throw new IllegalArgumentException("shard " + index + " does not exist: " + output.describe() + "/" + KEY
                    + " has " + shards.size() + " shards");
        }
        Shard shard = shards.get(index);
        if (shard.index() != index) {
            throw new IOException(output.describe() + "/" + KEY + " line " + (index + 1) + " holds shard " + shard.index() + ", expected " + index);
        }
        return shard;
    }
}
