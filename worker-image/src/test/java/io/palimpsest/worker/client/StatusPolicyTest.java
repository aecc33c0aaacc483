package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.worker.client.StatusPolicy.Meaning;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusPolicyTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // the same for every document: stop the attempt, commit nothing
        "401, JOB",
        "403, JOB",
        "404, JOB",
        "405, JOB",
        "407, JOB",
        "415, JOB",
        "501, JOB",
        // this document only
        "400, DOCUMENT",
        "413, DOCUMENT",
        "422, DOCUMENT",
        "451, DOCUMENT",
        // transient, charged to the request's retries
        "408, RETRY",
        "409, RETRY",
        "500, RETRY",
        "505, RETRY",
        // the server or its gateway cannot take requests: wait at the gate
        "429, OUTAGE",
        "502, OUTAGE",
        "503, OUTAGE",
        "504, OUTAGE",
    })
    void everyStatusHasOneMeaning(int status, Meaning meaning) {
        assertEquals(meaning, StatusPolicy.of(status));
    }
}
