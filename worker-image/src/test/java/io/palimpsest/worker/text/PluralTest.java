package io.palimpsest.worker.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PluralTest {

    @Test
    void oneIsSingularAndTheRestPlural() {
        assertEquals("1 shard", Plural.of(1, "shard"));
        assertEquals("0 documents", Plural.of(0, "document"));
        assertEquals("1,024 documents", Plural.of(1024, "document"));
    }
}
