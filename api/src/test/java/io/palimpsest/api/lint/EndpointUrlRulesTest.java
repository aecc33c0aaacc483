package io.palimpsest.api.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointUrlRulesTest {
    @Test
    void theRulesAreTheCrdsOwnForEndpointUrl() {
        assertEquals(List.of(), EndpointUrlRules.problems("https://gateway.example/team-a"));
        assertEquals(List.of(), EndpointUrlRules.problems("http://vllm.inference:8000"));
        List<String> userInfo = EndpointUrlRules.problems("https://me:pw@gateway.example");
        assertEquals(List.of("endpoint.url must not carry credentials; use apiKeySecretRef"), userInfo);
        assertTrue(EndpointUrlRules.problems("https://gateway.example/v?k=1")
                .get(0)
                .startsWith("endpoint.url must not carry a query or fragment"));
        assertEquals(
                List.of("endpoint.url should be a base URL: http:// or https://, then a host (with :port if needed),"
                        + " then an optional path, with no spaces, e.g. http://vllm.inference:8000"),
                EndpointUrlRules.problems("ftp://gateway.example"));
    }

    @Test
    void theShownUrlHasNoUserInfoQueryOrFragment() {
        assertEquals(
                "https://gateway.example:8443/v", EndpointUrlRules.shown("https://me:pw@gateway.example:8443/v?k=1#f"));
        assertEquals("", EndpointUrlRules.shown("https://me:p#w@gateway.example"));
        // nothing in it could be user info, a query or a fragment: shown as given
        assertEquals("not a url", EndpointUrlRules.shown("not a url"));
        assertEquals("htp:/bad", EndpointUrlRules.shown("htp:/bad"));
        assertEquals("http:/x\\u000ay", EndpointUrlRules.shown("http:/x\ny"));
    }
}
