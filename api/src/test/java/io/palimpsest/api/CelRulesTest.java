package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every x-kubernetes-validations rule in the generated CRDs is compiled and evaluated against at
 * least one value it must accept and one it must reject. A rule added to the api without a row
 * here fails the test, so no rule ships untested.
 */
class CelRulesTest {

    /** A rule's cases: self (and oldSelf for transition rules) that must pass, and that must fail. */
    record Case(Object accept, Object reject, Object oldSelf) {
        static Case of(Object accept, Object reject) {
            return new Case(accept, reject, null);
        }
    }

    private static final Map<String, Case> CASES = new HashMap<>();

    static {
        CASES.put(
                "!(has(self.filesPerShard) && has(self.targetShardBytes))",
                Case.of(Map.of("filesPerShard", 4L), Map.of("filesPerShard", 4L, "targetShardBytes", 1024L)));
        CASES.put(
                "!(self.type in ['minLength', 'maxLength']) || has(self.tokens) || has(self.chars) || has(self.words)",
                Case.of(Map.of("type", "minLength", "tokens", 30L), Map.of("type", "maxLength")));
        CASES.put(
                "!has(self.fanout) || !has(self.fanout.k) || self.fanout.k <= size(self.prompts)",
                Case.of(
                        Map.of("prompts", List.of(Map.of("name", "a"), Map.of("name", "b")), "fanout", Map.of("k", 2L)),
                        Map.of("prompts", List.of(Map.of("name", "a")), "fanout", Map.of("k", 2L))));
        CASES.put(
                "!has(self.min) || !has(self.max) || self.min <= self.max",
                Case.of(Map.of("min", 0L, "max", 3L), Map.of("min", 4L, "max", 3L)));
        CASES.put(
                "!has(self.render) || (!has(self.system) && !has(self.fewShot))",
                Case.of(Map.of("render", "Q: {{ meta.q }}"), Map.of("render", "x", "system", "be brief")));
        CASES.put(
                "!has(self.routes) || self.routes.all(r, r.variants.all(v, self.prompts.exists(p, p.name == v)))",
                Case.of(
                        Map.of(
                                "prompts",
                                List.of(Map.of("name", "qa")),
                                "routes",
                                List.of(Map.of("variants", List.of("qa")))),
                        Map.of(
                                "prompts",
                                List.of(Map.of("name", "qa")),
                                "routes",
                                List.of(Map.of("variants", List.of("distill"))))));
        CASES.put(
                "!self.matches('(^|/)[.][.](/|$)')",
                Case.of("pvc://corpus/web/..data/v1.2/", "pvc://corpus/../../etc/"));
        CASES.put(
                "!self.contains('@')", Case.of("http://vllm.inference:8000", "http://user:secret@vllm.inference:8000"));
        CASES.put(
                "!self.contains('?') && !self.contains('#')",
                Case.of("https://gateway.example/team-a", "https://gateway.example/openai?api-key=sk-123"));
        CASES.put(
                "[has(self.huggingFace), has(self.pvc), has(self.s3)].filter(x, x).size() == 1",
                Case.of(
                        Map.of("pvc", Map.of("claimName", "weights")),
                        Map.of("pvc", Map.of("claimName", "weights"), "s3", Map.of("uri", "s3://w/m"))));
        CASES.put(
                "[has(self.user), has(self.completion), has(self.render)].filter(x, x).size() == 1",
                Case.of(Map.of("user", "{{ text }}"), Map.of("user", "{{ text }}", "completion", "{{ text }}")));
        CASES.put(
                "has(self.endpoint) ? !has(self.source) : (has(self.model) || has(self.source))",
                Case.of(
                        Map.of("endpoint", Map.of("url", "http://x:8000")),
                        Map.of(
                                "endpoint",
                                Map.of("url", "http://x:8000"),
                                "source",
                                Map.of("pvc", Map.of("claimName", "w")))));
        CASES.put(
                "has(self.endpoint) || has(self.model)",
                Case.of(Map.of("model", "org/m"), Map.of("source", Map.of("pvc", Map.of("claimName", "w")))));
        CASES.put("has(self.parameters) != has(self.fromStage)", Case.of(Map.of("fromStage", "pairs"), Map.of()));
        CASES.put(
                "self == oldSelf",
                new Case(Map.of("uri", "s3://a/b"), Map.of("uri", "s3://a/c"), Map.of("uri", "s3://a/b")));
        CASES.put(
                "self.all(p, self.exists_one(q, q.name == p.name))",
                Case.of(
                        List.of(Map.of("name", "a"), Map.of("name", "b")),
                        List.of(Map.of("name", "a"), Map.of("name", "a"))));
        CASES.put(
                "self.all(s, self.exists_one(t, t.name == s.name))",
                Case.of(
                        List.of(Map.of("name", "s1"), Map.of("name", "s2")),
                        List.of(Map.of("name", "s1"), Map.of("name", "s1"))));
        CASES.put(
                "self.mode != 'program' || has(self.program)",
                Case.of(Map.of("mode", "program", "program", Map.of()), Map.of("mode", "program")));
        CASES.put(
                "self.mode == 'all' || has(self.k)",
                Case.of(Map.of("mode", "randomK", "k", 2L), Map.of("mode", "weighted")));
        CASES.put(
                "self.mode == 'none' || has(self.maxTokens)",
                Case.of(Map.of("mode", "segments", "maxTokens", 300L), Map.of("mode", "autoregressive")));
        CASES.put(
                "self.type != 'judge' || has(self.judge)",
                Case.of(
                        Map.of("type", "judge", "judge", Map.of("user", "Score: {{ output }}")),
                        Map.of("type", "judge")));
        CASES.put(
                "self.type != 'metadata' || has(self.when)",
                Case.of(Map.of("type", "metadata", "when", "meta.lang == 'en'"), Map.of("type", "metadata")));
        CASES.put(
                "self.type != 'regex' || has(self.pattern)",
                Case.of(Map.of("type", "regex", "pattern", "lorem"), Map.of("type", "regex")));
        CASES.put(
                "self.type != 'stripPattern' || has(self.pattern)",
                Case.of(Map.of("type", "stripPattern", "pattern", "^Passage:"), Map.of("type", "stripPattern")));
        CASES.put(
                "self.type != 'stripSentinel' || has(self.sentinel)",
                Case.of(
                        Map.of("type", "stripSentinel", "sentinel", "Here are the questions:"),
                        Map.of("type", "stripSentinel")));
        CASES.put("type(self) == int ? self >= 1 && self <= 4096 : self == 'auto'", Case.of(256L, 0L));
        Map<String, Object> renderOnly = Map.of("prompts", List.of(Map.of("name", "qa", "render", "Q: {{ meta.q }}")));
        CASES.put(
                RewriteJobSpec.MODEL_REF_RULE,
                Case.of(
                        Map.of("recipe", renderOnly),
                        Map.of("recipe", Map.of("prompts", List.of(Map.of("name", "qa", "user", "{{ text }}"))))));
        CASES.put("type(self) == int ? self >= 1 && self <= 2147483647 : self == 'auto'", Case.of("auto", 2147483648L));
        CASES.put(RewriteJobSpec.URI_RULE, Case.of("s3://corpus/web/", "s3://b/"));
        CASES.put(
                RewriteJobSpec.MODEL_REF_KEPT_RULE,
                new Case(
                        Map.of("modelRef", Map.of("name", "qwen-large")),
                        Map.of("recipe", renderOnly),
                        Map.of("modelRef", Map.of("name", "qwen-small"), "recipe", renderOnly)));
        CASES.put(
                "(has(self.idField) ? self.idField : 'id') != (has(self.textField) ? self.textField : 'text')",
                Case.of(
                        Map.of("uri", "s3://a/b", "textField", "content"),
                        Map.of("uri", "s3://a/b", "idField", "text")));
    }

