package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.EarlierIdForms;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.format.SourcePosition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

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

    /**
     * The first copies of ids repeated within the shard whose place (file and line) a pass keeps, at most: the
     * list names each first copy's item, and a pass notes where those items are as it reads them, so a reject can
     * name the copy that is kept. Past this many (a shard that repeats most of itself) the later ones' rejects say
     * only that the id appeared earlier in the shard, and the pass's memory stays bounded.
     */
    static final int MAX_FIRST_COPIES = 100_000;

    static DuplicateIdIndex.Repeat parse(ObjectMapper json, String line) throws IOException {
        return entry(json, line).repeat();
    }

    /**
     * A listed repeat, with its id's first copy's item when the list says it (-1 for a list of an earlier version),
     * and that copy's file and line when the list says them (null for a list of an earlier version, or a first copy
     * an earlier version's index named only by its shard).
     */
    private record Entry(DuplicateIdIndex.Repeat repeat, long firstItem, SourcePosition firstAt) {}

    private static Entry entry(ObjectMapper json, String line) throws IOException {
        JsonNode entry = json.readTree(line);
        JsonNode firstFile = entry.path("firstFile");
        return new Entry(
                new DuplicateIdIndex.Repeat(
                        entry.get("item").asLong(),
                        entry.get("id").asText(),
                        entry.get("first").asInt()),
                entry.path("firstItem").asLong(-1),
                firstFile.isTextual()
                        ? new SourcePosition(
                                firstFile.asText(), entry.path("firstLine").asLong())
                        : null);
    }

    /** The items of the shard that are first copies of an id repeated later in it, sorted, at most {@link #MAX_FIRST_COPIES}. */
    private long[] firstCopies() throws IOException {
        TreeSet<Long> firsts = new TreeSet<>();
        try (BufferedReader lines = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.isBlank()) {
                    Entry entry = entry(json, line);
                    // a first copy the list places needs no place noted as the pass reads
                    if (entry.repeat().first() == shard && entry.firstItem() >= 0 && entry.firstAt() == null) {
                        firsts.add(entry.firstItem());
                        if (firsts.size() > MAX_FIRST_COPIES) {
                            firsts.pollLast();
                        }
                    }
                }
            }
        }
        return firsts.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public RepeatedIds open() throws IOException {
        if (list == null) {
            return RepeatedIds.NONE;
        }
        long[] firstCopies = firstCopies();
        BufferedReader lines = Files.newBufferedReader(list, StandardCharsets.UTF_8);
        return new RepeatedIds() {
            private Entry next = read();
            /** Where the first copies read so far are, by item. */
            private final Map<Long, SourcePosition> kept = new HashMap<>();

            private Entry read() {
                try {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (!line.isBlank()) {
                            return entry(json, line);
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
                if (next != null && next.repeat().item() < item) {
                    throw changed(next.repeat(), "no document");
                }
                if (next == null || next.repeat().item() > item) {
                    if (Arrays.binarySearch(firstCopies, item) >= 0) {
                        kept.put(item, doc.position());
                    }
                    return null;
                }
                Entry listed = next;
                next = read();
                // a plan of an earlier version lists a Parquet date or time id in the form that version read it in
                if (!EarlierIdForms.sameId(listed.repeat().id(), doc.id())) {
                    throw changed(listed.repeat(), "a document with id '" + doc.id() + "'");
                }
                if (listed.repeat().first() != shard) {
                    return RepeatedIds.firstInShard(doc.id(), listed.repeat().first(), listed.firstAt());
                }
                return RepeatedIds.earlierInShard(
                        doc.id(), listed.firstAt() != null ? listed.firstAt() : kept.get(listed.firstItem()));
            }

            /** The next first copy whose place is kept: the only items the list needs to see, all else it names. */
            @Override
            public long nextNeeded(long item) {
                int at = Arrays.binarySearch(firstCopies, item);
                int next = at >= 0 ? at : -at - 1;
                return next < firstCopies.length ? firstCopies[next] : Long.MAX_VALUE;
            }

            /** The repeats listed among items passed over were rejected by the attempt that checkpointed them. */
            @Override
            public void passedOver(long item) {
                while (next != null && next.repeat().item() < item) {
                    next = read();
                }
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
