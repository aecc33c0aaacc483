package io.palimpsest.worker.show;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.JsonlRecords;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlannedInput;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.run.ItemCounts;
import io.palimpsest.worker.run.Receipt;
import io.palimpsest.worker.run.ReceiptTally;
import io.palimpsest.worker.run.RetryRounds;
import io.palimpsest.worker.run.ShardCommitter;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.run.StreamFile;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads committed documents of an output with their sources. Only what receipts list is read: a
 * shard without a receipt, checkpoints and part files are never looked at, so nothing uncommitted
 * is ever shown. A committed retry round ({@code retry-rejects}) replaces the results of the
 * documents it ran again, as {@code <variant>/} then {@code retries/round-*}{@code /<variant>/}: a
 * document is shown as it is in force. Sources are read from the input the plan was cut from ({@link PlannedInput}),
 * matched by the input position the records carry, else by id.
 *
 * <p>Memory stays bounded by the limit: records are kept only for the first {@code limit}
 * documents in (shard, file, line, id) order, and a shard after the limit is reached is not read.
 */
public final class CommittedOutputReader {

    /** Opens an input URI (storages and credentials are the caller's: the CLI's environment). */
    @FunctionalInterface
    public interface InputOpener {
        InputRoot open(String uri) throws IOException;
    }

    private final ObjectMapper json;

