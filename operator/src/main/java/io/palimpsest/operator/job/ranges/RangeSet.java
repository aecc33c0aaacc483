package io.palimpsest.operator.job.ranges;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * An immutable set of non-negative shard indexes held as sorted, disjoint, non-adjacent ranges:
 * the shape of a Kubernetes Indexed Job's {@code completedIndexes} ({@code "0-99,105,200-250"}).
 *
 * <p>Memory and time follow the number of ranges, not of indexes: 100,000 indexes with 5,000
 * holes are 5,001 ranges (40 KB), and union/minus are one linear merge. Bounds live in one
 * {@code int[]} of inclusive (start, end) pairs.
 */
public final class RangeSet {
    private static final RangeSet EMPTY = new RangeSet(new int[0]);

    /** start0, end0, start1, end1, ...; ends inclusive; start(i+1) > end(i) + 1. */
    private final int[] bounds;

    private RangeSet(int[] bounds) {
        this.bounds = bounds;
    }

    public static RangeSet empty() {
        return EMPTY;
    }

    /** {@code [first, last]}, inclusive; empty when last < first. */
    public static RangeSet range(int first, int last) {
        if (first < 0) {
            throw new IllegalArgumentException("negative index " + first);
        }
        return last < first ? EMPTY : new RangeSet(new int[] {first, last});
    }

    public static RangeSet of(int... indexes) {
        Builder b = new Builder();
        int[] sorted = indexes.clone();
        Arrays.sort(sorted);
        for (int i : sorted) {
            b.add(i);
        }
        return b.build();
    }

    /**
     * Parses the Kubernetes form. Null or blank is empty. Ranges may come in any order and may
     * overlap (they are normalised); anything else is rejected, including a truncation marker.
     */
    public static RangeSet parse(String text) {
        if (text == null || text.isBlank()) {
            return EMPTY;
        }
        Builder b = new Builder();
        int n = text.length();
        int i = 0;
        while (i < n) {
            int[] pos = {i};
            int first = readInt(text, pos);
            int last = first;
            i = pos[0];
            if (i < n && text.charAt(i) == '-') {
                pos[0] = i + 1;
                last = readInt(text, pos);
                i = pos[0];
                if (last < first) {
                    throw new IllegalArgumentException(
                            "descending range " + first + "-" + last + " in \"" + abbreviate(text) + "\"");
                }
            }
            b.addRange(first, last);
            if (i < n) {
                if (text.charAt(i) != ',') {
                    throw new IllegalArgumentException(
                            "unexpected '" + text.charAt(i) + "' at " + i + " in \"" + abbreviate(text) + "\"");
                }
                i++;
                if (i == n) {
                    throw new IllegalArgumentException("trailing comma in \"" + abbreviate(text) + "\"");
                }
            }
        }
        return b.build();
    }

