package io.palimpsest.worker.run;

import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.InputItem;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How far a shard's reader runs ahead of the answers: items handed to the processor and not yet taken
 * by the writer, bounded both in number and in the size of their texts. The count alone let a window
 * of some thousands of 100 KB documents hold gigabytes; the bytes bound keeps it to a share of the heap
 * whatever the documents' size. An item whose text is larger than the whole budget still goes, alone,
 * so no document waits forever. One pass's reader acquires; the writer releases, with the same item.
 */
final class ReadAhead {

    /**
     * The share of the heap the texts of the items in the window may take (1/8): each is held with its
     * answers and its record besides, so the window as a whole takes a few times this.
     */
    static final int HEAP_SHARE = 8;
    /** Bytes are counted in KiB, so that budgets over 2 GiB fit a semaphore's permits. */
    private static final int UNIT = 1024;

    private final Semaphore items;
    private final Semaphore units;
    private final int budgetUnits;

    /**
     * @param items the most items out at once
     * @param bytes the most bytes of text out at once (an item larger than this goes alone)
     */
    ReadAhead(int items, long bytes) {
        if (items < 1 || bytes < 1) {
            throw new IllegalArgumentException(
                    "read-ahead needs room for one item, got " + items + " items, " + bytes + " bytes");
        }
        this.items = new Semaphore(items);
        this.budgetUnits = (int) Math.min(Integer.MAX_VALUE, Math.max(1, bytes / UNIT));
        this.units = new Semaphore(budgetUnits);
    }

    /** The default bytes bound: {@link #HEAP_SHARE} of the maximum heap. */
    static long heapShare() {
        return Runtime.getRuntime().maxMemory() / HEAP_SHARE;
    }

    /**
     * Waits for room for {@code item}; false, holding nothing, once {@code giveUp} says the pass is ending
     * (it is asked every 200 ms while waiting).
     */
    boolean acquire(InputItem item, BooleanSupplier giveUp) throws InterruptedException {
        if (!waitFor(items, 1, giveUp)) {
            return false;
        }
        if (!waitFor(units, cost(item), giveUp)) {
            items.release();
            return false;
        }
        return true;
    }

    /** Gives back what {@link #acquire} took for {@code item}. */
    void release(InputItem item) {
        units.release(cost(item));
        items.release();
    }

    /**
     * What an item takes of the bytes budget: its text as a string holds it (two bytes a character at most),
     * at least one unit, at most the whole budget.
     */
    int cost(InputItem item) {
        long bytes = item instanceof Document document ? 2L * document.text().length() : 0;
        return (int) Math.max(1, Math.min(budgetUnits, (bytes + UNIT - 1) / UNIT));
    }

    private static boolean waitFor(Semaphore semaphore, int permits, BooleanSupplier giveUp)
            throws InterruptedException {
        while (!semaphore.tryAcquire(permits, 200, TimeUnit.MILLISECONDS)) {
            if (giveUp.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }
}
