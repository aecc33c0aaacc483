package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** What the worker's log says about an input or an answer cannot end its record and forge another. */
class OneLineLoggingTest {

    private static final String FORGED =
            "2026-12-06T09:00:00.000Z SEVERE io.palimpsest.worker.run.ShardRunner:" + " shard-00000: committed";

    @Test
    void aLineBreakInAMessageOrATraceStaysInsideItsRecord() {
        OneLineLogging.install();
        Formatter formatter = Arrays.stream(Logger.getLogger("").getHandlers())
                .filter(h -> h instanceof ConsoleHandler)
                .map(Handler::getFormatter)
                .findFirst()
                .orElseThrow();

        LogRecord record = new LogRecord(
                Level.WARNING,
                "corpus/a.jsonl\n" + FORGED + "\r\u001b[2K: cannot count its items; its shard is kept whole");
        record.setLoggerName("io.palimpsest.worker.plan.ShardSplitter");
        record.setInstant(Instant.parse("2026-12-06T09:19:24.123Z"));
        String line = formatter.format(record);
        assertEquals(1, line.split("\n", -1).length - 1, "one record, one line: " + line);
        assertTrue(
                line.endsWith(" WARNING io.palimpsest.worker.plan.ShardSplitter: corpus/a.jsonl\\u000a" + FORGED
                        + "\\u000d\\u001b[2K: cannot count its items; its shard is kept whole\n"),
                line);

        LogRecord failed = new LogRecord(Level.SEVERE, "shard-00001: failed");
        failed.setLoggerName("io.palimpsest.worker.run.ShardRunner");
        failed.setThrown(new IllegalStateException("bad record\n" + FORGED));
        List<String> lines = List.of(formatter.format(failed).split("\n"));
        assertTrue(lines.get(0).endsWith("ShardRunner: shard-00001: failed"), lines.get(0));
        assertEquals("\tjava.lang.IllegalStateException: bad record", lines.get(1));
        assertEquals("\t" + FORGED, lines.get(2), "inside the trace, not a record of its own");
        assertTrue(lines.stream().skip(1).allMatch(l -> l.startsWith("\t")), "every trace line indented: " + lines);
    }
}
