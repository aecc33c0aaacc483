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
        assertTrue(EndpointUrlRules.problems("ftp://gateway.example").get(0).startsWith("endpoint.url should match"));
    }

    @Test
    void theShownUrlHasNoUserInfoQueryOrFragment() {
        assertEquals(
                "https://gateway.example:8443/v", EndpointUrlRules.shown("https://me:pw@gateway.example:8443/v?k=1#f"));
        assertEquals("", EndpointUrlRules.shown("https://me:p#w@gateway.example"));
        assertEquals("", EndpointUrlRules.shown("not a url"));
    }
}
