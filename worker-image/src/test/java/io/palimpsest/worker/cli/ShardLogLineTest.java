package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.ShardRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shard's log line is one logfmt line, whatever its message holds, in any locale. */
class ShardLogLineTest {

    @Test
    void aMessageWithQuotesAndLineBreaksStaysOneLineAndOneValue() {
        String message = "BadData: input file \"in/a.jsonl\" line 3: Unexpected character ('}' (code 125))\n"
                + " at [Source: (String)\"{\\\"id\\\": 1}\"; line: 1, column: 9]\r\ttab \u0001 end";
        ShardSummary s = summary(message);

        List<String> lines = printed(() -> ShardLogLine.print(new ShardRunner.Report(s, 65)));
        assertEquals(1, lines.size(), String.join("\n", lines));
        Map<String, String> fields = logfmt(lines.get(0));
        assertEquals(message, fields.get("message"));
        assertEquals("badData", fields.get("outcome"));
        assertEquals("65", fields.get("exit"));
        assertEquals("10", fields.get("read"));

        List<String> run = printed(() -> ShardLogLine.print(new ShardRunner.Report(s, 65), new ClientStats(), 8));
        assertEquals(1, run.size(), String.join("\n", run));
        Map<String, String> runFields = logfmt(run.get(0));
        assertEquals(message, runFields.get("message"));
        assertEquals("8", runFields.get("concurrency_limit"));
    }

    /** The same characters as `show` and the log formatter: a C1 CSI or a bidi override acts on a terminal too. */
    @Test
    void c1ControlsAndBidiOverridesAreEscapedAsEverywhereElse() {
        assertEquals("\"a\\u009b2Jb\\u202ec\"", ShardLogLine.quoted("a\u009b2Jb\u202ec"));
    }

    @Test
    void numbersAreTheSameInEveryLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            ShardSummary s = summary(null);
            s.setSeconds(12.5);
            Map<String, String> fields = logfmt(printed(() -> ShardLogLine.print(new ShardRunner.Report(s, 0)))
                    .get(0));
            assertEquals("12.5", fields.get("seconds"));
        } finally {
            Locale.setDefault(before);
        }
    }

    private static ShardSummary summary(String message) {
        ShardSummary s = new ShardSummary();
        s.setShard(3);
        s.setOutcome(ShardSummary.Outcome.badData);
        s.setRead(10);
        s.setWritten(7);
        s.setRejected(2);
        s.setSkipped(1);
        s.setMessage(message);
        return s;
    }

    private static List<String> printed(Runnable print) {
        PrintStream before = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            print.run();
        } finally {
            System.setErr(before);
        }
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** A logfmt parser: key=value pairs, values bare or quoted with backslash escapes; the first word is the shard. */
    static Map<String, String> logfmt(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        int i = line.indexOf(' ') + 1; // after "shard-00003"
        int outcomeEnd = line.indexOf(' ', i);
        fields.put("outcome", line.substring(i, outcomeEnd));
        i = outcomeEnd + 1;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq);
            StringBuilder value = new StringBuilder();
            int j = eq + 1;
            if (j < line.length() && line.charAt(j) == '"') {
                j++;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        switch (e) {
                            case 'n' -> value.append('\n');
                            case 'r' -> value.append('\r');
                            case 't' -> value.append('\t');
                            case 'u' -> {
                                value.append((char) Integer.parseInt(line.substring(j + 1, j + 5), 16));
                                j += 4;
                            }
                            default -> value.append(e);
                        }
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                j++;
            } else if (j < line.length() && line.charAt(j) == '[') {
                int close = line.indexOf(']', j);
                value.append(line, j, close + 1);
                j = close + 1;
            } else {
                int end = line.indexOf(' ', j);
                end = end < 0 ? line.length() : end;
                value.append(line, j, end);
                j = end;
            }
            fields.put(key, value.toString());
            i = j + 1;
        }
        return fields;
    }
}
