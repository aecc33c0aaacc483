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
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;

/**
 * The plan, stored once at {@code <output>/_palimpsest/manifest.jsonl}: one JSON line per shard,
 * in shard order, with no timestamps, so planning the same input twice writes the same bytes. Beside it,
 * {@link ShardOffsets} says where each line lies, so that a worker reads only its own.
 */
public final class ShardManifest {

    public static final String KEY = "_palimpsest/manifest.jsonl";

    private static final Logger LOG = Logger.getLogger(ShardManifest.class.getName());

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
        return locate(output, index).shard();
    }

    /** A worker's shard and the SHA-256 (hex) of the manifest it belongs to (which the duplicate-id index must name). */
    public record Planned(Shard shard, String manifestSha256) {}

    /**
     * Shard {@code index} of the plan in {@code output}, for its worker: through the plan's {@link ShardOffsets}
     * index, only the index's header (twice: before and after), the shard's entry and its line are read (ranged reads of a few hundred
     * bytes, whatever the plan's size); a plan made by an earlier version, which has no such index, is read
     * whole. {@link NoSuchFileException} when there is no plan.
     */
    public Planned locate(Storage output, int index) throws IOException {
        ShardOffsets.Header header;
        try {
            header = ShardOffsets.header(output);
        } catch (NoSuchFileException e) {
            byte[] content = output.readAll(KEY);
            LOG.info(() -> "the plan at " + output.describe(KEY) + " has no shard offset index (" + ShardOffsets.KEY
                    + ": planned by an earlier version), so it is read whole (" + content.length + " bytes); planning"
                    + " it again with this version lets each worker read its own line only");
            return new Planned(readShard(content, output.describe(), index), DuplicateIdIndex.sha256(content));
        }
        String where = output.describe(KEY);
        if (index < 0 || index >= header.shards()) {
            throw new IllegalArgumentException(
                    "shard " + index + " does not exist: " + where + " has " + Plural.of(header.shards(), "shard"));
        }
        ShardOffsets.Entry entry = indexed(output, () -> ShardOffsets.entry(output, index));
        if (entry.offset() < 0 || entry.length() <= 0 || entry.offset() + entry.length() > header.manifestLength()) {
            throw new IOException(output.describe(ShardOffsets.KEY) + " places shard " + index + " at bytes "
                    + entry.offset() + "+" + entry.length() + ", outside the " + header.manifestLength()
                    + " bytes of the manifest it indexes; run `palimpsest plan` on the output again");
        }
        byte[] line = ShardOffsets.read(output, KEY, entry.offset(), entry.offset() + entry.length());
        if (!Arrays.equals(ShardOffsets.sha256(line, 0, line.length), entry.sha256())) {
            throw new IOException(where + " line " + (index + 1) + " (bytes " + entry.offset() + "+" + entry.length()
                    + ") is not the line " + output.describe(ShardOffsets.KEY) + " indexed: the manifest was"
                    + " replaced after it was indexed (planning stopped half-way, or ran again meanwhile); run"
                    + " `palimpsest plan` on the output again");
        }
        Shard shard;
        try {
            shard = json.readValue(line, Shard.class);
        } catch (JsonProcessingException e) {
            throw new IOException(where + " line " + (index + 1) + " is not a shard: " + e.getOriginalMessage(), e);
        }
        if (shard.index() != index) {
            throw new IOException(
                    where + " line " + (index + 1) + " holds shard " + shard.index() + ", expected " + index);
        }
        // the header and the entry are two reads of an object a planner may replace in between (a replan
        // while workers start): the entry and line read must be of the plan whose hash the header names
        ShardOffsets.Header after = indexed(output, () -> ShardOffsets.header(output));
        if (!after.equals(header)) {
            throw replacedWhileRead(output);
        }
        return new Planned(shard, header.manifestSha256());
    }

    private interface IndexRead<T> {
        T read() throws IOException;
    }

    /** A read of the offset index after its header was read: the index gone meanwhile was replaced, not absent. */
    private static <T> T indexed(Storage output, IndexRead<T> read) throws IOException {
        try {
            return read.read();
        } catch (NoSuchFileException e) {
            IOException replaced = replacedWhileRead(output);
            replaced.initCause(e);
            throw replaced;
        }
    }

    private static IOException replacedWhileRead(Storage output) {
        return new IOException(output.describe(ShardOffsets.KEY) + " was replaced while this worker read its shard"
                + " through it (planning ran again meanwhile): its shard is looked up again by the next attempt");
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
