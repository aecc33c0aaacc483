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
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Ids repeated in the plan, found once for the whole plan: the first occurrence wins (the plan's
 * shard order, then input order), every later one, in the same shard or another, is rejected by its
 * shard's worker as {@code duplicate_id}.
 *
 * <p>Shards are whole files, so the ids are only known by reading the documents: the planner reads
 * every shard once, in the order and with the rules a worker reads it (the same readers and limits),
 * and hands each document's id, shard and item number to a {@link SpillingSorter}: memory stays
 * bounded whatever the corpus or shard size, and ids are compared exactly (a hash or Bloom filter
 * alone could drop a real document on a collision). Sorted by id, then shard, then item, each id's
 * first occurrence wins; the other (shard, item, id) records are sorted again by shard and item and
 * written, one list per shard that has any, to
 * {@code _palimpsest/duplicates/items-<manifest hash>/shard-NNNNN.jsonl}, in the shard's item order.
 * A worker streams its list beside its input, so it holds no set of the ids it has seen: one entry
 * of the list at a time. {@value #INDEX_KEY}, written last, names the manifest it belongs to: a worker
 * whose manifest is not the index's refuses to run (a stale or half-written index would reject the
 * wrong documents), and planning again completes or redoes it. A kept plan keeps its index; resuming
 * costs no second pass.
 *
 * <p>A shard whose data cannot be read (the worker fails it with exit 42, committing nothing) wins no
 * id: its documents are never in the output, so they must not push out the same ids elsewhere.
 */
public final class DuplicateIdIndex {

    public static final String PREFIX = "_palimpsest/duplicates/";
    /**
     * The index of lists by item number. (Versions before it wrote {@code index.json} and lists of ids
     * without item numbers; a worker of such a version finds no index of its kind here and refuses to
     * run rather than miss repeats.)
     */
    public static final String INDEX_KEY = PREFIX + "items-index.json";

    /** Receives one document of a shard: its item number in the shard (from 0) and its id. */
    @FunctionalInterface
    public interface IdSink {
        void accept(long item, String id);
    }

    /** Reads one shard as its worker would, handing over each document; false when its data cannot be read. */
    @FunctionalInterface
    public interface ShardIds {
        boolean read(Shard shard, IdSink ids) throws IOException;
    }

    /** One listed document: item {@code item} of its shard repeats {@code id}, first seen in shard {@code first}. */
    public record Repeat(long item, String id, int first) {}

