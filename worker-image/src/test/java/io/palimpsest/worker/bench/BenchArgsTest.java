package io.palimpsest.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchArgsTest {

    @Test
    void readsValuesAndDefaults() {
        BenchArgs options = new BenchArgs(new String[] {"--docs", "10"});
        assertEquals("10", options.get("--docs", "200000"));
        assertEquals("30", options.get("--seconds", "30"));
        options.checkAllKnown();
    }

    @Test
    void anOptionNoOneReadStopsTheRun() {
        BenchArgs options = new BenchArgs(new String[] {"--docs", "10", "--engine", "recipe"});
        options.get("--docs", "200000");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, options::checkAllKnown);
        assertTrue(e.getMessage().contains("[--engine, recipe]"), e.getMessage());
        assertTrue(e.getMessage().contains("[--docs]"), e.getMessage());
    }
}
