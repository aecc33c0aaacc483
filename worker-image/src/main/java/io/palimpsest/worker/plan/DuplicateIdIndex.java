package io.palimpsest.worker.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.Storage;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Ids repeated across shards, found once for the whole plan: the first occurrence wins (the plan's
 * shard order, then input order; within a shard the worker already keeps the first), every later
 * one is rejected by its shard's worker as {@code duplicate_id}.
 *
 * <p>Shards are whole files, so the ids are only known by reading the documents: the planner reads
 * every shard once, in the order and with the rules a worker reads it (the same readers, limits and
 * within-shard deduplication), and hands each document id with its shard to a {@link SpillingSorter}:
 * memory stays bounded whatever the corpus size, and ids are compared exactly (a hash or Bloom filter
 * alone could drop a real document on a collision). Sorted by id, each id's smallest shard wins; the
 * other (shard, id) pairs are sorted again by shard and written, one list per shard that has any, to
 * {@code _palimpsest/duplicates/<manifest hash>/shard-NNNNN.jsonl}. {@code index.json}, written last,
 * names the manifest it belongs to: a worker whose manifest is not the index's refuses to run (a
 * stale or half-written index would reject the wrong documents), and planning again completes or
 * redoes it. A kept plan keeps its index; resuming costs no second pass.
 *
 * <p>A shard whose data cannot be read (the worker fails it with exit 42, committing nothing) wins no
 * id: its documents are never in the output, so they must not push out the same ids elsewhere.
 */
public final class DuplicateIdIndex {

    public static final String PREFIX = "_palimpsest/duplicates/";
    public static final String INDEX_KEY = PREFIX + "index.json";

    /** Reads one shard as its worker would, handing over each document's id; false when its data cannot be read. */
    @FunctionalInterface
    public interface ShardIds {
        boolean read(Shard shard, Consumer<String> ids) throws IOException;
    }

    /** What the index holds, for the plan summary and the log. */
    public record Summary(
            long documents, long duplicates, int shardsWithDuplicates, List<Integer> unreadableShards, boolean built) {}

    private final ObjectMapper json;
    private final long memoryBytes;

    public DuplicateIdIndex(ObjectMapper json) {
        this(json, defaultMemory());
    }

    public DuplicateIdIndex(ObjectMapper json, long memoryBytes) {
        this.json = json;
        this.memoryBytes = memoryBytes;
    }

