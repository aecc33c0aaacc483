package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.format.JsonlRecords;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The part of an output's totals each earlier recipe made ({@link Tally#getEarlierRecipes()}), counted as the totals
 * count (a document is in force where it was last run): a shard committed under an earlier recipe counts whole, the
 * run's and a retry round's alike; a document a round ran again leaves the part of the recipe whose shard had
 * rejected it (read and rejected, one each) and is counted by the round's shard, as the totals count it (written,
 * rejected or skipped as the round's receipt counts it). Which shard had rejected a
 * retried document is read from rejects files, only when some shard is of an earlier recipe and a round ran: those
 * of the run's shards of earlier recipes (a document found in none was rejected under the job's recipe) and those of
 * the rounds.
 */
final class EarlierRecipeParts {

    private final ObjectMapper json;
    private final String recipeHash;
    private final Map<String, Tally.EarlierRecipe> parts =
            new TreeMap<>(Comparator.nullsLast(Comparator.naturalOrder()));
    private final List<Receipt> runEarlier = new ArrayList<>();

    /** @param recipeHash the job's: shards of another recipe are its parts */
    EarlierRecipeParts(ObjectMapper json, String recipeHash) {
        this.json = json;
        this.recipeHash = recipeHash;
    }

    /** One of the run's receipts (under {@code _palimpsest/receipts/} of the output). */
    void run(Receipt receipt) {
        if (earlier(receipt.recipeHash())) {
            add(part(receipt.recipeHash()), receipt.counts());
            runEarlier.add(receipt);
        }
    }

    /** The committed rounds, in order, after every receipt of the run. */
    void rounds(Storage output, List<RetryRounds.Round> rounds) throws IOException {
        boolean anyEarlier = !parts.isEmpty()
                || rounds.stream().flatMap(r -> r.receipts().stream()).anyMatch(r -> earlier(r.recipeHash()));
        if (!anyEarlier) {
            return;
        }
        Set<String> retried = new HashSet<>();
        rounds.forEach(round -> retried.addAll(round.retried().keySet()));
        // the recipe each retried document's reject in force was made under; absent: the job's
        Map<String, String> rejectedUnder = new HashMap<>();
        for (Receipt receipt : runEarlier) {
            for (String id : rejectedIds(output, "", receipt, retried)) {
                rejectedUnder.putIfAbsent(id, receipt.recipeHash());
            }
        }
        for (RetryRounds.Round round : rounds) {
            for (String id : round.retried().keySet()) {
                String was = rejectedUnder.remove(id);
                if (was != null && earlier(was)) {
                    Tally.EarlierRecipe part = part(was);
                    part.setRead(part.getRead() - 1);
                    part.setRejected(part.getRejected() - 1);
                }
            }
            for (Receipt receipt : round.receipts()) {
                if (earlier(receipt.recipeHash())) {
                    ItemCounts counts = receipt.counts();
                    Tally.EarlierRecipe part = part(receipt.recipeHash());
                    part.setReceipts(part.getReceipts() + 1);
                    part.setRead(part.getRead() + counts.read);
                    part.setWritten(part.getWritten() + counts.written);
                    part.setRejected(part.getRejected() + counts.rejected);
                    part.setSkipped(part.getSkipped() + counts.skipped);
                }
                for (String id : rejectedIds(output, round.prefix(), receipt, retried)) {
                    rejectedUnder.put(id, receipt.recipeHash());
                }
            }
        }
    }

    /** The parts, in the order of their hashes; null when every shard is of the job's recipe. */
    List<Tally.EarlierRecipe> parts() {
        return parts.isEmpty() ? null : new ArrayList<>(parts.values());
    }

    private boolean earlier(String hash) {
        return recipeHash != null && !Objects.equals(recipeHash, hash);
    }

    private Tally.EarlierRecipe part(String hash) {
        return parts.computeIfAbsent(hash, h -> {
            Tally.EarlierRecipe part = new Tally.EarlierRecipe();
            part.setRecipeHash(h);
            return part;
        });
    }

    private static void add(Tally.EarlierRecipe part, ItemCounts counts) {
        part.setReceipts(part.getReceipts() + 1);
        part.setRead(part.getRead() + counts.read);
        part.setWritten(part.getWritten() + counts.written);
        part.setRejected(part.getRejected() + counts.rejected);
        part.setSkipped(part.getSkipped() + counts.skipped);
    }

    /** The ids among {@code wanted} that the receipt's rejects file rejects (its key is relative to {@code prefix}). */
    private Collection<String> rejectedIds(Storage output, String prefix, Receipt receipt, Set<String> wanted)
            throws IOException {
        Set<String> ids = new HashSet<>();
        StreamFile rejects =
                receipt.outputs() == null ? null : receipt.outputs().get(ShardLayout.REJECTS_STREAM);
        if (rejects == null || wanted.isEmpty()) {
            return ids;
        }
        JsonlRecords.each(output, prefix + rejects.key(), json, record -> {
            String id = record.path("id").asText(null);
            if (id != null && "rejected".equals(record.path("outcome").asText("rejected")) && wanted.contains(id)) {
                ids.add(id);
            }
        });
        return ids;
    }
}
