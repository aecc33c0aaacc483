package io.palimpsest.worker.recipe.token;

import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Remembers the counts of recently counted texts. The engine counts one document several times (length
 * pre-filter, minimum document size, chunk budget, appended summaries), and BPE over 2 KB costs far
 * more than comparing the text with the remembered one. A fixed table of slots, one per hash bucket,
 * overwritten on collision: bounded memory, no locks, and a miss only costs the count it would
 * have cost anyway.
 */
public final class RecentTextTokenCounter implements TokenCounter {
    private static final int SLOTS = 1024;

    private record Counted(String text, int tokens) {}

    private final TokenCounter counter;
    private final AtomicReferenceArray<Counted> slots = new AtomicReferenceArray<>(SLOTS);

    private RecentTextTokenCounter(TokenCounter counter) {
        this.counter = counter;
    }

    public static TokenCounter around(TokenCounter counter) {
        return counter instanceof RecentTextTokenCounter ? counter : new RecentTextTokenCounter(counter);
    }

    @Override
    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return counter.count(text);
        }
        int slot = (text.hashCode() ^ (text.hashCode() >>> 16)) & (SLOTS - 1);
        Counted seen = slots.get(slot);
        if (seen != null && (seen.text() == text || seen.text().equals(text))) {
            return seen.tokens();
        }
        int tokens = counter.count(text);
        slots.set(slot, new Counted(text, tokens));
        return tokens;
    }

    @Override
    public int chatTemplateTokens(List<String> roles) {
        return counter.chatTemplateTokens(roles);
    }
}
