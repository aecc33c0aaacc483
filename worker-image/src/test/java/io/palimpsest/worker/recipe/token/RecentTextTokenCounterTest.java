package io.palimpsest.worker.recipe.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RecentTextTokenCounterTest {

    @Test
    void aTextCountedAgainIsAnsweredFromMemory() {
        AtomicInteger calls = new AtomicInteger();
        TokenCounter counter = RecentTextTokenCounter.around(text -> {
            calls.incrementAndGet();
            return text.length();
        });
        String doc = "a document of some length";
        assertEquals(doc.length(), counter.count(doc));
        assertEquals(doc.length(), counter.count(new String(doc.toCharArray())));
        assertEquals(1, calls.get(), "an equal text, even another instance, is not counted twice");
        assertEquals(3, counter.count("abc"));
        assertEquals(2, calls.get());
    }

    @Test
    void manyTextsSharingSlotsStillGetTheirOwnCounts() {
        TokenCounter counter = RecentTextTokenCounter.around(BpeTokenCounter.instance());
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            texts.add("text number " + i + " " + "word ".repeat(i % 37));
        }
        for (int round = 0; round < 2; round++) {
            for (String t : texts) {
                assertEquals(BpeTokenCounter.instance().count(t), counter.count(t), t);
            }
        }
    }

    @Test
    void wrappingTwiceKeepsOneLayer() {
        TokenCounter once = RecentTextTokenCounter.around(BpeTokenCounter.instance());
        assertSame(once, RecentTextTokenCounter.around(once));
    }
}