    /**
     * What the index holds, for the plan summary and the log.
     *
     * @param duplicates documents whose id appeared first in an earlier shard
     * @param repeatsWithinShards documents whose id appeared earlier in their own shard
     */
    public record Summary(
            long documents,
            long duplicates,
            long repeatsWithinShards,
            int shardsWithDuplicates,
            List<Integer> unreadableShards,
            boolean built) {}

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
                        index.path("repeatsWithinShards").asLong(),
                        index.path("shardsWithDuplicates").asInt(),
                        unreadable,
                        false);
            }
        }
        return build(output, shards, hash, reader);
    }

    /**
     * The key {@code byId} sorts on: the id's length and bytes (so that one id's records are adjacent
     * whatever the other ids), then shard and item, big-endian (so that they sort as numbers).
     */
    private static byte[] byIdKey(byte[] id, int shard, long item) {
        return ByteBuffer.allocate(4 + id.length + 12)
                .putInt(id.length)
                .put(id)
                .putInt(shard)
                .putLong(item)
                .array();
    }

    private static boolean sameId(byte[] a, byte[] b) {
        return a.length == b.length && Arrays.equals(a, 0, a.length - 12, b, 0, b.length - 12);
    }

    private Summary build(Storage output, List<Shard> shards, String hash, ShardIds reader) throws IOException {
        String folder = listFolder(hash);
        output.deleteAll(folder); // a build for this manifest that stopped half-way
        Set<Integer> unreadable = new TreeSet<>();
        long documents;
        long duplicates = 0;
        long withinShards = 0;
        int shardsWithDuplicates = 0;
        try (SpillingSorter byId = new SpillingSorter(memoryBytes);
                SpillingSorter byShard = new SpillingSorter(memoryBytes)) {
            for (Shard shard : shards) {
                int index = shard.index();
                boolean readable = reader.read(
                        shard,
                        (item, id) -> add(byId, byIdKey(id.getBytes(StandardCharsets.UTF_8), index, item), index));
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
                    byte[] key = entry.key();
                    if (currentId == null || !sameId(currentId, key)) {
                        currentId = key;
                        firstShard = entry.value();
                        continue;
                    }
                    // shard, item, id: the shard's list in its item order
                    int idLength = key.length - 16;
                    byShard.add(
                            ByteBuffer.allocate(12 + idLength)
                                    .put(key, 4 + idLength, 12)
                                    .put(key, 4, idLength)
                                    .array(),
                            firstShard);
                    if (entry.value() == firstShard) {
                        withinShards++;
                    } else {
                        duplicates++;
                    }
                }
            }
            try (SpillingSorter.Cursor sorted = byShard.sorted()) {
                ListWriter writer = null;
                SpillingSorter.Entry entry;
                while ((entry = sorted.next()) != null) {
                    ByteBuffer key = ByteBuffer.wrap(entry.key());
                    int shard = key.getInt();
                    long item = key.getLong();
                    if (writer == null || writer.shard != shard) {
                        if (writer != null) {
                            writer.store(output, folder);
                        }
                        writer = new ListWriter(shard, json);
                        shardsWithDuplicates++;
                    }
                    writer.add(
                            item,
                            new String(entry.key(), 12, entry.key().length - 12, StandardCharsets.UTF_8),
                            entry.value());
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
        index.put("repeatsWithinShards", withinShards);
        index.put("shardsWithDuplicates", shardsWithDuplicates);
        index.putPOJO("unreadableShards", unreadable);
        index.put("lists", folder);
        output.put(INDEX_KEY, json.writeValueAsBytes(index));
        return new Summary(documents, duplicates, withinShards, shardsWithDuplicates, List.copyOf(unreadable), true);
    }

    private static void add(SpillingSorter sorter, byte[] key, int shard) {
        try {
            sorter.add(key, shard);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The repeated ids of {@code shard}, for its worker: a source that opens the shard's list (copied to
     * {@code tempDir} when it has one; close the source to delete the copy) once per pass over the shard.
     * Refuses to run on a plan with no index, or an index of another manifest.
     */
    public ListedRepeats repeats(Storage output, byte[] manifest, int shard, Path tempDir) throws IOException {
        String key = requireIndex(output, manifest, shard);
        if (!output.exists(key)) {
            return new ListedRepeats(shard, null, json);
        }
        Path copy = Files.createTempFile(tempDir, "palimpsest-duplicates", ".jsonl");
        try {
            output.download(key, copy);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return new ListedRepeats(shard, copy, json);
    }

    /** Every listed document of {@code shard}, in item order (for tests and diagnostics: the worker streams them). */
    public List<Repeat> listed(Storage output, byte[] manifest, int shard) throws IOException {
        String key = requireIndex(output, manifest, shard);
        List<Repeat> listed = new ArrayList<>();
        if (!output.exists(key)) {
            return listed;
        }
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(output.open(key), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.isBlank()) {
                    listed.add(ListedRepeats.parse(json, line));
                }
            }
        }
        return listed;
    }

    /** The key of the shard's list, once the index in force is this manifest's. */
    private String requireIndex(Storage output, byte[] manifest, int shard) throws IOException {
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
        return listKey(hash, shard);
    }

    static String listFolder(String manifestHash) {
        return PREFIX + "items-" + manifestHash.substring(0, 16) + "/";
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

        void add(long item, String id, int first) throws IOException {
            lines.writeStartObject();
            lines.writeNumberField("item", item);
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
