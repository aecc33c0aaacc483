package io.palimpsest.worker.run;

import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.InputItem;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The order a shard's items are handed to the model in: the longest of the next few first.
 *
 * <p>A worker keeps a window of requests in flight, so a shard ends with its last documents running
 * alone: the window empties over the longest of them, and at a campaign's end the fleet's batches
 * empty over the longest of the last documents of every shard. Sending long documents early and
 * short ones late (longest-processing-time-first, the classic rule for ending parallel work
 * together) makes those last requests the short ones. The items are read in file order into a
 * buffer of at most {@link #MAX_ITEMS} items and {@link #MAX_CHARS} characters of text, and the
 * longest in it goes next; equal lengths keep file order. A shard of up to {@link #MAX_ITEMS} items
 * is therefore sent longest first, whole; a larger one is reordered within that distance, which is
 * what its last minutes need. A document's length stands for its request's: a rewrite's answer
 * grows with its source.
 *
 * <p>Exactly-once does not depend on the order: parts list the item numbers they hold, whatever
 * their order, and an item still in the buffer when a run stops is in no part, so the next attempt
 * reads it again. An unusable item (a line that did not parse) is not buffered: it is a reject
 * recorded at once and costs the model nothing.
 */
final class LongestFirst {

    /** At most this many items wait in the buffer (the first this many of a shard: all of a small one). */
    static final int MAX_ITEMS = 256;
    /** ... and at most this much text (chars), so that long documents do not hold memory. */
    static final long MAX_CHARS = 8L * 1024 * 1024;

    /** An item waiting, with its number in the shard. */
    record Waiting(long ordinal, InputItem item) {
        long length() {
            return item instanceof Document d ? d.text().length() : 0;
        }
    }

    private final int maxItems;
    private final long maxChars;
    private final PriorityQueue<Waiting> buffer = new PriorityQueue<>(
            Comparator.comparingLong(Waiting::length).reversed().thenComparingLong(Waiting::ordinal));
    private long chars;

    LongestFirst() {
        this(MAX_ITEMS, MAX_CHARS);
    }

    LongestFirst(int maxItems, long maxChars) {
        if (maxItems < 1 || maxChars < 1) {
            throw new IllegalArgumentException("the buffer must hold at least one item and one char");
        }
        this.maxItems = maxItems;
        this.maxChars = maxChars;
    }

    void add(long ordinal, InputItem item) {
        Waiting waiting = new Waiting(ordinal, item);
        buffer.add(waiting);
        chars += waiting.length();
    }

    /** The buffer is at its bound: take an item before reading the next. */
    boolean full() {
        return buffer.size() >= maxItems || (chars >= maxChars && !buffer.isEmpty());
    }

    boolean isEmpty() {
        return buffer.isEmpty();
    }

    /** The longest item waiting (the first read among equals); null when none waits. */
    Waiting next() {
        Waiting next = buffer.poll();
        if (next != null) {
            chars -= next.length();
        }
        return next;
    }
}