    private static String normalize(String rule) {
        return rule.replaceAll("\\s+", " ").trim();
    }

    private static Set<String> allRules() throws Exception {
        Set<String> rules = new LinkedHashSet<>();
        for (CrdValidator crd : List.of(CrdValidator.rewriteJobs(), CrdValidator.rewriterModels())) {
            crd.rules().forEach(e -> rules.add(normalize((String) e.getValue().get("rule"))));
        }
        return rules;
    }

    @Test
    void everyRuleCompilesAndHasCases() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String rule : allRules()) {
            CrdValidator.compile(rule);
            if (!CASES.containsKey(rule)) {
                missing.add(rule);
            }
        }
        if (!missing.isEmpty()) {
            fail("rules without accept/reject cases in CelRulesTest: " + missing);
        }
    }

    @Test
    void everyRuleAcceptsItsGoodValueAndRejectsItsBadOne() throws Exception {
        for (String rule : allRules()) {
            Case c = CASES.get(rule);
            assertTrue(
                    CrdValidator.evaluate(rule, c.accept(), c.oldSelf()),
                    () -> "must accept: " + rule + " on " + c.accept());
            assertFalse(
                    CrdValidator.evaluate(rule, c.reject(), c.oldSelf()),
                    () -> "must reject: " + rule + " on " + c.reject());
        }
    }

    @Test
    void intOrStringRulesTakeBothForms() {
        String rule = "type(self) == int ? self >= 1 && self <= 2147483647 : self == 'auto'";
        assertTrue(CrdValidator.evaluate(rule, 8L, null));
        assertFalse(CrdValidator.evaluate(rule, 0L, null));
        assertFalse(CrdValidator.evaluate(rule, "many", null));
        assertFalse(CrdValidator.evaluate(rule, "8", null));
    }
}