    private static int readInt(String text, int[] pos) {
        int i = pos[0];
        int start = i;
        long value = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            value = value * 10 + (text.charAt(i) - '0');
            if (value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("index too large in \"" + abbreviate(text) + "\"");
            }
            i++;
        }
        if (i == start) {
            throw new IllegalArgumentException("expected a number at " + start + " in \"" + abbreviate(text) + "\"");
        }
        pos[0] = i;
        return (int) value;
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }

    /** The Kubernetes form; "" when empty. */
    public String format() {
        return format(Integer.MAX_VALUE);
    }

    /**
     * The Kubernetes form cut at a range boundary so it stays within {@code maxChars}; a cut
     * string ends in {@value #TRUNCATION_MARK} (and is then no longer parseable, on purpose);
     * {@code maxChars} must leave room for the mark (at least 4).
     */
    public String format(int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(maxChars, bounds.length * 7));
        for (int r = 0; r < bounds.length; r += 2) {
            int mark = sb.length();
            if (r > 0) {
                sb.append(',');
            }
            sb.append(bounds[r]);
            if (bounds[r + 1] != bounds[r]) {
                sb.append('-').append(bounds[r + 1]);
            }
            boolean last = r + 2 == bounds.length;
            if (sb.length() > maxChars || (!last && sb.length() + TRUNCATION_MARK.length() > maxChars)) {
                sb.setLength(mark);
                sb.append(mark == 0 ? "..." : TRUNCATION_MARK);
                return sb.toString();
            }
        }
        return sb.toString();
    }

    /** Appended to a range string cut by {@link #format(int)}. */
    public static final String TRUNCATION_MARK = ",...";

    public boolean isEmpty() {
        return bounds.length == 0;
    }

    public int rangeCount() {
        return bounds.length / 2;
    }

    public long cardinality() {
        long n = 0;
        for (int r = 0; r < bounds.length; r += 2) {
            n += (long) bounds[r + 1] - bounds[r] + 1;
        }
        return n;
    }

    public boolean contains(int index) {
        int lo = 0;
        int hi = rangeCount() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (index < bounds[2 * mid]) {
                hi = mid - 1;
            } else if (index > bounds[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The smallest index, or -1 when empty. */
    public int first() {
        return bounds.length == 0 ? -1 : bounds[0];
    }

    /** The largest index, or -1 when empty. */
    public int last() {
        return bounds.length == 0 ? -1 : bounds[bounds.length - 1];
    }

    public int rangeStart(int range) {
        return bounds[2 * range];
    }

    public int rangeEnd(int range) {
        return bounds[2 * range + 1];
    }

    public RangeSet with(int index) {
        return contains(index) ? this : union(range(index, index));
    }

    public RangeSet union(RangeSet other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        Builder b = new Builder(bounds.length + other.bounds.length);
        int i = 0;
        int j = 0;
        while (i < bounds.length || j < other.bounds.length) {
            boolean takeMine = j >= other.bounds.length || (i < bounds.length && bounds[i] <= other.bounds[j]);
            if (takeMine) {
                b.addRange(bounds[i], bounds[i + 1]);
                i += 2;
            } else {
                b.addRange(other.bounds[j], other.bounds[j + 1]);
                j += 2;
            }
        }
        return b.build();
    }

    /** This set without the indexes of {@code other}. */
    public RangeSet minus(RangeSet other) {
        if (isEmpty() || other.isEmpty()) {
            return this;
        }
        Builder b = new Builder(bounds.length + other.bounds.length);
        int j = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            long start = bounds[i];
            int end = bounds[i + 1];
            while (j < other.bounds.length && other.bounds[j + 1] < start) {
                j += 2;
            }
            int k = j;
            while (start <= end && k < other.bounds.length && other.bounds[k] <= end) {
                if (other.bounds[k] > start) {
                    b.addRange((int) start, other.bounds[k] - 1);
                }
                start = Math.max(start, (long) other.bounds[k + 1] + 1);
                k += 2;
            }
            if (start <= end) {
                b.addRange((int) start, end);
            }
        }
        return b.build();
    }

    public RangeSet intersect(RangeSet other) {
        return minus(minus(other));
    }

    /** Indexes in ascending order. */
    public void forEach(IntConsumer action) {
        for (int r = 0; r < bounds.length; r += 2) {
            for (int x = bounds[r]; x <= bounds[r + 1]; x++) {
                action.accept(x);
                if (x == Integer.MAX_VALUE) {
                    break;
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RangeSet other && Arrays.equals(bounds, other.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        return format(200);
    }

    /**
     * Accumulates indexes or ranges; cheapest when they arrive in ascending order (the common
     * case: parsing, merging), still correct when they do not.
     */
    public static final class Builder {
        private int[] buf;
        private int size;
        private boolean sorted = true;

        public Builder() {
            this(16);
        }

        Builder(int capacity) {
            buf = new int[Math.max(2, capacity)];
        }

        public Builder add(int index) {
            return addRange(index, index);
        }

        public Builder addRange(int first, int last) {
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("bad range " + first + "-" + last);
            }
            if (size > 0) {
                int prevEnd = buf[size - 1];
                if (first < buf[size - 2]) {
                    sorted = false;
                } else if ((long) first <= (long) prevEnd + 1) {
                    buf[size - 1] = Math.max(prevEnd, last);
                    return this;
                }
            }
            if (size + 2 > buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[size++] = first;
            buf[size++] = last;
            return this;
        }

        public RangeSet build() {
            if (size == 0) {
                return EMPTY;
            }
            if (sorted) {
                return new RangeSet(Arrays.copyOf(buf, size));
            }
            long[] packed = new long[size / 2];
            for (int r = 0; r < size; r += 2) {
                packed[r / 2] = ((long) buf[r] << 32) | (buf[r + 1] & 0xffffffffL);
            }
            Arrays.sort(packed);
            Builder again = new Builder(size);
            for (long p : packed) {
                again.addRange((int) (p >>> 32), (int) p);
            }
            return again.build();
        }
    }
}
