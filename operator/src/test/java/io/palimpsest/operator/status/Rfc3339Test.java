package io.palimpsest.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class Rfc3339Test {

    @Test
    void writesWholeSecondsInUtcAndReadsWhatKubernetesWrites() {
        assertEquals("2026-12-05T17:43:41Z", Rfc3339.format(Instant.parse("2026-12-05T17:43:41.987654Z")));
        assertEquals(Instant.parse("2026-12-05T17:43:41.5Z"), Rfc3339.parse("2026-12-05T17:43:41.500Z"));
        assertEquals(
                "2026-12-05T17:43:41Z",
                Rfc3339.format(Rfc3339.parse(Rfc3339.format(Instant.parse("2026-12-05T17:43:41.9Z")))));
        assertNull(Rfc3339.format(null));
        assertNull(Rfc3339.parse(null));
    }
}