    /** An eighth of the heap, at most 64 MiB, for ids held before spilling to disk. */
    static long defaultMemory() {
        return Math.max(1 << 20, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));
    }

    /** Builds the index of the plan in force, unless the output already holds the one for this manifest. */
    public Summary ensure(Storage output, List<Shard> shards, byte[] manifest, ShardIds reader) throws IOException {
        String hash = sha256(manifest);
        if (output.exists(INDEX_KEY)) {
            JsonNode index = json.readTree(output.readAll(INDEX_KEY));
            if (hash.equals(index.path("manifestSha256").asText())) {
                List<Integer> unreadable = new ArrayList<>();
                index.path("unreadableShards").forEach(n -> unreadable.add(n.asInt()));
                return new Summary(
                        index.path("documents").asLong(),
                        index.path("duplicates").asLong(),
                        index.path("shardsWithDuplicates").asInt(),
                        unreadable,
                        false);
            }
        }
        return build(output, shards, hash, reader);
    }

    private Summary build(Storage output, List<Shard> shards, String hash, ShardIds reader) throws IOException {
        String folder = listFolder(hash);
        output.deleteAll(folder); // a build for this manifest that stopped half-way
        Set<Integer> unreadable = new TreeSet<>();
        long documents;
        long duplicates = 0;
        int shardsWithDuplicates = 0;
        try (SpillingSorter byId = new SpillingSorter(memoryBytes);
                SpillingSorter byShard = new SpillingSorter(memoryBytes)) {
            for (Shard shard : shards) {
                int index = shard.index();
                boolean readable = reader.read(shard, id -> add(byId, id.getBytes(StandardCharsets.UTF_8), index));
                if (!readable) {
                    unreadable.add(index);
                }
            }
            documents = byId.count();
            try (SpillingSorter.Cursor sorted = byId.sorted()) {
                byte[] currentId = null;
                int firstShard = -1;
                SpillingSorter.Entry entry;
                while ((entry = sorted.next()) != null) {
                    if (unreadable.contains(entry.value())) {
                        continue;
                    }
                    if (currentId == null || !Arrays.equals(currentId, entry.key())) {
                        currentId = entry.key();
                        firstShard = entry.value();
                    } else if (entry.value() != firstShard) {
                        byShard.add(
                                ByteBuffer.allocate(4 + entry.key().length)
                                        .putInt(entry.value())
                                        .put(entry.key())
                                        .array(),
                                firstShard);
                    }
                }
            }
            try (SpillingSorter.Cursor sorted = byShard.sorted()) {
                ListWriter writer = null;
                SpillingSorter.Entry entry;
                while ((entry = sorted.next()) != null) {
                    int shard = ByteBuffer.wrap(entry.key()).getInt();
                    if (writer == null || writer.shard != shard) {
                        if (writer != null) {
                            writer.store(output, folder);
                        }
                        writer = new ListWriter(shard, json);
                        shardsWithDuplicates++;
                    }
                    writer.add(
                            new String(entry.key(), 4, entry.key().length - 4, StandardCharsets.UTF_8), entry.value());
                    duplicates++;
                }
                if (writer != null) {
                    writer.store(output, folder);
                }
            }
        }
        ObjectNode index = json.createObjectNode();
        index.put("manifestSha256", hash);
        index.put("shards", shards.size());
        index.put("documents", documents);
        index.put("duplicates", duplicates);
        index.put("shardsWithDuplicates", shardsWithDuplicates);
        index.putPOJO("unreadableShards", unreadable);
        index.put("lists", folder);
        output.put(INDEX_KEY, json.writeValueAsBytes(index));
        return new Summary(documents, duplicates, shardsWithDuplicates, List.copyOf(unreadable), true);
    }

    private static void add(SpillingSorter sorter, byte[] id, int shard) {
        try {
            sorter.add(id, shard);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The ids of {@code shard} first seen in an earlier shard of the plan, each with that shard; empty
     * when it has none. Refuses to run on a plan with no index, or an index of another manifest.
     */
    public Map<String, Integer> earlierIds(Storage output, byte[] manifest, int shard) throws IOException {
        String hash = sha256(manifest);
        String stale = null;
        if (!output.exists(INDEX_KEY)) {
            stale = "has no duplicate-id index (" + INDEX_KEY + ")";
        } else if (!hash.equals(
                json.readTree(output.readAll(INDEX_KEY)).path("manifestSha256").asText())) {
            stale = "has a duplicate-id index (" + INDEX_KEY + ") made for another manifest";
        }
        if (stale != null) {
            throw new InvalidJobException("the plan at " + output.describe(ShardManifest.KEY) + " " + stale
                    + ": it was planned by an earlier version or planning stopped half-way; run `palimpsest plan` on it again"
                    + " (committed shards stay as they are)");
        }
        String key = listKey(hash, shard);
        if (!output.exists(key)) {
            return Map.of();
        }
        Map<String, Integer> earlier = new HashMap<>();
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(output.open(key), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.isBlank()) {
                    JsonNode entry = json.readTree(line);
                    earlier.put(entry.get("id").asText(), entry.get("first").asInt());
                }
            }
        }
        return earlier;
    }

    static String listFolder(String manifestHash) {
        return PREFIX + manifestHash.substring(0, 16) + "/";
    }

    static String listKey(String manifestHash, int shard) {
        return listFolder(manifestHash) + String.format("shard-%05d.jsonl", shard);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One shard's list, streamed to a local file and stored whole (a shard's duplicates may be many). */
    private static final class ListWriter {
        private final int shard;
        private final Path file;
        private final OutputStream out;
        private final JsonGenerator lines;

        ListWriter(int shard, ObjectMapper json) throws IOException {
            this.shard = shard;
            this.file = Files.createTempFile("palimpsest-duplicates", ".jsonl");
            this.out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
            this.lines = json.getFactory().createGenerator(out);
            lines.setRootValueSeparator(new SerializedString("\n"));
        }

        void add(String id, int first) throws IOException {
            lines.writeStartObject();
            lines.writeStringField("id", id);
            lines.writeNumberField("first", first);
            lines.writeEndObject();
        }

        void store(Storage output, String folder) throws IOException {
            try {
                lines.writeRaw('\n');
                lines.close();
                out.close();
                output.put(folder + String.format("shard-%05d.jsonl", shard), file);
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
