package io.palimpsest.worker.format;

import java.io.Closeable;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Which documents of a shard repeat an id that came before them in the plan's order (the shard
 * order, then input order): those are rejected as {@code duplicate_id}, the first occurrence wins.
 * A worker takes them from the plan's duplicate-id index, streamed in item order beside its input
 * ({@link io.palimpsest.worker.plan.ListedRepeats}), so its memory does not grow with the shard.
 */
public interface RepeatedIds extends Closeable {

    /**
     * The reject detail when {@code doc}, item {@code item} of the shard (counted from 0 over every
     * item the shard hands out), repeats an earlier id; null when it does not. Called in increasing
     * item order.
     */
    String repeatOf(long item, Document doc);

    /**
     * The first item from {@code item} on that must be shown to {@link #repeatOf} for what it says of later items (a
     * first copy whose place a later repeat's reject names); the items before it may be passed over unread, their
     * outcome known already (a resumed attempt's checkpointed items). By default every item must be shown.
     */
    default long nextNeeded(long item) {
        return item;
    }

    /**
     * The items before {@code item} that were not shown were passed over unread ({@link #nextNeeded} allowed it):
     * what is listed of them is not looked for. Called in increasing item order, as {@link #repeatOf} is.
     */
    default void passedOver(long item) {}

    @Override
    default void close() throws IOException {}

    /** Opens the shard's repeats once per pass over the shard. */
    @FunctionalInterface
    interface Source {
        RepeatedIds open() throws IOException;
    }

    /**
     * Nothing is a repeat: every document as it is (the planner, which is what finds the repeats; a shard whose
     * list names none). No item need be shown.
     */
    RepeatedIds NONE = new RepeatedIds() {
        @Override
        public String repeatOf(long item, Document doc) {
            return null;
        }

        @Override
        public long nextNeeded(long item) {
            return Long.MAX_VALUE;
        }
    };

    /**
     * Ids remembered as the shard is read, plus {@code earlierIds} (ids first seen in an earlier shard,
     * with that shard): for a shard read without a plan's index (a preview's sample, tests). Memory grows
     * with the shard's documents, so a worker never uses it for a planned shard. Every item must be shown to it: an id
     * passed over would not be known when it comes again.
     */
    static RepeatedIds inMemory(Map<String, Integer> earlierIds) {
        Map<String, SourcePosition> seen = new HashMap<>();
        return (item, doc) -> {
            SourcePosition first = seen.putIfAbsent(doc.id(), doc.position());
            if (first != null) {
                return earlierInShard(doc.id(), first);
            }
            Integer firstShard = earlierIds.isEmpty() ? null : earlierIds.get(doc.id());
            return firstShard == null ? null : firstInShard(doc.id(), firstShard, null);
        };
    }

    /**
     * The detail of a document whose id appeared earlier in its own shard, naming the first copy (the one kept)
     * by its file and line when {@code first} is known.
     */
    static String earlierInShard(String id, SourcePosition first) {
        return "id '" + id + "' appeared earlier in this shard"
                + (first == null ? "" : ", at " + first + " (the first copy, which is kept)")
                + generatedIdNote(id);
    }

    /**
     * The detail of a document whose id appeared first in shard {@code first}, naming that copy's file and line when
     * {@code at} is known (a plan's list of an earlier version names only the shard).
     */
    static String firstInShard(String id, int first, SourcePosition at) {
        return "id '" + id + "' appeared first in shard " + first + (at == null ? "" : ", at " + at)
                + " (the first occurrence in the plan wins)" + generatedIdNote(id);
    }

    /**
     * A record without an id is given {@code <file>:<line>} as its id: a real id of that form can be
     * the same text, and the reject says so rather than leave the collision to be guessed.
     */
    private static String generatedIdNote(String id) {
        int colon = id.lastIndexOf(':');
        if (colon <= 0 || colon == id.length() - 1) {
            return "";
        }
        for (int i = colon + 1; i < id.length(); i++) {
            if (!Character.isDigit(id.charAt(i))) {
                return "";
            }
        }
        return "; a record without an id is given '<file>:<line>' as its id, so one of the two may be such a"
                + " record and the other a real id with the same text: give every record an id (input.idField)";
    }
}
