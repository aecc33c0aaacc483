package io.palimpsest.worker.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of item numbers of a shard, kept as disjoint half-open ranges {@code [start, end)}. A part
 * holds the items that finished while it was filled, in whatever order the model answered; their
 * numbers are close to one another, so a part of 500 items is a handful of ranges, and the union of
 * a shard's parts is one range plus a gap per item that was in flight at a kill.
 *
 * <p>Serialised as {@code [[start, end], ...]} in ascending order.
 */
public final class ItemRanges {

    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private long size;

    public ItemRanges() {}

    @JsonCreator
    public static ItemRanges of(long[][] pairs) {
        ItemRanges set = new ItemRanges();
        if (pairs != null) {
            for (long[] pair : pairs) {
                if (pair.length != 2 || pair[0] < 0 || pair[1] < pair[0]) {
                    throw new IllegalArgumentException(
                            "an item range is [start, end) with 0 <= start <= end, got " + Arrays.toString(pair));
                }
                set.addRange(pair[0], pair[1]);
            }
        }
        return set;
    }

    @JsonValue
    public long[][] pairs() {
        long[][] pairs = new long[ranges.size()][];
        int i = 0;
        for (Map.Entry<Long, Long> range : ranges.entrySet()) {
            pairs[i++] = new long[] {range.getKey(), range.getValue()};
        }
        return pairs;
    }

    /** How many items the set holds. */
    public long size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int rangeCount() {
        return ranges.size();
    }

    public void add(long item) {
        addRange(item, item + 1);
    }

    /** Adds {@code [start, end)}, merging with neighbours. */
    public void addRange(long start, long end) {
        if (end <= start) {
            return;
        }
        long from = start;
        long to = end;
        Map.Entry<Long, Long> before = ranges.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            // touches the range before: the loop below removes it (its start is now from) and merges it
            from = before.getKey();
        }
        Map.Entry<Long, Long> next;
        while ((next = ranges.ceilingEntry(from)) != null && next.getKey() <= to) {
            to = Math.max(to, next.getValue());
            size -= next.getValue() - next.getKey();
            ranges.remove(next.getKey());
        }
        ranges.put(from, to);
        size += to - from;
    }

    public void addAll(ItemRanges other) {
        other.ranges.forEach(this::addRange);
    }

    public boolean contains(long item) {
        Map.Entry<Long, Long> range = ranges.floorEntry(item);
        return range != null && item < range.getValue();
    }

    /** How many items from {@code item} on are in the set without a gap: 0 when {@code item} is not in it. */
    public long runFrom(long item) {
        Map.Entry<Long, Long> range = ranges.floorEntry(item);
        return range != null && item < range.getValue() ? range.getValue() - item : 0;
    }

    /** Whether any item is in both sets. */
    public boolean overlaps(ItemRanges other) {
        ItemRanges smaller = other.ranges.size() < ranges.size() ? other : this;
        ItemRanges larger = smaller == this ? other : this;
        for (Map.Entry<Long, Long> range : smaller.ranges.entrySet()) {
            Map.Entry<Long, Long> floor = larger.ranges.floorEntry(range.getKey());
            if (floor != null && floor.getValue() > range.getKey()) {
                return true;
            }
            Map.Entry<Long, Long> ceiling = larger.ranges.ceilingEntry(range.getKey());
            if (ceiling != null && ceiling.getKey() < range.getValue()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the set is exactly {@code [0, total)}. */
    public boolean isExactly(long total) {
        if (total == 0) {
            return ranges.isEmpty();
        }
        return ranges.size() == 1
                && ranges.firstKey() == 0
                && ranges.firstEntry().getValue() == total;
    }

    /** The first few gaps below {@code total}, for messages. */
    public List<String> gapsBelow(long total, int atMost) {
        List<String> gaps = new ArrayList<>();
        long expected = 0;
        for (Map.Entry<Long, Long> range : ranges.entrySet()) {
            if (range.getKey() > expected && gaps.size() < atMost) {
                gaps.add("[" + expected + ", " + range.getKey() + ")");
            }
            expected = Math.max(expected, range.getValue());
        }
        if (expected < total && gaps.size() < atMost) {
            gaps.add("[" + expected + ", " + total + ")");
        }
        return gaps;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ItemRanges other && other.ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("{");
        ranges.forEach((start, end) -> text.append(text.length() > 1 ? ", " : "")
                .append('[')
                .append(start)
                .append(", ")
                .append(end)
                .append(')'));
        return text.append('}').toString();
    }
}