    public CommittedOutputReader(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param inputOverride the input to join sources from instead of the recorded one (outputs planned
     *                      before the record existed); null to use the record
     */
    public ShownOutput load(
            String outputUri, Storage output, InputOpener inputs, String inputOverride, ShowSelection selection)
            throws IOException {
        if (!output.exists(ShardManifest.KEY)) {
            throw new ShowException(outputUri + " holds no Palimpsest output: there is no " + ShardManifest.KEY);
        }
        List<Shard> shards = new ShardManifest(json).read(output);
        if (selection.shard() != null && (selection.shard() < 0 || selection.shard() >= shards.size())) {
            throw new ShowException("shard " + selection.shard() + " does not exist: the plan of " + outputUri + " has "
                    + Plural.of(shards.size(), "shard") + " (0-" + (shards.size() - 1) + ")");
        }
        PlannedInput input = plannedInput(outputUri, output, inputOverride);

        List<Shard> inScope = selection.shard() == null ? shards : List.of(shards.get(selection.shard()));
        Map<Integer, JsonNode> receipts = new LinkedHashMap<>();
        Set<String> variants = new LinkedHashSet<>();
        String plan = PlanIdentity.inForce(output);
        for (Shard shard : inScope) {
            ShardLayout layout = new ShardLayout(shard.index(), Compression.NONE);
            if (output.exists(layout.receiptKey())) {
                JsonNode receipt = json.readTree(output.readAll(layout.receiptKey()));
                // another plan's shard under this number: its records are not of this plan's input
                ShardCommitter.confirmPlan(output, layout.receiptKey(), receipt, plan);
                receipts.put(shard.index(), receipt);
                receipt.path("outputs").fieldNames().forEachRemaining(stream -> {
                    if (!ShardLayout.REJECTS_STREAM.equals(stream)) {
                        variants.add(stream);
                    }
                });
                receipt.path("counts").path("variants").fieldNames().forEachRemaining(variants::add);
            }
        }
        if (receipts.isEmpty()) {
            throw new ShowException("no committed output at " + outputUri + ": "
                    + (selection.shard() != null
                            ? "shard " + selection.shard() + " has no receipt yet"
                            : "none of its " + Plural.of(shards.size(), "shard") + " has a receipt yet"));
        }
        if (selection.variant() != null && !variants.contains(selection.variant())) {
            throw new ShowException("unknown variant '" + selection.variant() + "': " + outputUri + " has "
                    + String.join(", ", variants));
        }

        Collected collected = new Collected(selection.id() == null ? selection.limit() : Integer.MAX_VALUE);
        boolean more = false;
        for (Shard shard : inScope) {
            JsonNode receipt = receipts.get(shard.index());
            if (receipt == null) {
                continue;
            }
            if (collected.full()) {
                more = true;
                break;
            }
            Iterator<Map.Entry<String, JsonNode>> streams =
                    receipt.path("outputs").fields();
            while (streams.hasNext()) {
                Map.Entry<String, JsonNode> stream = streams.next();
                String key = stream.getValue().path("key").asText(null);
                if (key == null) {
                    throw new IOException(outputUri + ": the receipt of shard " + shard.index() + " names no key for "
                            + stream.getKey());
                }
                boolean rejects = ShardLayout.REJECTS_STREAM.equals(stream.getKey());
                readRecords(output, key, record -> {
                    ShownResult result = rejects ? reject(record) : written(stream.getKey(), record);
                    String id = documentId(record, rejects);
                    if (id == null || (selection.id() != null && !selection.id().equals(id))) {
                        return;
                    }
                    if (selection.variant() != null
                            && result.variant() != null
                            && !selection.variant().equals(result.variant())) {
                        return;
                    }
                    JsonNode at = rejects ? record : record.path("provenance");
                    String file = at.path("file").asText(null);
                    Long line = at.path("line").isNumber() ? at.path("line").asLong() : null;
                    collected.add(new Position(shard.index(), file, line, id), result);
                });
            }
            more |= collected.dropped;
        }
        List<RetryRounds.Round> rounds = RetryRounds.committed(output, json);
        for (RetryRounds.Round round : rounds) {
            inForce(output, round, collected, selection);
        }
        if (collected.documents.isEmpty()) {
            String committed = receipts.size() + " of " + Plural.of(inScope.size(), "shard") + " committed";
            if (selection.id() != null) {
                throw new ShowException("no document with id '" + selection.id() + "' in the committed output of "
                        + outputUri + " (" + committed
                        + (selection.variant() != null ? ", variant " + selection.variant() : "") + ")");
            }
            throw new ShowException(
                    "no committed record" + (selection.variant() != null ? " of variant " + selection.variant() : "")
                            + " in " + outputUri + " (" + committed + ")");
        }
        Map<Position, Source> sources = sources(input, shards, collected.documents.keySet(), inputs);
        List<ShownDocument> documents = new ArrayList<>();
        List<String> order = new ArrayList<>(variants);
        collected.documents.forEach((position, results) -> {
            results.sort(Comparator.comparingInt(r -> r.variant() == null ? -1 : order.indexOf(r.variant())));
            Source source = sources.getOrDefault(
                    position, new Source(null, "not found in " + input.uri() + " (the input changed since the run?)"));
            documents.add(new ShownDocument(
                    position.id(),
                    position.shard(),
                    position.file(),
                    position.line(),
                    source.text(),
                    source.note(),
                    results));
        });
        JsonNode first = receipts.values().iterator().next();
        ShownOutput.Origin origin = new ShownOutput.Origin(
                first.path("job").asText(null),
                first.path("recipeHash").asText(null),
                first.path("model").asText(null));
        return new ShownOutput(
                outputUri,
                input.uri(),
                order,
                shards.size(),
                receipts.size(),
                documents,
                more,
                origin,
                selection.shard(),
                counts(receipts.values(), selection.shard() == null ? rounds : List.of()),
                selection.variant());
    }

    /** An output of a matrix has an id of its own; its document is the provenance's sourceId. */
    private static String documentId(JsonNode record, boolean reject) {
        return reject
                ? record.path("id").asText(null)
                : record.path("provenance")
                        .path("sourceId")
                        .asText(record.path("id").asText(null));
    }

    /**
     * A document is in force where it was last run: the results of a document the retry round ran
     * again replace those of the run (or of an earlier round). Only documents already collected are
     * looked up, so memory stays bounded by the limit.
     */
    private void inForce(Storage output, RetryRounds.Round round, Collected collected, ShowSelection selection)
            throws IOException {
        Map<String, List<Position>> retried = new HashMap<>();
        for (Position position : collected.documents.keySet()) {
            if (round.retried().containsKey(position.id())) {
                retried.computeIfAbsent(position.id(), id -> new ArrayList<>()).add(position);
            }
        }
        if (retried.isEmpty()) {
            return;
        }
        Map<String, List<ShownResult>> results = new HashMap<>();
        for (Receipt receipt : round.receipts()) {
            for (Map.Entry<String, StreamFile> stream : receipt.outputs().entrySet()) {
                boolean rejects = ShardLayout.REJECTS_STREAM.equals(stream.getKey());
                readRecords(output, round.prefix() + stream.getValue().key(), record -> {
                    String id = documentId(record, rejects);
                    if (id == null || !retried.containsKey(id)) {
                        return;
                    }
                    ShownResult result =
                            (rejects ? reject(record) : written(stream.getKey(), record)).inRound(round.number());
                    if (selection.variant() != null
                            && result.variant() != null
                            && !selection.variant().equals(result.variant())) {
                        return;
                    }
                    results.computeIfAbsent(id, k -> new ArrayList<>()).add(result);
                });
            }
        }
        retried.forEach((id, positions) -> positions.forEach(
                position -> collected.documents.put(position, new ArrayList<>(results.getOrDefault(id, List.of())))));
    }

    private static ShownOutput.Counts counts(Collection<JsonNode> receipts, List<RetryRounds.Round> rounds) {
        ItemCounts sum = new ItemCounts();
        for (JsonNode receipt : receipts) {
            JsonNode counts = receipt.path("counts");
            sum.read += counts.path("read").asLong();
            sum.written += counts.path("written").asLong();
            sum.rejected += counts.path("rejected").asLong();
            sum.skipped += counts.path("skipped").asLong();
            sum.promptTokens += counts.path("promptTokens").asLong();
            sum.completionTokens += counts.path("completionTokens").asLong();
        }
        // a document a round ran again counts as the round ended it, as the totals count it
        rounds.forEach(round -> ReceiptTally.inForce(sum, round));
        return new ShownOutput.Counts(
                sum.read, sum.written, sum.rejected, sum.skipped, sum.promptTokens, sum.completionTokens);
    }

    private PlannedInput plannedInput(String outputUri, Storage output, String inputOverride) throws IOException {
        if (inputOverride != null) {
            return PlannedInput.read(output, json)
                    .map(p -> new PlannedInput(inputOverride, p.format(), p.textField(), p.idField()))
                    .orElse(new PlannedInput(inputOverride, null, null, null));
        }
        return PlannedInput.read(output, json)
                .orElseThrow(
                        () -> new ShowException(outputUri + " does not record the input it was" + " planned from (no "
                                + PlannedInput.KEY + ": planned by an earlier version); name it with --input <uri>"));
    }

    private ShownResult written(String variant, JsonNode record) {
        return new ShownResult(
                variant, ShownResult.Outcome.written, record.path("text").asText(""), null, null, params(record));
    }

    private ShownResult reject(JsonNode record) {
        ShownResult.Outcome outcome = "skipped".equals(record.path("outcome").asText())
                ? ShownResult.Outcome.skipped
                : ShownResult.Outcome.rejected;
        String variant = record.path("variant").asText(null);
        return new ShownResult(
                        variant,
                        outcome,
                        record.path("output").asText(null),
                        record.path("reason").asText(null),
                        record.path("detail").asText(null),
                        params(record))
                .madeFrom(
                        record.path("madeFromWords").canConvertToInt()
                                ? record.path("madeFromWords").asInt()
                                : null);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> params(JsonNode record) {
        JsonNode params = record.path("provenance").path("params");
        return params.isObject() ? json.convertValue(params, Map.class) : Map.of();
    }

    private void readRecords(Storage output, String key, JsonlRecords.Sink sink) throws IOException {
        if (!output.exists(key)) {
            throw new IOException(output.describe(key) + " is listed by a receipt but missing");
        }
        JsonlRecords.each(output, key, json, sink);
    }

    /** The source text of each wanted document, read from the shards' input files. */
    private Map<Position, Source> sources(
            PlannedInput input, List<Shard> shards, Set<Position> wanted, InputOpener inputs) throws IOException {
        Map<Position, Source> found = new HashMap<>();
        Map<Integer, List<Position>> byShard = new TreeMap<>();
        wanted.forEach(
                p -> byShard.computeIfAbsent(p.shard(), s -> new ArrayList<>()).add(p));
        InputRoot root;
        try {
            root = inputs.open(input.uri());
        } catch (IOException | RuntimeException e) {
            throw new ShowException("cannot open the input " + input.uri() + " to show the sources: " + e.getMessage());
        }
        try {
            DocumentReaders readers = new DocumentReaders(
                    formatSetting(input.format()),
                    new RecordDecoder(json, new FieldMapping(input.textField(), input.idField())),
                    DocumentReaders.DEFAULT_MAX_LINE_BYTES);
            for (Map.Entry<Integer, List<Position>> entry : byShard.entrySet()) {
                Set<Position> missing = new HashSet<>(entry.getValue());
                for (ShardFile file : shards.get(entry.getKey()).files()) {
                    if (missing.isEmpty()) {
                        break;
                    }
                    if (!root.storage().exists(file.key())) {
                        continue;
                    }
                    try (DocumentReader reader = readers.open(root.storage(), file.key())) {
                        InputItem item;
                        while (!missing.isEmpty() && (item = reader.next()) != null) {
                            String id = item instanceof Document d ? d.id() : ((UnusableItem) item).id();
                            for (Iterator<Position> it = missing.iterator(); it.hasNext(); ) {
                                Position p = it.next();
                                if (p.matches(
                                        item.position().file(), item.position().line(), id)) {
                                    found.put(
                                            p,
                                            item instanceof Document d
                                                    ? new Source(d.text(), null)
                                                    : new Source(
                                                            null,
                                                            "the input record is unusable: "
                                                                    + ((UnusableItem) item).detail()));
                                    it.remove();
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            root.storage().close();
        }
        return found;
    }

    private static String formatSetting(String format) {
        if (format == null || format.equals("auto")) {
            return "auto";
        }
        return format.equals("parquet") ? "parquet" : "jsonl";
    }

    /** Where a document sits: the order documents are shown in, and how its source is found. */
    record Position(int shard, String file, Long line, String id) implements Comparable<Position> {
        private static final Comparator<Position> ORDER = Comparator.comparingInt(Position::shard)
                .thenComparing(Position::file, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Position::line, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Position::id);

        /** The same input record: by file and line when the committed record has them, else by id. */
        boolean matches(String inputFile, long inputLine, String inputId) {
            if (file != null && line != null) {
                return file.equals(inputFile) && line == inputLine;
            }
            return id.equals(inputId);
        }

        @Override
        public int compareTo(Position other) {
            return ORDER.compare(this, other);
        }
    }

    private record Source(String text, String note) {}

    /** The first {@code limit} documents in position order, with their results. */
    private static final class Collected {
        final TreeMap<Position, List<ShownResult>> documents = new TreeMap<>();
        final int limit;
        boolean dropped;

        Collected(int limit) {
            this.limit = limit;
        }

        void add(Position position, ShownResult result) {
            List<ShownResult> results = documents.get(position);
            if (results == null) {
                if (documents.size() >= limit) {
                    if (position.compareTo(documents.lastKey()) > 0) {
                        dropped = true;
                        return;
                    }
                    documents.pollLastEntry();
                    dropped = true;
                }
                results = new ArrayList<>();
                documents.put(position, results);
            }
            results.add(result);
        }

        boolean full() {
            return documents.size() >= limit;
        }
    }
}
