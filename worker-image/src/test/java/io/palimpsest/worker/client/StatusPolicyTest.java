package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.worker.client.StatusPolicy.Meaning;
import io.palimpsest.worker.config.ManifestField;
import java.util.List;
import org.junit.jupiter.api.Test;
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

    /**
     * A 404 is placed at the model's name only when the server's words are about the model; the answer for a path
     * no route serves is the endpoint URL's.
     */
    @ParameterizedTest(name = "{0} -> model: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // vLLM (and model-sim) for a model it does not serve, in its older and newer shapes
                "{\"error\":{\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}} | true",
                "{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404} | true",
                "{\"error\":{\"message\":\"not served here\",\"type\":\"NotFoundError\",\"param\":\"model\",\"code\":404}} | true",
                "{\"error\":{\"message\":\"no such thing\",\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}} | true",
                // FastAPI's answer for a path with no route (vLLM's too), a gateway's page, nothing at all
                "{\"detail\":\"Not Found\"} | false",
                "<html><head><title>404 Not Found</title></head><body>nginx</body></html> | false",
                "'' | false",
            })
    void a404IsAboutTheModelOnlyWhenTheServerSaysSo(String body, boolean model) {
        assertEquals(model, StatusPolicy.namesTheModel(body));
        assertEquals(
                model ? StatusPolicy.MODEL_NAME : List.of(ManifestField.model("spec.endpoint.url")),
                StatusPolicy.fields(404, body));
    }

    @Test
    void aRouteNotFoundSaysToCheckTheEndpointUrlAndNotTheModelName() {
        String hint = StatusPolicy.hint(404, "{\"detail\":\"Not Found\"}");
        assertEquals(false, hint.contains("servedModelName"), hint);
        assertEquals(true, hint.contains("endpoint URL"), hint);
    }
}
