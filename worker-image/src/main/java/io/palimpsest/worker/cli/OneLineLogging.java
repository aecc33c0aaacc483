package io.palimpsest.worker.cli;

import io.palimpsest.worker.text.ControlChars;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * java.util.logging on one line per record, with a timestamp, to stderr: what log collectors expect.
 *
 * <p>A message often carries what the worker read or was answered (an object key, a server's error
 * body, a parser's excerpt of a document), and any of those may hold a line break: written as it is,
 * it would end the record and start one of its own, e.g. a forged {@code SEVERE} line. So a record's
 * message is kept on its one line, its control characters written as a backslash, {@code u} and four
 * hex digits; a stack trace follows on lines that each start with a tab (also the lines of a
 * message inside it), as a collector's multi-line rule expects, so none starts a record. A format of one's own
 * ({@code -Djava.util.logging.SimpleFormatter.format}) or a logging configuration that sets another
 * formatter is left alone.
 */
final class OneLineLogging {

    private OneLineLogging() {}

    static void install() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") != null) {
            return;
        }
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler instanceof ConsoleHandler && handler.getFormatter().getClass() == SimpleFormatter.class) {
                handler.setFormatter(new OneLine());
            }
        }
    }

    /** {@code 2026-12-06T09:19:24.123Z WARNING io.palimpsest.worker.run.ShardRunner: message}. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder out = new StringBuilder(160);
            out.append(String.format(
                            "%1$tFT%1$tT.%1$tLZ", ZonedDateTime.ofInstant(record.getInstant(), ZoneId.systemDefault())))
                    .append(' ')
                    .append(record.getLevel().getLocalizedName())
                    .append(' ')
                    .append(record.getLoggerName())
                    .append(": ");
            escape(formatMessage(record), out);
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                for (String line : trace.toString().split("\\R")) {
                    if (!line.isEmpty()) {
                        out.append('\n').append('\t');
                        escape(line.startsWith("\t") ? line.substring(1) : line, out);
                    }
                }
            }
            return out.append('\n').toString();
        }

        private static void escape(String text, StringBuilder out) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (ControlChars.unsafe(c)) {
                    ControlChars.escape(c, out);
                } else {
                    out.append(c);
                }
            }
        }
    }
}
