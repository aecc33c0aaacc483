package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RepeatedRefusalTest {

    /** The settings of the requests the first cases speak of: one recipe prompt's. */
    private static final String SETTINGS = "/v1/chat/completions {\"max_tokens\":1024}";

    private static final String TOO_LONG =
            "This model's maximum context length is 4096 tokens. However, you requested %d tokens";

    @Test
    void theSameRefusalBeforeAnySuccessIsAboutTheSettingsNotTheDocuments() {
        RepeatedRefusal refusals = new RepeatedRefusal(3);
        assertFalse(refusals.refused(SETTINGS, 400, TOO_LONG.formatted(5012)));
        assertFalse(refusals.refused(SETTINGS, 400, TOO_LONG.formatted(5230)));
        assertTrue(
                refusals.refused(SETTINGS, 400, TOO_LONG.formatted(5007)),
                "numbers aside, the third identical refusal in a row");
    }

    @Test
    void aDifferentRefusalStartsTheCountAgain() {
        RepeatedRefusal refusals = new RepeatedRefusal(3);
        refusals.refused(SETTINGS, 400, "bad temperature");
        refusals.refused(SETTINGS, 400, "bad temperature");
        assertFalse(refusals.refused(SETTINGS, 400, "unknown field 'foo'"));
        assertFalse(refusals.refused(SETTINGS, 400, "unknown field 'foo'"));
        assertFalse(refusals.refused(SETTINGS, 422, "unknown field 'foo'"), "another status is another refusal");
    }

    @Test
    void onceARequestSucceededRefusalsArePerDocument() {
        RepeatedRefusal refusals = new RepeatedRefusal(2);
        refusals.succeeded(SETTINGS);
        for (int i = 0; i < 100; i++) {
            assertFalse(refusals.refused(SETTINGS, 400, TOO_LONG.formatted(5000 + i)));
        }
    }

    @Test
    void anAnswerWithSomeSettingsLeavesTheRefusalsOfOthersTheJobs() {
        RepeatedRefusal refusals = new RepeatedRefusal(3);
        for (int i = 0; i < 2; i++) {
            refusals.succeeded("/v1/chat/completions {\"max_tokens\":100}");
            assertFalse(refusals.refused("/v1/chat/completions {\"max_tokens\":9000}", 400, TOO_LONG.formatted(9010)));
        }
        refusals.succeeded("/v1/chat/completions {\"max_tokens\":100}");
        assertTrue(
                refusals.refused("/v1/chat/completions {\"max_tokens\":9000}", 400, TOO_LONG.formatted(9012)),
                "the third refusal of those settings in a row, answers to others' between them");
        assertFalse(refusals.refused("/v1/chat/completions {\"max_tokens\":100}", 400, TOO_LONG.formatted(5000)));
    }
}
