package io.palimpsest.sim.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.text.ChatMessage;
import io.palimpsest.sim.text.Prompt;
import io.palimpsest.sim.text.Rewriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResponseRulesTest {
    private static final ResponseRules EXAMPLE = ResponseRules.load(Path.of("examples/rules.yaml"));

    private static String answer(ResponseRules rules, Prompt prompt) {
        ResponseRules.Hit hit = rules.firstMatch(prompt).orElseThrow();
        return hit.rule()
                .response()
                .orElseThrow()
                .render(new TemplateContext(prompt, hit.match(), 0, () -> Rewriter.rewrite(prompt.document(), 0)));
    }

    private static Prompt chat(String user) {
        return Prompt.ofChat(List.of(new ChatMessage("system", "You are careful."), new ChatMessage("user", user)));
    }

    @Test
    void exampleJudgeRuleAnswersAScoreStablePerPrompt() {
        String a = answer(EXAMPLE, chat("Rate the rewritten text from 1 to 5: <document>x</document>"));
        assertTrue(a.matches("(?s).*Score: [345]\\s*"), a);
        assertEquals(a, answer(EXAMPLE, chat("Rate the rewritten text from 1 to 5: <document>x</document>")));
    }

    @Test
    void exampleJsonRuleQuotesTheDocumentAsValidJson() throws Exception {
        String a = answer(EXAMPLE, chat("Return JSON for <document>He said \"hi\"\nsecond line</document>"));
        var json = new ObjectMapper().readTree(a);
        assertEquals("He said \"hi\"", json.get("title").asText());
        assertEquals(2, json.get("pairs").size());
    }

    @Test
    void exampleCodeRuleQuotesANamedGroup() {
        String a = answer(EXAMPLE, chat("Improve this:\n```python\nprint( 1 )\n```"));
        assertTrue(a.contains("```python\nprint( 1 )\n```"), a);
    }

    @Test
    void exampleSentinelRuleUsesTheRewrite() {
        Prompt p = chat("Start your answer with \"REWRITE:\" <document>The results were very good.</document>");
        assertEquals("REWRITE:\n" + Rewriter.rewrite("The results were very good.", 0) + "\n", answer(EXAMPLE, p));
    }

    @Test
    void exampleRulesCanForceAFault() {
        ResponseRules.Hit hit =
                EXAMPLE.firstMatch(Prompt.ofCompletion("x SIM-POISON y")).orElseThrow();
        assertEquals(Optional.of(Fault.SERVER_ERROR), hit.rule().fault());
    }

    @Test
    void firstMatchWinsAndNoMatchIsEmpty() {
        ResponseRules rules = ResponseRules.parse("""
                - match: 'apple'
                  response: first
                - match: 'apple pie'
                  response: second
                """);
        assertEquals("first", answer(rules, Prompt.ofCompletion("apple pie")));
        assertTrue(rules.firstMatch(Prompt.ofCompletion("pear")).isEmpty());
    }

    @Test
    void templatesQuoteLinesGroupsAndCounts() {
        ResponseRules rules = ResponseRules.parse("""
                {"rules": [{"match": "keep (\\\\d+) lines", "on": "prompt",
                  "response": "{{group1}}|{{line:2}}|{{line_count}}|{{word_count}}|{{numbered_document | first_line}}|{{system | upper}}"}]}
                """);
        Prompt p = Prompt.ofChat(List.of(
                new ChatMessage("system", "sys"),
                new ChatMessage("user", "keep 2 lines <document>\nalpha beta\ngamma\ndelta\n</document>")));
        assertEquals("2|gamma|3|4|1: alpha beta|SYS", answer(rules, p));
    }

    @Test
    void matchingOnTheDocumentOnly() {
        ResponseRules rules = ResponseRules.parse("""
                - match: 'secret'
                  on: document
                  response: found
                """);
        assertTrue(rules.firstMatch(chat("secret <document>public</document>")).isEmpty());
        assertEquals("found", answer(rules, chat("public <document>secret</document>")));
    }

    @Test
    void mistakesFailAtLoadTimeWithTheRuleName() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ResponseRules.parse("- {name: x, match: 'a', response: '{{nope}}'}"));
        assertThrows(
                IllegalArgumentException.class, () -> ResponseRules.parse("- {name: x, match: '(', response: 'a'}"));
        assertThrows(IllegalArgumentException.class, () -> ResponseRules.parse("- {name: x, response: 'a'}"));
        assertThrows(
                IllegalArgumentException.class, () -> ResponseRules.parse("- {name: x, match: 'a', fault: 'bogus'}"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ResponseRules.parse("- {name: judge, match: 'a', respnse: 'typo'}"));
        assertTrue(e.getMessage().contains("judge") && e.getMessage().contains("respnse"), e.getMessage());
    }
}
