package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlanReplacedException;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.ManyReads;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The retry rounds of an output ({@code palimpsest retry-rejects}): round {@code N} ran the documents
 * of {@code retries/round-NNN-input/retried.jsonl} (or, made by an earlier version,
 * {@code documents.jsonl}) into an output of its own under
 * {@code retries/round-NNN/}. Readers of the output take the run, then each committed round in
 * order: a document is in force where it was last run. A round is taken once every shard of its plan
 * has a receipt; an unfinished round (and any after it, which cannot exist yet) is left out. A round's receipt that
 * names another plan than the round's plan in force ({@link PlanIdentity}) fails the read naming it, as a run's
 * receipt does ({@link ReceiptTally}).
 */
public final class RetryRounds {

    public static final String RETRIES = "retries/";

    /**
     * One committed round.
     *
     * @param prefix   its output's prefix under the run's output, e.g. {@code retries/round-001/}
     * @param receipts its shards' receipts (keys of their streams are relative to {@code prefix})
     * @param retried  each document it ran again, by id, with the reason the run (or the round before)
     *                 counted it under: the first reason it was retried for
     */
    public record Round(int number, String prefix, List<Receipt> receipts, Map<String, String> retried) {

        /** Its shards' counts summed: read = written + rejected + skipped over the documents it ran again. */
        public ItemCounts counts() {
            ItemCounts counts = new ItemCounts();
            receipts.forEach(receipt -> counts.add(receipt.counts()));
            return counts;
        }
    }

    private RetryRounds() {}

    public static String prefix(int round) {
        return RETRIES + String.format("round-%03d/", round);
    }

    /** The folder of a round's input: the documents it runs again. */
    public static String inputPrefix(int round) {
        return RETRIES + String.format("round-%03d-input/", round);
    }

    /**
     * The documents round {@code round} runs again, one record each: {@code id}, {@code text}, the document's
     * metadata apart ({@code metadata}), the line of the campaign's input it came from ({@code file}, {@code line})
     * and the reasons it is retried for ({@code retriedFor}); read by {@link RecordDecoder#retryRoundInput}.
     */
    public static String inputKey(int round) {
        return inputPrefix(round) + "retried.jsonl";
    }

    /**
     * The documents of a round an earlier version made: the metadata's fields beside {@code id}, {@code text} and
     * {@code retriedFor}, read as any input (a metadata field of one of those names was lost when it was written).
     * Such a round is still read, and resumed, as it was made.
     */
    public static String earlierInputKey(int round) {
        return inputPrefix(round) + "documents.jsonl";
    }

    /** The input of round {@code round} in {@code output}, of either layout; null when there is no such round. */
    public static String existingInputKey(Storage output, int round) throws IOException {
        if (output.exists(inputKey(round))) {
            return inputKey(round);
        }
        return output.exists(earlierInputKey(round)) ? earlierInputKey(round) : null;
    }

    /** The committed rounds of {@code output}, in order (empty when it has none). */
    public static List<Round> committed(Storage output, ObjectMapper json) throws IOException {
        List<Round> rounds = new ArrayList<>();
        String inputKey;
        for (int round = 1; (inputKey = existingInputKey(output, round)) != null; round++) {
            String prefix = prefix(round);
            String manifestKey = prefix + ShardManifest.KEY;
            if (!output.exists(manifestKey)) {
                break;
            }
            byte[] manifest = output.readAll(manifestKey);
            List<Shard> shards = new ShardManifest(json).read(manifest, output.describe(manifestKey));
            String plan = PlanIdentity.of(manifest);
            List<String> receiptKeys = new ArrayList<>();
            for (Shard shard : shards) {
                receiptKeys.add(prefix + new ShardLayout(shard.index(), Compression.NONE).receiptKey());
            }
            Set<String> committed = output.list(prefix + ReceiptTally.RECEIPTS_PREFIX).stream()
                    .map(StoredObject::key)
                    .collect(Collectors.toSet());
            if (!committed.containsAll(receiptKeys)) {
                return rounds;
            }
            List<Receipt> receipts = new ArrayList<>();
            ManyReads.inOrder(output, receiptKeys, ManyReads.IN_FLIGHT, (receiptKey, bytes) -> {
                Receipt receipt = json.readValue(bytes, Receipt.class);
                if (PlanIdentity.another(receipt.planSha256(), plan)) {
                    // another round plan's shard under this one's number: its counts and rejects are not this round's
                    throw new PlanReplacedException(
                            ShardCommitter.ofAnotherPlan(output.describe(receiptKey), receipt, plan));
                }
                receipts.add(receipt);
            });
            rounds.add(new Round(round, prefix, receipts, retried(output, inputKey, json)));
        }
        return rounds;
    }

    private static Map<String, String> retried(Storage output, String key, ObjectMapper json) throws IOException {
        Map<String, String> retried = new LinkedHashMap<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(output.open(key), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode document = json.readTree(line);
                retried.put(
                        document.path("id").asText(),
                        document.path("retriedFor").path(0).asText(null));
            }
        }
        return retried;
    }
}
